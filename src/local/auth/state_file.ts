import { JsonFile } from '../core/persist.js';

/**
 * A JSON state file written atomically (JsonFile) and coalesced: a burst of changes in one turn of
 * the event loop costs one write. `flush()` writes now (stop, tests); a crash can lose at most the
 * changes of the current turn, never corrupt the file.
 */
export class StateFile<T> {
  private readonly file: JsonFile<T>;
  private pending: NodeJS.Immediate | undefined;

  constructor(
    dir: string,
    name: string,
    private readonly snapshot: () => T,
  ) {
    this.file = new JsonFile<T>(dir, name);
  }

  load(): T | undefined {
    return this.file.load();
  }

  markDirty(): void {
    if (this.pending) return;
    this.pending = setImmediate(() => {
      this.pending = undefined;
      this.file.save(this.snapshot());
    });
    // A pending write must not keep a finished test process alive; stop() flushes explicitly.
    this.pending.unref();
  }

  /** Writes now if anything changed since the last write. */
  flush(): void {
    if (!this.pending) return;
    clearImmediate(this.pending);
    this.pending = undefined;
    this.file.save(this.snapshot());
  }

  /** Drops a scheduled write without writing (reset). */
  cancel(): void {
    if (this.pending) clearImmediate(this.pending);
    this.pending = undefined;
  }

  delete(): void {
    this.cancel();
    this.file.delete();
  }
}
