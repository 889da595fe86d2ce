import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { QueueModel } from '../assembly/model.js';
import type { Clock, IdSource } from '../core/clock.js';
import { DebouncedSave, JsonFile } from '../core/persist.js';
import { md5Hex, md5OfAttributes, type MessageAttributeValue } from './md5.js';

/** FIFO queues drop a repeated deduplication id for five minutes. */
const DEDUPLICATION_WINDOW_MS = 5 * 60 * 1000;
/** SQS allows one PurgeQueue per queue every 60 seconds. */
export const PURGE_INTERVAL_MS = 60 * 1000;

export interface StoredMessage {
  messageId: string;
  body: string;
  md5OfBody: string;
  attributes?: Record<string, MessageAttributeValue>;
  md5OfAttributes?: string;
  systemAttributes?: Record<string, MessageAttributeValue>;
  md5OfSystemAttributes?: string;
  /** Epoch ms on the local clock. */
  sentAt: number;
  senderId: string;
  /** Invisible (delayed or in flight) until then. */
  visibleAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  /** The handle of the latest receive: only it deletes the message or changes its visibility. */
  receiptHandle?: string;
  groupId?: string;
  deduplicationId?: string;
  sequenceNumber?: string;
  /** Set once a redrive moved the message here from its source queue. */
  deadLetterSourceArn?: string;
}

export interface SendInput {
  body: string;
  attributes?: Record<string, MessageAttributeValue>;
  systemAttributes?: Record<string, MessageAttributeValue>;
  delaySeconds?: number;
  groupId?: string;
  deduplicationId?: string;
  senderId: string;
}

export interface SendResult {
  message: StoredMessage;
  /** True when a FIFO queue dropped the send as a duplicate (the first message's id is returned). */
  duplicate: boolean;
}

export interface ReceiveOptions {
  max: number;
  visibilityTimeoutSeconds?: number;
}

interface QueueState {
  messages: StoredMessage[];
  /** FIFO: deduplication id → the message it produced and when the window closes. */
  deduplication: Record<string, { messageId: string; sequenceNumber: string; until: number }>;
  nextSequence: string;
  lastPurgeAt?: number;
  createdAt: number;
}

/** Receipt handles carry the queue and message they belong to, so a foreign or forged one is recognised. */
function receiptHandleFor(queueName: string, messageId: string): string {
  return Buffer.from(`${queueName}\n${messageId}\n${randomBytes(12).toString('hex')}`, 'utf8').toString('base64');
}

export function parseReceiptHandle(handle: string): { queueName: string; messageId: string } | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(handle)) return undefined;
  const parts = Buffer.from(handle, 'base64').toString('utf8').split('\n');
  if (parts.length !== 3 || !parts[0] || !parts[1] || !/^[0-9a-f]{24}$/.test(parts[2])) return undefined;
  return { queueName: parts[0], messageId: parts[1] };
}

/**
 * The messages of one queue: delays, visibility timeouts, receive counts, FIFO groups and
 * deduplication, retention and the redrive to a dead-letter queue, all on the injected clock.
 * Saved to `<dir>/<queue>.json` shortly after each change (atomically) and on stop.
 */
export class QueueStore {
  private state: QueueState;
  private readonly file: JsonFile<QueueState>;
  /** Batches bursts of changes into one write; `flush()` on stop writes the rest. */
  private readonly saver = new DebouncedSave(() => this.file.save(this.state), 50);
  private readonly listeners = new Set<() => void>();

  constructor(
    dir: string,
    readonly queue: QueueModel,
    private readonly clock: Clock,
    private readonly ids: IdSource,
    /** The queue a redrive moves messages to (undefined when it is not a local queue). */
    private readonly deadLetterQueue: () => QueueStore | undefined = () => undefined,
  ) {
    this.file = new JsonFile<QueueState>(path.join(dir, `${queue.name}.json`));
    this.state = this.empty();
  }

  private empty(): QueueState {
    return { messages: [], deduplication: {}, nextSequence: '1', createdAt: this.clock.now() };
  }

  load(): void {
    this.state = this.file.load() ?? this.empty();
  }

  /** Resolves once the changes made so far are on disk: SendMessage answers only after that. */
  persisted(): Promise<void> {
    return this.saver.whenSaved();
  }

  /** Called whenever a message may have become receivable (a send, a visibility change). */
  onAvailable(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }

  private expire(now: number): void {
    const cutoff = now - this.queue.messageRetentionSeconds * 1000;
    const before = this.state.messages.length;
    this.state.messages = this.state.messages.filter((m) => m.sentAt > cutoff);
    for (const [id, entry] of Object.entries(this.state.deduplication)) if (entry.until <= now) delete this.state.deduplication[id];
    if (this.state.messages.length !== before) this.saver.schedule();
  }

  send(input: SendInput): SendResult {
    const now = this.clock.now();
    this.expire(now);
    if (this.queue.fifo && input.deduplicationId !== undefined) {
      const seen = this.state.deduplication[input.deduplicationId];
      if (seen) {
        const original = this.state.messages.find((m) => m.messageId === seen.messageId);
        if (original) return { message: original, duplicate: true };
        return { message: { ...this.build(input, now), messageId: seen.messageId, sequenceNumber: seen.sequenceNumber }, duplicate: true };
      }
    }
    const message = this.build(input, now);
    this.state.messages.push(message);
    if (this.queue.fifo && input.deduplicationId !== undefined) {
      this.state.deduplication[input.deduplicationId] = { messageId: message.messageId, sequenceNumber: message.sequenceNumber!, until: now + DEDUPLICATION_WINDOW_MS };
    }
    this.saver.schedule();
    this.notify();
    return { message, duplicate: false };
  }

  private build(input: SendInput, now: number): StoredMessage {
    const delay = input.delaySeconds ?? this.queue.delaySeconds;
    const hasAttributes = input.attributes && Object.keys(input.attributes).length > 0;
    const hasSystem = input.systemAttributes && Object.keys(input.systemAttributes).length > 0;
    const message: StoredMessage = {
      messageId: this.ids.uuid(),
      body: input.body,
      md5OfBody: md5Hex(Buffer.from(input.body, 'utf8')),
      ...(hasAttributes ? { attributes: input.attributes, md5OfAttributes: md5OfAttributes(input.attributes!) } : {}),
      ...(hasSystem ? { systemAttributes: input.systemAttributes, md5OfSystemAttributes: md5OfAttributes(input.systemAttributes!) } : {}),
      sentAt: now,
      senderId: input.senderId,
      visibleAt: now + delay * 1000,
      receiveCount: 0,
      ...(input.groupId !== undefined ? { groupId: input.groupId } : {}),
    };
    if (this.queue.fifo) {
      message.deduplicationId = input.deduplicationId;
      const n = BigInt(this.state.nextSequence);
      this.state.nextSequence = (n + 1n).toString();
      // SQS sequence numbers are 20-digit (or longer) increasing decimals.
      message.sequenceNumber = (18_000_000_000_000_000_000n + n).toString();
    }
    return message;
  }

  /**
   * Takes up to `max` visible messages and hides them for the visibility timeout. A message
   * received more than the redrive policy's maxReceiveCount times moves to the dead-letter queue
   * instead. FIFO queues hand out a group's messages in order, and none of a group while another
   * of its messages is in flight.
   */
  receive(opts: ReceiveOptions): StoredMessage[] {
    const now = this.clock.now();
    this.expire(now);
    const visibility = (opts.visibilityTimeoutSeconds ?? this.queue.visibilityTimeoutSeconds) * 1000;
    const out: StoredMessage[] = [];
    const blockedGroups = new Set<string>();
    if (this.queue.fifo) {
      for (const m of this.state.messages) if (m.visibleAt > now && m.receiveCount > 0 && m.groupId !== undefined) blockedGroups.add(m.groupId);
    }
    const redrive = this.queue.redrivePolicy;
    const moved: StoredMessage[] = [];
    for (const m of this.state.messages) {
      if (out.length >= opts.max) break;
      if (this.queue.fifo && m.groupId !== undefined && blockedGroups.has(m.groupId)) continue;
      if (m.visibleAt > now) {
        // A delayed message holds back the rest of its FIFO group too.
        if (this.queue.fifo && m.groupId !== undefined) blockedGroups.add(m.groupId);
        continue;
      }
      if (redrive && m.receiveCount >= redrive.maxReceiveCount && this.deadLetterQueue()) {
        moved.push(m);
        continue;
      }
      m.receiveCount += 1;
      m.firstReceivedAt ??= now;
      m.visibleAt = now + visibility;
      m.receiptHandle = receiptHandleFor(this.queue.name, m.messageId);
      out.push({ ...m });
    }
    if (moved.length > 0) this.moveToDeadLetterQueue(moved);
    if (out.length > 0 || moved.length > 0) this.saver.schedule();
    return out;
  }

  private moveToDeadLetterQueue(messages: StoredMessage[]): void {
    const dlq = this.deadLetterQueue()!;
    const ids = new Set(messages.map((m) => m.messageId));
    this.state.messages = this.state.messages.filter((m) => !ids.has(m.messageId));
    for (const m of messages) dlq.adopt({ ...m, receiptHandle: undefined, deadLetterSourceArn: this.queue.arn });
  }

  /** A message redriven from another queue: same id, body, attributes and receive count, visible now. */
  adopt(message: StoredMessage): void {
    const now = this.clock.now();
    this.state.messages.push({ ...message, visibleAt: now });
    this.saver.schedule();
    this.notify();
  }

  /** Deletes the message `handle` was issued for; a stale handle of a still-queued message deletes nothing. */
  delete(messageId: string, handle: string): void {
    const index = this.state.messages.findIndex((m) => m.messageId === messageId && m.receiptHandle === handle);
    if (index < 0) return;
    this.state.messages.splice(index, 1);
    this.saver.schedule();
    // Deleting a FIFO message unblocks its group.
    if (this.queue.fifo) this.notify();
  }

  /**
   * Hides (or shows, with 0) a received message for `seconds` from now. `not-inflight`: the message
   * is visible already; `unknown`: the handle is not the latest of a queued message.
   */
  changeVisibility(messageId: string, handle: string, seconds: number): 'ok' | 'not-inflight' | 'unknown' {
    const now = this.clock.now();
    const m = this.state.messages.find((x) => x.messageId === messageId);
    if (!m || m.receiptHandle !== handle) return 'unknown';
    if (m.visibleAt <= now) return 'not-inflight';
    m.visibleAt = now + seconds * 1000;
    this.saver.schedule();
    if (seconds === 0) this.notify();
    return 'ok';
  }

  /** False when the previous purge was less than 60 seconds ago. */
  purge(): boolean {
    const now = this.clock.now();
    if (this.state.lastPurgeAt !== undefined && now - this.state.lastPurgeAt < PURGE_INTERVAL_MS) return false;
    this.state.messages = [];
    this.state.lastPurgeAt = now;
    this.saver.schedule();
    return true;
  }

  /** ApproximateNumberOfMessages, …NotVisible (in flight) and …Delayed (never received yet). */
  counts(): { visible: number; inFlight: number; delayed: number } {
    const now = this.clock.now();
    this.expire(now);
    let visible = 0;
    let inFlight = 0;
    let delayed = 0;
    for (const m of this.state.messages) {
      if (m.visibleAt <= now) visible += 1;
      else if (m.receiveCount > 0) inFlight += 1;
      else delayed += 1;
    }
    return { visible, inFlight, delayed };
  }

  get createdAt(): number {
    return this.state.createdAt;
  }

  /** Every message, oldest first (admin view). */
  list(): StoredMessage[] {
    this.expire(this.clock.now());
    return this.state.messages.map((m) => ({ ...m }));
  }

  /** Epoch ms when the next invisible message becomes visible (for pollers), or undefined. */
  nextVisibleAt(): number | undefined {
    let next: number | undefined;
    const now = this.clock.now();
    for (const m of this.state.messages) if (m.visibleAt > now && (next === undefined || m.visibleAt < next)) next = m.visibleAt;
    return next;
  }

  flush(): void {
    this.saver.flush();
  }

  clear(): void {
    this.saver.cancel();
    this.state = { ...this.empty(), nextSequence: this.state.nextSequence, createdAt: this.state.createdAt };
    this.file.save(this.state);
  }
}
