/**
 * Per-item locks for the local DynamoDB: writes to one item (and transactions over several) run one
 * after another, so the old and new images a write publishes to the change feed are the item's
 * real neighbours. A lock is identified by the table and the item's key attribute values.
 */
type Item = Record<string, unknown>;

export class ItemLocks {
  private readonly locks = new Map<string, Promise<void>>();

  /** `keyAttributes(table)`: the table's key attribute names (undefined when it is not known). */
  constructor(private readonly keyAttributes: (table: string) => string[] | undefined) {}

  /** The lock of the item with `item`'s key (undefined when the table's key schema is not known). */
  keyOf(table: string, item: unknown): string | undefined {
    const keys = this.keyAttributes(table);
    if (!keys || typeof item !== 'object' || item === null) return undefined;
    let k = table;
    for (const a of keys) k += `\u0000${JSON.stringify((item as Item)[a] ?? null)}`;
    return k;
  }

  /** Runs `fn` holding every lock in `keys` (taken in sorted order; undefined keys are skipped). */
  async withLocks<T>(keys: (string | undefined)[], fn: () => Promise<T>): Promise<T> {
    const unique = [...new Set(keys.filter((k): k is string => k !== undefined))].sort();
    const releases: (() => void)[] = [];
    const waits: Promise<void>[] = [];
    for (const key of unique) {
      const prev = this.locks.get(key) ?? Promise.resolve();
      let release!: () => void;
      const mine = new Promise<void>((r) => (release = r));
      const tail = prev.then(() => mine);
      this.locks.set(key, tail);
      waits.push(prev);
      releases.push(() => {
        release();
        if (this.locks.get(key) === tail) this.locks.delete(key);
      });
    }
    if (waits.length === 1) await waits[0];
    else if (waits.length > 1) await Promise.all(waits);
    try {
      return await fn();
    } finally {
      for (const r of releases) r();
    }
  }

  /** Resolves once every lock held or queued now is released. */
  async settled(): Promise<void> {
    await Promise.all([...this.locks.values()]);
  }
}
