import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runSnapshotCommand } from '../../../src/local/snapshot_commands.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function run(args: string[], cwd: string): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await runSnapshotCommand(args, { out: (t) => (out += t), err: (t) => (out += t), cwd });
  return { code, out };
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('npm run local:export / local:reset', () => {
  it('prints usage for no command and refuses a plain-HTTP url', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'snapshot-cmd-'));
    dirs.push(cwd);
    expect(await run([], cwd)).toMatchObject({ code: 2, out: expect.stringContaining('npm run local:export -- <dir>') });
    expect(await run(['reset', '--url', 'http://127.0.0.1:20002'], cwd)).toMatchObject({ code: 2, out: expect.stringContaining('HTTPS only') });
    expect(await run(['export'], cwd)).toMatchObject({ code: 2 });
  });

  it('says where the CA should be, and what to do when nothing answers', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'snapshot-cmd-'));
    dirs.push(cwd);
    const saved = process.env.AMPLIFY_LOCAL_CA_DIR;
    delete process.env.AMPLIFY_LOCAL_CA_DIR;
    try {
      const missing = await run(['reset', '--data-dir', 'nowhere'], cwd);
      expect(missing.code).toBe(1);
      expect(missing.out).toContain(`No local CA at ${path.join(cwd, 'nowhere', 'tls', 'ca.pem')}`);

      mkdirSync(path.join(cwd, 'd', 'tls'), { recursive: true });
      writeFileSync(path.join(cwd, 'd', 'tls', 'ca.pem'), '');
      const port = await closedPort();
      const refused = await run(['export', 'out', '--data-dir', 'd', '--url', `https://127.0.0.1:${port}`], cwd);
      expect(refused).toEqual({ code: 1, out: `Nothing answers at https://127.0.0.1:${port}. Resolution: start the local cloud (npm start), or pass its --url.\n` });

      // A folder that is not a snapshot is refused before anything is asked of the server.
      mkdirSync(path.join(cwd, 'project'));
      writeFileSync(path.join(cwd, 'project', 'package.json'), '{}');
      const kept = await run(['export', 'project', '--data-dir', 'd', '--url', `https://127.0.0.1:${port}`], cwd);
      expect(kept.code).toBe(1);
      expect(kept.out).toMatch(/is not empty and holds no snapshot.json[^]*Resolution: Export into an empty or new folder/);
    } finally {
      if (saved !== undefined) process.env.AMPLIFY_LOCAL_CA_DIR = saved;
    }
  });
});
