import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { processAlive } from './process_alive.js';

/**
 * One local cloud per data dir. Two on the same folder would share LevelDB, object and user files
 * that each caches and rewrites: the second one's start must stop with a clear message, not fail
 * later deep inside a store. The lock is a file holding the owner's pid; a lock whose process is
 * gone (a crash, `kill -9`) is taken over.
 */
export class DataDirInUseError extends Error {
  override readonly name = 'DataDirInUseError';
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `The data dir ${dataDir} is in use by another local cloud (process ${pid}${pid === process.pid ? ', this one' : ''}). ` +
        'Resolution: stop that one, or start this one with another --data-dir.',
    );
  }
}

export interface DataDirLock {
  release(): void;
}

const held = new Set<string>();

export function lockDataDir(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, '.lock');
  if (held.has(file)) throw new DataDirInUseError(dataDir, process.pid);
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o644);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
      const owner = ownerOf(file);
      if (owner !== undefined && owner !== process.pid && processAlive(owner)) throw new DataDirInUseError(dataDir, owner);
      // A lock left by a process that is gone (or by this one before a crash): take it over.
      rmSync(file, { force: true });
    }
  }
  held.add(file);
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      held.delete(file);
      if (ownerOf(file) === process.pid) rmSync(file, { force: true });
    },
  };
}

function ownerOf(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
