import type { ModerationVerdict } from '../../../amplify/functions/post-processor/moderation.js';
import type { PostRecord, PostStore, StreamRecord } from '../../../amplify/functions/post-processor/processor.js';
import type { PushTarget } from '../../../amplify/functions/post-processor/push.js';

/** An in-memory PostStore: the GraphQL side of the processor, with switches to make it fail. */
export class MemoryStore implements PostStore {
  posts = new Map<string, PostRecord>();
  devices = new Map<string, PushTarget[]>();
  writes: { id: string; verdict: ModerationVerdict }[] = [];
  failWrites = false;
  failDeviceLookups = false;

  /** Like the API: its owner-field resolver returns only the username part of `<sub>::<username>`. */
  async getPost(id: string) {
    const post = this.posts.get(id);
    return post ? { ...post, owner: post.owner?.split('::').pop() ?? null } : null;
  }

  async setModeration(id: string, verdict: ModerationVerdict) {
    if (this.failWrites) throw new Error('update Post: Network error');
    const post = this.posts.get(id);
    if (!post) throw new Error(`update Post ${id}: no such post`);
    this.writes.push({ id, verdict });
    const updated = { ...post, status: verdict.status, moderationReason: verdict.reason };
    this.posts.set(id, updated);
    return updated;
  }

  async devicesOf(owner: string) {
    if (this.failDeviceLookups) throw new Error('list Device: Network error');
    return this.devices.get(owner) ?? [];
  }
}

export const ALICE = 'a1a1a1a1-0000-4000-8000-000000000001';
export const BOB = 'b2b2b2b2-0000-4000-8000-000000000002';
export const owner = (sub: string) => `${sub}::${sub}`;

/** A log that keeps what was said, to assert on it. */
export function memoryLog() {
  const lines: { level: 'info' | 'warn' | 'error'; text: string }[] = [];
  return {
    lines,
    info: (...a: unknown[]) => void lines.push({ level: 'info', text: a.join(' ') }),
    warn: (...a: unknown[]) => void lines.push({ level: 'warn', text: a.join(' ') }),
    error: (...a: unknown[]) => void lines.push({ level: 'error', text: a.join(' ') }),
  };
}

let sequence = 100;

/** A DynamoDB stream INSERT record as the data API writes it (`__typename`, owner `<sub>::<username>`). */
export function insertOf(typename: 'Post' | 'Comment', item: Record<string, string>): StreamRecord {
  sequence += 1;
  const image = Object.fromEntries(Object.entries({ __typename: typename, ...item }).map(([k, v]) => [k, { S: v }]));
  return { eventID: `evt-${sequence}`, eventName: 'INSERT', dynamodb: { NewImage: image, SequenceNumber: String(sequence) } };
}
