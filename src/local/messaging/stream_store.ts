import path from 'node:path';
import { DebouncedSave, JsonFile } from '../core/persist.js';

/** The only shard of a local stream (an on-demand stream starts with several; one keeps order simple). */
const LOCAL_SHARD_ID = 'shardId-000000000000';
/** Kinesis keeps records 24 hours by default. */
const RETENTION_MS = 24 * 60 * 60 * 1000;
/** Kinesis sequence numbers are 56-digit decimals; local ones count up from this base. */
const SEQUENCE_BASE = 49n * 10n ** 54n;

export interface StoredRecord {
  sequenceNumber: string;
  shardId: string;
  partitionKey: string;
  explicitHashKey?: string;
  /** Base64, as sent. */
  data: string;
  /** Epoch ms on the local clock. */
  arrivedAt: number;
  /** Role whose credentials signed the put. */
  callerRoleArn?: string;
}

interface StreamState {
  next: string;
  records: StoredRecord[];
}

/**
 * The records put into one Kinesis stream, kept for the retention period (at most `capacity`),
 * saved to `<dir>/<stream>.json` shortly after each change (atomically) and on stop.
 */
export class StreamStore {
  private state: StreamState = { next: '0', records: [] };
  private readonly file: JsonFile<StreamState>;
  /** Batches bursts of puts into one write; `flush()` on stop writes the rest. */
  private readonly saver = new DebouncedSave(() => this.file.save(this.state), 100);

  constructor(
    dir: string,
    readonly streamName: string,
    private readonly now: () => number,
    private readonly capacity = 10_000,
  ) {
    this.file = new JsonFile<StreamState>(path.join(dir, `${streamName}.json`));
  }

  load(): void {
    this.state = this.file.load() ?? { next: '0', records: [] };
  }

  /** Resolves once the records appended so far are on disk: PutRecord(s) answer only after that. */
  persisted(): Promise<void> {
    return this.saver.whenSaved();
  }

  append(input: Omit<StoredRecord, 'sequenceNumber' | 'shardId' | 'arrivedAt'>): StoredRecord {
    const n = BigInt(this.state.next);
    this.state.next = (n + 1n).toString();
    const record: StoredRecord = {
      ...input,
      sequenceNumber: (SEQUENCE_BASE + n).toString(),
      shardId: LOCAL_SHARD_ID,
      arrivedAt: this.now(),
    };
    this.state.records.push(record);
    this.trim();
    this.saver.schedule();
    return record;
  }

  private trim(): void {
    const cutoff = this.now() - RETENTION_MS;
    const records = this.state.records;
    let drop = Math.max(0, records.length - this.capacity);
    while (drop < records.length && records[drop].arrivedAt < cutoff) drop += 1;
    if (drop > 0) records.splice(0, drop);
  }

  /** Oldest first. */
  list(): StoredRecord[] {
    this.trim();
    return [...this.state.records];
  }

  flush(): void {
    this.saver.flush();
  }

  clear(): void {
    this.saver.cancel();
    this.state = { next: this.state.next, records: [] };
    this.file.save(this.state);
  }
}
