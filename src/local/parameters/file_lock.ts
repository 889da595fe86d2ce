import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

/** How long a writer waits for another process's lock before giving up. */
const WAIT_MS = 5000;
const RETRY_MS = 10;

export class LockTimeoutError extends Error {
  override readonly name = 'LockTimeoutError';
  constructor(readonly lockFile: string) {
    super(
      `The parameter store is locked by another process (${lockFile}). ` +
        'Resolution: wait for it to finish, or delete the lock file if no local cloud or `local:secret` is running.',
    );
  }
}

function holderIsAlive(lockFile: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(lockFile, 'utf8').trim());
  } catch {
    return true; // vanished or unreadable mid-write: try again
  }
  // Our own pid cannot be a live holder: this process only holds the lock inside one synchronous call.
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Runs `fn` while holding `<file>` as an exclusive lock between processes (the running local cloud
 * and `npm run local:secret`), so read-modify-write of the store never loses an update. The lock is
 * a file created with O_EXCL holding the owner's pid; a lock whose owner has died is taken over.
 * `fn` must be synchronous, so the lock is never held across an await.
 */
export function withFileLock<T>(lockFile: string, fn: () => T): T {
  mkdirSync(path.dirname(lockFile), { recursive: true });
  const deadline = Date.now() + WAIT_MS;
  let fd: number | undefined;
  while (fd === undefined) {
    try {
      fd = openSync(lockFile, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (!holderIsAlive(lockFile)) {
        rmSync(lockFile, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new LockTimeoutError(lockFile);
      sleepSync(RETRY_MS);
    }
  }
  try {
    try {
      writeSync(fd, String(process.pid));
    } finally {
      closeSync(fd);
    }
    return fn();
  } finally {
    rmSync(lockFile, { force: true });
  }
}
