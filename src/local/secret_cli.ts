/** `npm run local:secret -- set|get|list|remove`: process glue; the commands are in parameters/secret_commands.ts. */
import { runSecretCommand } from './parameters/secret_commands.js';

process.exitCode = await runSecretCommand(process.argv.slice(2), {
  stdin: process.stdin,
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  cwd: process.cwd(),
  now: () => Date.now(),
});
