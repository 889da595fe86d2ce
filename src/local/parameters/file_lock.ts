import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { processAlive } from '../core/process_alive.js';

/** How long a writer waits for another process's lock before giving up. */
const WAIT_MS = 5000;
const RETRY_MS = 5;

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
    return true; // released meanwhile: try again
  }
  // Our own pid cannot be a live holder: this process only holds the lock inside one synchronous call.
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  return processAlive(pid);
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

let counter = 0;

/**
 * Runs `fn` while holding `lockFile` as an exclusive lock between processes (the running local cloud
 * and `npm run local:secret`), so read-modify-write of the store never loses an update. The lock file
 * holds its owner's pid and appears complete at once (a hard link of a file already written, which
 * fails if the lock exists); a lock whose owner has died is taken over. `fn` must be synchronous, so
 * the lock is never held across an await.
 */
export function withFileLock<T>(lockFile: string, fn: () => T, waitMs = WAIT_MS): T {
  mkdirSync(path.dirname(lockFile), { recursive: true });
  const claim = `${lockFile}.${process.pid}.${(counter++).toString(36)}`;
  writeFileSync(claim, String(process.pid), { mode: 0o600 });
  const deadline = Date.now() + waitMs;
  try {
    for (;;) {
      try {
        linkSync(claim, lockFile);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        if (!holderIsAlive(lockFile)) {
          // Two writers finding the same dead owner at once could both take over; only after a crash
          // while holding the lock (a few ms), which a developer tool can accept.
          rmSync(lockFile, { force: true });
          continue;
        }
        if (Date.now() > deadline) throw new LockTimeoutError(lockFile);
        sleepSync(RETRY_MS);
      }
    }
  } finally {
    rmSync(claim, { force: true });
  }
  try {
    return fn();
  } finally {
    rmSync(lockFile, { force: true });
  }
}
