import { JsonFile } from '../core/persist.js';

/**
 * A JSON state file written atomically (JsonFile: temp file, fsync, rename) and coalesced: every
 * change within `delayMs` (or within one turn of the event loop when 0) costs one write. An atomic
 * write costs an fsync — around 10 ms on a busy disk — so writing per change would dominate a
 * sign-in. `flush()` writes at once (stop, tests). A crash loses at most the last `delayMs` of
 * changes and never corrupts the file.
 */
export class StateFile<T> {
  private readonly file: JsonFile<T>;
  private pending: NodeJS.Immediate | NodeJS.Timeout | undefined;

  constructor(
    dir: string,
    name: string,
    private readonly snapshot: () => T,
    private readonly delayMs = 0,
  ) {
    this.file = new JsonFile<T>(dir, name);
  }

  load(): T | undefined {
    return this.file.load();
  }

  markDirty(): void {
    if (this.pending) return;
    const write = () => {
      this.pending = undefined;
      this.file.save(this.snapshot());
    };
    this.pending = this.delayMs > 0 ? setTimeout(write, this.delayMs) : setImmediate(write);
    // A pending write must not keep a finished test process alive; stop() flushes explicitly.
    this.pending.unref();
  }

  /** Writes now if anything changed since the last write. */
  flush(): void {
    if (!this.pending) return;
    this.cancel();
    this.file.save(this.snapshot());
  }

  /** Drops a scheduled write without writing (reset). */
  cancel(): void {
    if (this.pending) {
      clearTimeout(this.pending as NodeJS.Timeout);
      clearImmediate(this.pending as NodeJS.Immediate);
    }
    this.pending = undefined;
  }

  delete(): void {
    this.cancel();
    this.file.delete();
  }
}
