import { performance } from 'node:perf_hooks';
import type { EventSourceMappingModel } from '../assembly/model.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { ChangeFeed, ChangeRecord } from '../core/registry.js';
import { compileFilterCriteria, type RecordPredicate } from './event_filter.js';

/** One record as Lambda hands it to a function consuming a DynamoDB stream. */
export interface StreamEventRecord {
  eventID: string;
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  eventVersion: '1.1';
  eventSource: 'aws:dynamodb';
  awsRegion: string;
  dynamodb: ChangeRecord['dynamodb'];
  eventSourceARN: string;
}

/** What the mapping needs to know about an invocation's result. */
export interface BatchInvocation {
  requestId?: string;
  /** The handler's return value (already JSON-decoded). */
  payload: unknown;
  /** Set when the invocation failed (handler error, timeout, crash). */
  functionError?: string;
}

/**
 * A batch Lambda gave up on, shaped like the message Lambda sends to an on-failure destination
 * (plus the records themselves and the last error, which the local console shows).
 */
export interface FailedBatch {
  requestContext: { requestId: string; functionArn: string; condition: 'RetryAttemptsExhausted'; approximateInvokeCount: number };
  responseContext: { statusCode: number; executedVersion: '$LATEST'; functionError?: string };
  version: '1.0';
  timestamp: string;
  DDBStreamBatchInfo: {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    approximateArrivalOfFirstRecord: string;
    approximateArrivalOfLastRecord: string;
    batchSize: number;
    streamArn: string;
  };
  mappingLogicalId: string;
  records: StreamEventRecord[];
  lastError?: unknown;
}

export interface StreamMappingOptions {
  mapping: EventSourceMappingModel;
  functionArn: string;
  region: string;
  invoke(event: { Records: StreamEventRecord[] }): Promise<BatchInvocation>;
  onFailedBatch(batch: FailedBatch): void;
  log: Logger;
  clock: Clock;
  /** Pause before retry `attempt` (1-based). Default: 100 ms doubling, at most 2 s. */
  retryDelayMs?(attempt: number): number;
  /** Records waiting beyond this are dropped oldest first, like records expiring from a stream. */
  maxQueue?: number;
}

/** One batch taken from the queue, across its retries and splits. */
interface BatchRun {
  invocations: number;
  /** The mapping's epoch when the batch was taken: a reset in between abandons it. */
  epoch: number;
}

interface Queued {
  record: StreamEventRecord;
  arrivedAt: number;
}

/** Local stand-in for a stream's only shard: one per table. */
const LOCAL_SHARD_ID = 'shardId-00000000000000000000-00000001';

const defaultDelay = (attempt: number) => Math.min(2000, 100 * 2 ** (attempt - 1));

/** Converts a change of the data service into the record shape functions receive. */
function toStreamEventRecord(change: ChangeRecord, fallbackArn: string): StreamEventRecord {
  return {
    eventID: change.eventID,
    eventName: change.eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: change.awsRegion,
    dynamodb: change.dynamodb,
    eventSourceARN: change.eventSourceARN || fallbackArn,
  };
}

/**
 * One DynamoDB-stream event source mapping: filters the table's changes, batches them
 * (BatchSize, MaximumBatchingWindowInSeconds) and invokes the function one batch at a time, in
 * commit order. Failures follow the mapping: ReportBatchItemFailures resumes from the lowest
 * failed sequence number, BisectBatchOnFunctionError splits a failing batch, MaximumRetryAttempts
 * bounds the retries (-1: until the local cloud stops), and a batch given up on is recorded.
 *
 * The data service's write path only appends to an in-memory queue; the work happens here.
 */
export class StreamMapping {
  private readonly filter: RecordPredicate;
  private readonly queue: Queued[] = [];
  private unsubscribe: (() => void) | undefined;
  private running = false;
  private scheduled = false;
  private stopped = false;
  private batchReady: (() => void) | undefined;
  private retryReady: (() => void) | undefined;
  private idleWaiters: (() => void)[] = [];
  /** Bumped by `clear()`: a batch being retried from an older epoch is abandoned. */
  private epoch = 0;
  /** Records that did not pass the filter (dropped without an invocation). */
  filtered = 0;
  /** Records dropped because the queue overflowed. */
  dropped = 0;

  constructor(private readonly opts: StreamMappingOptions) {
    this.filter = compileFilterCriteria(opts.mapping.filterPatterns);
  }

  get mapping(): EventSourceMappingModel {
    return this.opts.mapping;
  }

  /** Records waiting for an invocation. */
  get pending(): number {
    return this.queue.length;
  }

  start(feed: ChangeFeed): void {
    if (!this.opts.mapping.tableName) throw new Error(`mapping ${this.opts.mapping.logicalId} has no table`);
    this.stopped = false;
    this.unsubscribe = feed.subscribe(this.opts.mapping.tableName, (records) => this.enqueue(records));
  }

  /** The feed's listener: synchronous, never throws, never waits for the function. */
  enqueue(changes: readonly ChangeRecord[]): void {
    if (this.stopped) return;
    const now = performance.now();
    for (const change of changes) {
      const record = toStreamEventRecord(change, this.opts.mapping.eventSourceArn);
      let pass: boolean;
      try {
        pass = this.filter(record);
      } catch {
        pass = false;
      }
      if (!pass) {
        this.filtered += 1;
        continue;
      }
      this.queue.push({ record, arrivedAt: now });
    }
    const max = this.opts.maxQueue ?? 10_000;
    if (this.queue.length > max) {
      const excess = this.queue.length - max;
      this.queue.splice(0, excess);
      this.dropped += excess;
      this.opts.log.warn(`${excess} stream record(s) dropped: more than ${max} waiting ((local: queue limit))`);
    }
    if (this.queue.length >= this.opts.mapping.batchSize) this.batchReady?.();
    this.schedule();
  }

  private schedule(): void {
    if (this.running || this.scheduled || this.queue.length === 0) return;
    this.scheduled = true;
    // Deferred so changes committed in the same tick share a batch.
    setImmediate(() => {
      this.scheduled = false;
      void this.loop();
    });
  }

  private async loop(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const { batchSize, maxBatchingWindowSeconds } = this.opts.mapping;
      while (!this.stopped && this.queue.length > 0) {
        const windowMs = maxBatchingWindowSeconds * 1000;
        if (this.queue.length < batchSize && windowMs > 0) {
          const waitMs = this.queue[0].arrivedAt + windowMs - performance.now();
          if (waitMs > 0) await this.waitForMore(waitMs);
          if (this.stopped) break;
        }
        const batch = this.queue.splice(0, batchSize).map((q) => q.record);
        await this.process(batch, 0, { invocations: 0, epoch: this.epoch });
      }
    } catch (err) {
      this.opts.log.error(`stream mapping ${this.opts.mapping.logicalId} failed: ${(err as Error).message}`);
    } finally {
      this.running = false;
      if (this.queue.length > 0 && !this.stopped) this.schedule();
      else for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  /** Waits up to `ms`, or less when `enqueue` fills a batch (or `stop` is called). */
  private waitForMore(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.batchReady?.(), ms);
      this.batchReady = () => {
        clearTimeout(timer);
        this.batchReady = undefined;
        resolve();
      };
    });
  }

  /** The pause before a retry; only `stop` cuts it short. */
  private sleep(ms: number): Promise<void> {
    // Even without a delay, yield to the event loop: a function failing at once must not starve it.
    if (ms <= 0) return new Promise((resolve) => setImmediate(resolve));
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.retryReady?.(), ms);
      this.retryReady = () => {
        clearTimeout(timer);
        this.retryReady = undefined;
        resolve();
      };
    });
  }

  private async invoke(batch: StreamEventRecord[], counter: BatchRun): Promise<BatchInvocation> {
    counter.invocations += 1;
    try {
      return await this.opts.invoke({ Records: batch });
    } catch (err) {
      return { payload: { errorType: 'Error', errorMessage: (err as Error).message }, functionError: 'Unhandled' };
    }
  }

  /**
   * The records of `batch` that still need processing after an invocation: none on success,
   * the tail from the lowest reported failure on a partial failure, all of them otherwise.
   */
  private remainder(batch: StreamEventRecord[], result: BatchInvocation): StreamEventRecord[] {
    if (result.functionError) return batch;
    if (!this.opts.mapping.reportBatchItemFailures) return [];
    const payload = result.payload as { batchItemFailures?: unknown } | null;
    const failures = payload && typeof payload === 'object' ? payload.batchItemFailures : undefined;
    if (failures === undefined || failures === null) return [];
    if (!Array.isArray(failures)) return batch;
    if (failures.length === 0) return [];
    let lowest = Infinity;
    for (const f of failures) {
      const id = (f as { itemIdentifier?: unknown } | null)?.itemIdentifier;
      // A null, empty or unknown identifier makes the whole batch a failure, as in Lambda.
      if (typeof id !== 'string' || id === '') return batch;
      const index = batch.findIndex((r) => r.dynamodb.SequenceNumber === id);
      if (index < 0) return batch;
      lowest = Math.min(lowest, index);
    }
    return batch.slice(lowest);
  }

  /**
   * Processes `batch` until it succeeds or is given up on. `attempt` counts retries of these
   * records; splitting a batch in two does not count as a retry, so a failing record ends up
   * retried alone MaximumRetryAttempts times before it is discarded.
   */
  private async process(batch: StreamEventRecord[], attempt: number, counter: BatchRun): Promise<void> {
    let records = batch;
    let tries = attempt;
    for (;;) {
      if (this.stopped || counter.epoch !== this.epoch) return;
      const result = await this.invoke(records, counter);
      if (this.stopped || counter.epoch !== this.epoch) return;
      const rest = this.remainder(records, result);
      if (rest.length === 0) return;
      const { maximumRetryAttempts, bisectBatchOnFunctionError } = this.opts.mapping;
      if (bisectBatchOnFunctionError && rest.length > 1) {
        const mid = Math.ceil(rest.length / 2);
        const partial = rest.length < records.length;
        // A partial failure already moved the checkpoint: that counts as a retry of the rest.
        await this.process(rest.slice(0, mid), partial ? tries + 1 : tries, counter);
        await this.process(rest.slice(mid), partial ? tries + 1 : tries, counter);
        return;
      }
      if (maximumRetryAttempts >= 0 && tries >= maximumRetryAttempts) {
        this.giveUp(rest, result, counter.invocations);
        return;
      }
      tries += 1;
      records = rest;
      await this.sleep((this.opts.retryDelayMs ?? defaultDelay)(tries));
    }
  }

  private giveUp(records: StreamEventRecord[], result: BatchInvocation, invocations: number): void {
    const first = records[0];
    const last = records[records.length - 1];
    const arrival = (r: StreamEventRecord) => new Date(r.dynamodb.ApproximateCreationDateTime * 1000).toISOString();
    const failed: FailedBatch = {
      requestContext: {
        requestId: result.requestId ?? '',
        functionArn: this.opts.functionArn,
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: invocations,
      },
      responseContext: {
        statusCode: 200,
        executedVersion: '$LATEST',
        ...(result.functionError ? { functionError: result.functionError } : {}),
      },
      version: '1.0',
      timestamp: new Date(this.opts.clock.now()).toISOString(),
      DDBStreamBatchInfo: {
        shardId: LOCAL_SHARD_ID,
        startSequenceNumber: first.dynamodb.SequenceNumber,
        endSequenceNumber: last.dynamodb.SequenceNumber,
        approximateArrivalOfFirstRecord: arrival(first),
        approximateArrivalOfLastRecord: arrival(last),
        batchSize: records.length,
        streamArn: first.eventSourceARN,
      },
      mappingLogicalId: this.opts.mapping.logicalId,
      records,
      lastError: result.functionError ? result.payload : undefined,
    };
    this.opts.log.error(
      `gave up on ${records.length} record(s) of ${this.opts.mapping.tableName} ` +
        `(sequence ${failed.DDBStreamBatchInfo.startSequenceNumber}…${failed.DDBStreamBatchInfo.endSequenceNumber}) ` +
        `after ${invocations} invocation(s)`,
    );
    this.opts.onFailedBatch(failed);
  }

  /** Resolves when every queued record has been processed (or given up on). */
  idle(): Promise<void> {
    if (!this.running && !this.scheduled && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Drops waiting records and abandons a batch being retried (reset); keeps listening. */
  clear(): void {
    this.epoch += 1;
    this.queue.length = 0;
    this.filtered = 0;
    this.dropped = 0;
    this.retryReady?.();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.queue.length = 0;
    this.batchReady?.();
    this.retryReady?.();
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
