import { JsonFile } from '../core/persist.js';
import type { FailedBatch } from './stream_mapping.js';

/**
 * Stream batches Lambda gave up on — the local stand-in for the mapping's on-failure destination.
 * Kept (newest last, bounded) in `<dataDir>/failed-batches.json` so they survive a restart, as a
 * message in an SQS dead-letter queue would.
 */
export class FailedBatchStore {
  private readonly file: JsonFile<FailedBatch[]>;
  private items: FailedBatch[] = [];

  constructor(dataDir: string, private readonly capacity = 200) {
    this.file = new JsonFile<FailedBatch[]>(dataDir, 'failed-batches.json', () => []);
  }

  load(): void {
    this.items = this.file.load() ?? [];
  }

  add(batch: FailedBatch): void {
    this.items.push(batch);
    if (this.items.length > this.capacity) this.items.splice(0, this.items.length - this.capacity);
    this.file.save(this.items);
  }

  /** Newest first. */
  list(): FailedBatch[] {
    return [...this.items].reverse();
  }

  clear(): void {
    this.items = [];
    this.file.delete();
  }
}
