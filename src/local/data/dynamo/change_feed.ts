/**
 * DynamoDB-Streams-like change records for the tables that have a stream (dynalite has none):
 * the engine captures old/new images around each write it performs and publishes them here.
 * Each listener gets records in commit order per table; while a listener is busy, new records
 * queue up and arrive as the next batch (like a shard iterator catching up).
 */
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { ChangeFeed, ChangeRecord } from '../../core/registry.js';

export type StreamViewType = 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES' | 'KEYS_ONLY';

export interface StreamConfig {
  viewType: StreamViewType;
  streamArn: string;
  keyAttributes: string[];
}

type Item = Record<string, unknown>;

interface Listener {
  fn: (records: ChangeRecord[]) => void | Promise<void>;
  queue: ChangeRecord[];
  busy: boolean;
  active: boolean;
}

export class LocalChangeFeed implements ChangeFeed {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly streams = new Map<string, StreamConfig>();
  private sequence: bigint;
  private idleWaiters: (() => void)[] = [];
  private pending = 0;

  constructor(
    private readonly region: string,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    // Sequence numbers keep increasing across restarts: they start from the clock.
    this.sequence = BigInt(clock.now()) * 1_000_000n;
  }

  setStream(tableName: string, config: StreamConfig | undefined): void {
    if (config) this.streams.set(tableName, config);
    else this.streams.delete(tableName);
  }

  hasStream(tableName: string): boolean {
    return this.streams.has(tableName);
  }

  /** True when a write to the table would reach a listener (so images are worth capturing). */
  wants(tableName: string): boolean {
    return this.streams.has(tableName) && (this.listeners.get(tableName)?.size ?? 0) > 0;
  }

  subscribe(tableName: string, listener: (records: ChangeRecord[]) => void | Promise<void>): () => void {
    const entry: Listener = { fn: listener, queue: [], busy: false, active: true };
    let set = this.listeners.get(tableName);
    if (!set) this.listeners.set(tableName, (set = new Set()));
    set.add(entry);
    return () => {
      entry.active = false;
      set.delete(entry);
    };
  }

  /** Called by the engine after a write committed. Identical old/new images produce no record, as in DynamoDB Streams. */
  publish(tableName: string, oldItem: Item | undefined, newItem: Item | undefined): void {
    const stream = this.streams.get(tableName);
    if (!stream) return;
    const set = this.listeners.get(tableName);
    if (!set || set.size === 0) return;
    if (!oldItem && !newItem) return;
    if (oldItem && newItem && sameItem(oldItem, newItem)) return;
    const eventName = !oldItem ? 'INSERT' : !newItem ? 'REMOVE' : 'MODIFY';
    const source = (newItem ?? oldItem)!;
    const keys: Item = {};
    for (const k of stream.keyAttributes) if (k in source) keys[k] = source[k];
    this.sequence += 1n;
    const seq = this.sequence.toString().padStart(21, '0');
    const dynamodb: ChangeRecord['dynamodb'] = {
      ApproximateCreationDateTime: Math.floor(this.clock.now() / 1000),
      Keys: keys,
      SequenceNumber: seq,
      SizeBytes: JSON.stringify(keys).length + (newItem ? JSON.stringify(newItem).length : 0),
      StreamViewType: stream.viewType,
    };
    if (newItem && (stream.viewType === 'NEW_IMAGE' || stream.viewType === 'NEW_AND_OLD_IMAGES')) dynamodb.NewImage = plain(newItem);
    if (oldItem && (stream.viewType === 'OLD_IMAGE' || stream.viewType === 'NEW_AND_OLD_IMAGES')) dynamodb.OldImage = plain(oldItem);
    const record: ChangeRecord = {
      eventID: seq.slice(-32),
      eventName,
      eventSource: 'aws:dynamodb',
      awsRegion: this.region,
      eventSourceARN: stream.streamArn,
      tableName,
      dynamodb,
    };
    for (const l of set) {
      l.queue.push(record);
      if (!l.busy) void this.drain(l);
    }
  }

  /** Resolves when every queued record has been handed to its listeners (tests). */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async drain(l: Listener): Promise<void> {
    l.busy = true;
    this.pending++;
    try {
      while (l.active && l.queue.length > 0) {
        const batch = l.queue.splice(0, l.queue.length);
        try {
          await l.fn(batch);
        } catch (err) {
          this.log.error(`change listener failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    } finally {
      l.busy = false;
      this.pending--;
      if (this.pending === 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const w of waiters) w();
      }
    }
  }
}

/** Items from dynalite may have null-prototype objects; records carry plain JSON. */
function plain(item: Item): Item {
  return JSON.parse(JSON.stringify(item)) as Item;
}

function sameItem(a: Item, b: Item): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (!(k in b) || !sameValue(a[k], b[k])) return false;
  return true;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    // Sets (SS/NS/BS) compare unordered; lists ordered — sort both only for sets.
    return a.every((x, i) => sameValue(x, (b as unknown[])[i])) || setEquals(a, b);
  }
  return sameItem(a as Item, b as Item);
}

function setEquals(a: unknown[], b: unknown[]): boolean {
  if (!a.every((x) => typeof x === 'string')) return false;
  const sa = [...(a as string[])].sort();
  const sb = [...(b as string[])].sort();
  return sa.every((x, i) => x === sb[i]);
}
