/**
 * What the crash run wrote: every write is recorded as pending before it is sent and as acknowledged
 * when the server answered 200, so after a crash the verifier knows what must be there (acknowledged),
 * what may be there (pending: the crash raced the answer) and what must not.
 */
import type { Item, ModelPlan } from './clients.js';

export interface ItemRecord {
  plan: ModelPlan;
  writer: number;
  input: Item;
  acked: boolean;
}

export interface ObjectRecord {
  writer: number;
  /** SHA-256 of the content the last acknowledged write stored. */
  acked?: string;
  /** Contents of writes sent after it and not (yet) answered: any of them may have won. */
  pending: Set<string>;
  multipart: boolean;
  size: Map<string, number>;
}

export class Ledger {
  readonly items = new Map<string, ItemRecord>();
  readonly objects = new Map<string, ObjectRecord>();
  /** SQS message bodies sent: acknowledged or not. */
  readonly messages = new Map<string, { acked: boolean }>();
  acks = 0;

  messageSent(body: string): void {
    this.messages.set(body, { acked: false });
  }

  messageAcked(body: string): void {
    this.messages.get(body)!.acked = true;
    this.acks++;
  }

  itemSent(id: string, rec: Omit<ItemRecord, 'acked'>): void {
    this.items.set(id, { ...rec, acked: false });
  }

  itemAcked(id: string): void {
    this.items.get(id)!.acked = true;
    this.acks++;
  }

  objectSent(key: string, writer: number, sha: string, size: number, multipart: boolean): void {
    const rec = this.objects.get(key) ?? { writer, pending: new Set<string>(), multipart, size: new Map() };
    rec.pending.add(sha);
    rec.size.set(sha, size);
    rec.multipart ||= multipart;
    this.objects.set(key, rec);
  }

  objectAcked(key: string, sha: string): void {
    const rec = this.objects.get(key)!;
    rec.acked = sha;
    rec.pending.delete(sha);
    this.acks++;
  }

  /** A definite rejection (an S3 or GraphQL error answer): that write did not happen. */
  objectRejected(key: string, sha: string): void {
    const rec = this.objects.get(key);
    rec?.pending.delete(sha);
    if (rec && rec.acked === undefined && rec.pending.size === 0) this.objects.delete(key);
  }

  itemRejected(id: string): void {
    this.items.delete(id);
  }

  /** Primary-key values of `writer`'s acknowledged items of `model` (belongsTo targets). */
  ackedIds(writer: number, model: string): string[] {
    return [...this.items.values()].filter((r) => r.acked && r.writer === writer && r.plan.name === model).map((r) => String(r.input[r.plan.keyFields[0]]));
  }

  ackedKeys(writer: number): string[] {
    return [...this.objects.entries()].filter(([, r]) => r.writer === writer && r.acked !== undefined).map(([k]) => k);
  }
}
