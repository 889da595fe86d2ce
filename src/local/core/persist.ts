import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/**
 * Writes `data` to `file` so that a crash at any moment leaves either the old or the new content:
 * write a temp file beside it, fsync it, rename over the target (atomic on POSIX), fsync the folder.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array, opts: { mode?: number } = {}): void {
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true });
  // Unique per process and call so concurrent writers never share a temp file.
  const tmp = tempBeside(file);
  const fd = openSync(tmp, 'w', opts.mode ?? 0o644);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  fsyncDir(dir);
}

let tmpCounter = 0;

function tempBeside(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${(tmpCounter++).toString(36)}.tmp`);
}

/** `writeFileAtomic` for request paths, which must not block the event loop: same guarantees. */
export async function writeFileAtomicAsync(file: string, data: string | Uint8Array, opts: { mode?: number } = {}): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = tempBeside(file);
  try {
    const handle = await open(tmp, 'w', opts.mode ?? 0o644);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await fsyncDirAsync(path.dirname(file));
}

/**
 * Moves a fully written file (streamed elsewhere, on the same filesystem) into place durably: its
 * bytes reach the disk before the rename makes them visible, and the rename reaches the disk before
 * the caller acknowledges anything.
 */
export async function moveIntoPlace(tmp: string, file: string): Promise<void> {
  const handle = await open(tmp, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
  await fsyncDirAsync(path.dirname(file));
}

async function fsyncDirAsync(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort, as in fsyncDir
  }
}

function fsyncDir(dir: string): void {
  // Makes the rename itself durable; not supported on every platform (Windows), where it is skipped.
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // best effort
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export class CorruptStateError extends Error {
  override readonly name = 'CorruptStateError';
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    super(
      `State file ${file} is not valid JSON (${cause instanceof Error ? cause.message : String(cause)}). ` +
        'Resolution: delete it (or the whole data dir) to start from empty state.',
    );
  }
}

/**
 * A small JSON document kept in one file (users, counters, outbox...). `load()` returns the
 * fallback when the file does not exist yet; `save()` is atomic.
 */
export class JsonFile<T> {
  readonly file: string;

  constructor(
    dirOrFile: string,
    name?: string,
    private readonly fallback?: () => T,
  ) {
    this.file = name === undefined ? dirOrFile : path.join(dirOrFile, name);
  }

  /** The stored value, or the fallback (or undefined) when nothing was saved yet. Throws CorruptStateError. */
  load(): T | undefined {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return this.fallback?.();
      throw err;
    }
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new CorruptStateError(this.file, err);
    }
  }

  /** Like load(), but requires a fallback or an existing file. */
  loadOr(defaultValue: T): T {
    return this.load() ?? defaultValue;
  }

  save(value: T): void {
    writeFileAtomic(this.file, `${JSON.stringify(value, null, 1)}\n`);
  }

  delete(): void {
    rmSync(this.file, { force: true });
  }
}

/**
 * Coalesces bursts of changes into one write `delayMs` later (stores that change on every request);
 * `flush()` writes at once (on stop), `cancel()` drops a pending write. `whenSaved()` is for changes
 * that are acknowledged to a client (an accepted message): it brings the write forward to the next
 * turn of the event loop, so every change made in this turn shares it, and resolves once it is on disk.
 */
export class DebouncedSave {
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private waiters: { resolve: () => void; reject: (err: unknown) => void }[] = [];

  constructor(
    private readonly save: () => void,
    private readonly delayMs: number,
  ) {}

  schedule(): void {
    if (this.timer || this.immediate) return;
    this.timer = setTimeout(() => this.flush(), this.delayMs);
    this.timer.unref();
  }

  /** Resolves when everything scheduled so far has been written (at once when nothing is pending). */
  whenSaved(): Promise<void> {
    if (!this.timer && !this.immediate) return Promise.resolve();
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.immediate = setImmediate(() => this.flush());
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  flush(): void {
    this.clearPending();
    const waiters = this.waiters;
    this.waiters = [];
    try {
      this.save();
    } catch (err) {
      for (const w of waiters) w.reject(err);
      if (!waiters.length) throw err;
      return;
    }
    for (const w of waiters) w.resolve();
  }

  cancel(): void {
    this.clearPending();
    const waiters = this.waiters;
    this.waiters = [];
    // Dropped on purpose (a reset): nothing is left to wait for.
    for (const w of waiters) w.resolve();
  }

  private clearPending(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }
}
