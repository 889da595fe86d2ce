import type { ChangeFeed, ChangeRecord } from '../core/registry.js';

/**
 * The recent changes of every table, from the same change feed the stream mappings read, so the
 * console can show an item's history (what was written, when, old and new images). Bounded per
 * table; images are kept as the feed gives them (DynamoDB JSON).
 */
export class ItemHistory {
  private readonly byTable = new Map<string, ChangeRecord[]>();
  private readonly unsubscribes: (() => void)[] = [];

  constructor(readonly perTable = 500) {}

  follow(feed: ChangeFeed, tableNames: readonly string[]): void {
    for (const table of tableNames) {
      this.unsubscribes.push(
        feed.subscribe(table, (records) => {
          let list = this.byTable.get(table);
          if (!list) this.byTable.set(table, (list = []));
          list.push(...records);
          if (list.length > this.perTable) list.splice(0, list.length - this.perTable);
        }),
      );
    }
  }

  /** Newest first; `keys` (attribute → plain value) narrows to one item. */
  list(table: string, keys?: Record<string, unknown>): ChangeRecord[] {
    const list = this.byTable.get(table) ?? [];
    const matches = (r: ChangeRecord) =>
      !keys || Object.entries(keys).every(([k, v]) => plain(r.dynamodb.Keys[k]) === String(v));
    return list.filter(matches).reverse();
  }

  clear(): void {
    this.byTable.clear();
  }

  stop(): void {
    for (const u of this.unsubscribes.splice(0)) u();
  }
}

/** `{ S: "x" }` / `{ N: "1" }` → the string form, to compare with a key given in a query string. */
function plain(value: unknown): string | undefined {
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    for (const t of ['S', 'N', 'B']) if (typeof v[t] === 'string') return v[t] as string;
  }
  return value === undefined ? undefined : String(value);
}
