import type { ChangeFeed, ChangeRecord } from '../../../src/local/core/registry.js';

export const STREAM_ARN = 'arn:aws:dynamodb:us-east-1:123456789012:table/Post-local/stream/2026-01-01T00:00:00.000';

/** The data service's side of the capability, driven by the test. */
export class FakeChangeFeed implements ChangeFeed {
  private readonly listeners = new Map<string, ((records: ChangeRecord[]) => void | Promise<void>)[]>();
  private seq = 100;

  subscribe(tableName: string, listener: (records: ChangeRecord[]) => void | Promise<void>): () => void {
    const list = this.listeners.get(tableName) ?? [];
    list.push(listener);
    this.listeners.set(tableName, list);
    return () => this.listeners.set(tableName, (this.listeners.get(tableName) ?? []).filter((l) => l !== listener));
  }

  subscribers(tableName: string): number {
    return this.listeners.get(tableName)?.length ?? 0;
  }

  record(id: string, eventName: ChangeRecord['eventName'] = 'INSERT', tableName = 'Post-local'): ChangeRecord {
    this.seq += 1;
    return {
      eventID: `ev-${this.seq}`,
      eventName,
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      eventSourceARN: STREAM_ARN,
      tableName,
      dynamodb: {
        ApproximateCreationDateTime: 1767225600,
        Keys: { id: { S: id } },
        NewImage: eventName === 'REMOVE' ? undefined : { id: { S: id }, __typename: { S: 'Post' } },
        SequenceNumber: String(this.seq).padStart(21, '0'),
        SizeBytes: 42,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    };
  }

  /** Commits `ids` as one write (one listener call); returns what the listeners returned. */
  emit(ids: string[], eventName: ChangeRecord['eventName'] = 'INSERT', tableName = 'Post-local'): unknown[] {
    const records = ids.map((id) => this.record(id, eventName, tableName));
    return (this.listeners.get(tableName) ?? []).map((l) => l(records));
  }
}
