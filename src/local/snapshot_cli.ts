/** `npm run local:export -- <dir>` / `npm run local:reset`: process glue; the commands are in snapshot_commands.ts. */
import { runSnapshotCommand } from './snapshot_commands.js';

process.exitCode = await runSnapshotCommand(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  cwd: process.cwd(),
});
