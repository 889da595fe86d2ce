import type { EventSourceMappingModel } from '../assembly/model.js';
import type { Logger } from '../core/logger.js';
import type { InvokeResult } from '../core/registry.js';
import { systemAttributesOf } from './attributes.js';
import type { QueueStore, StoredMessage } from './queue_store.js';

/** One message as Lambda hands it to a function consuming an SQS queue. */
export interface SqsEventRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: Record<string, string>;
  messageAttributes: Record<string, { stringValue?: string; binaryValue?: string; stringListValues: string[]; binaryListValues: string[]; dataType: string }>;
  md5OfBody: string;
  md5OfMessageAttributes?: string;
  eventSource: 'aws:sqs';
  eventSourceARN: string;
  awsRegion: string;
}

export interface QueueMappingOptions {
  mapping: EventSourceMappingModel;
  store: QueueStore;
  region: string;
  invoke(event: { Records: SqsEventRecord[] }): Promise<InvokeResult>;
  log: Logger;
  /** How often an idle poller looks again for messages whose delay or visibility timeout ran out (default 200 ms). */
  pollIntervalMs?: number;
}

/** Lambda's pollers batch at most this many messages without a batching window. */
const MAX_UNWINDOWED_BATCH = 10;
/** Batches invoked at once when ScalingConfig says nothing ((local: Lambda scales its pollers up from 5)). */
const DEFAULT_CONCURRENCY = 2;

function toRecord(m: StoredMessage, mapping: EventSourceMappingModel, region: string): SqsEventRecord {
  const system = systemAttributesOf(m);
  const { ApproximateReceiveCount, SentTimestamp, SenderId, ApproximateFirstReceiveTimestamp, ...rest } = system;
  delete rest.DeadLetterQueueSourceArn;
  return {
    messageId: m.messageId,
    receiptHandle: m.receiptHandle!,
    body: m.body,
    attributes: { ApproximateReceiveCount, SentTimestamp, SenderId, ApproximateFirstReceiveTimestamp, ...rest },
    messageAttributes: Object.fromEntries(
      Object.entries(m.attributes ?? {}).map(([name, v]) => [
        name,
        {
          ...(v.StringValue !== undefined ? { stringValue: v.StringValue } : {}),
          ...(v.BinaryValue !== undefined ? { binaryValue: v.BinaryValue } : {}),
          stringListValues: [],
          binaryListValues: [],
          dataType: v.DataType,
        },
      ]),
    ),
    md5OfBody: m.md5OfBody,
    ...(m.md5OfAttributes ? { md5OfMessageAttributes: m.md5OfAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: mapping.eventSourceArn,
    awsRegion: region,
  };
}

/**
 * The ids of a batch that failed: none on success, all of them when the invocation failed, and
 * with ReportBatchItemFailures the reported ones (an unknown, empty or malformed identifier fails
 * the whole batch, as in Lambda).
 */
export function failedMessageIds(batch: readonly SqsEventRecord[], result: InvokeResult, reportBatchItemFailures: boolean): Set<string> {
  const all = new Set(batch.map((r) => r.messageId));
  if (result.functionError) return all;
  if (!reportBatchItemFailures) return new Set();
  const payload = result.payload as { batchItemFailures?: unknown } | null;
  const failures = payload && typeof payload === 'object' ? payload.batchItemFailures : undefined;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) return all;
  const failed = new Set<string>();
  for (const f of failures) {
    const id = (f as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || !all.has(id)) return all;
    failed.add(id);
  }
  return failed;
}

/**
 * One SQS event source mapping: pollers receive up to BatchSize messages (waiting up to
 * MaximumBatchingWindowInSeconds to fill a batch), invoke the function, and delete what succeeded.
 * A failed message stays hidden for the queue's visibility timeout and is received again; the
 * queue's redrive policy moves it to the dead-letter queue after maxReceiveCount receives.
 * ScalingConfig.MaximumConcurrency bounds the batches in flight.
 */
export class QueueMapping {
  private stopped = true;
  private workers: Promise<void>[] = [];
  private wakers = new Set<() => void>();
  private unsubscribe: (() => void) | undefined;
  private busy = 0;
  private idleWaiters: (() => void)[] = [];
  /** Batches invoked so far. */
  invocations = 0;

  constructor(private readonly opts: QueueMappingOptions) {}

  get mapping(): EventSourceMappingModel {
    return this.opts.mapping;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.unsubscribe = this.opts.store.onAvailable(() => this.poke());
    const concurrency = Math.max(1, this.opts.mapping.maximumConcurrency ?? DEFAULT_CONCURRENCY);
    this.workers = Array.from({ length: concurrency }, () => this.work());
  }

  /** Wakes idle pollers (a send, a visibility change, a moved clock). */
  poke(): void {
    for (const wake of [...this.wakers]) wake();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  private async work(): Promise<void> {
    const interval = this.opts.pollIntervalMs ?? 200;
    while (!this.stopped) {
      let batch: StoredMessage[] = [];
      this.busy += 1;
      try {
        batch = await this.collect();
        if (batch.length > 0) await this.process(batch);
      } catch (err) {
        this.opts.log.error(`queue mapping ${this.opts.mapping.logicalId} failed: ${(err as Error).message}`);
      } finally {
        this.busy -= 1;
        this.settle();
      }
      if (batch.length === 0 && !this.stopped) await this.sleep(interval);
    }
  }

  /** Receives a batch: at once without a batching window, else until full or the window closes. */
  private async collect(): Promise<StoredMessage[]> {
    const { batchSize, maxBatchingWindowSeconds } = this.opts.mapping;
    const windowMs = maxBatchingWindowSeconds * 1000;
    const max = windowMs > 0 ? batchSize : Math.min(batchSize, MAX_UNWINDOWED_BATCH);
    const batch = this.opts.store.receive({ max });
    if (batch.length === 0 || windowMs === 0) return batch;
    const deadline = performance.now() + windowMs;
    while (batch.length < max && !this.stopped) {
      const left = deadline - performance.now();
      if (left <= 0) break;
      await this.sleep(left);
      batch.push(...this.opts.store.receive({ max: max - batch.length }));
    }
    return batch;
  }

  private async process(messages: StoredMessage[]): Promise<void> {
    const records = messages.map((m) => toRecord(m, this.opts.mapping, this.opts.region));
    this.invocations += 1;
    let result: InvokeResult;
    try {
      result = await this.opts.invoke({ Records: records });
    } catch (err) {
      result = { payload: { errorType: 'Error', errorMessage: (err as Error).message }, functionError: 'Unhandled' };
    }
    const failed = failedMessageIds(records, result, this.opts.mapping.reportBatchItemFailures);
    for (const r of records) if (!failed.has(r.messageId)) this.opts.store.delete(r.messageId, r.receiptHandle);
    if (failed.size > 0) {
      const why = result.functionError ? `the function failed (${String((result.payload as { errorMessage?: unknown } | null)?.errorMessage ?? 'error')})` : 'the function reported them as failed';
      this.opts.log.warn(`${failed.size} of ${records.length} message(s) stay in ${this.opts.store.queue.name}: ${why}; they are received again after the visibility timeout`);
    }
  }

  private settle(): void {
    if (this.busy > 0 || (!this.stopped && this.opts.store.counts().visible > 0)) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** Resolves once no batch is in flight and no message is waiting to be received. */
  idle(): Promise<void> {
    if (this.busy === 0 && (this.stopped || this.opts.store.counts().visible === 0)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.poke();
    await Promise.all(this.workers);
    this.workers = [];
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
