import { describe, expect, it } from 'vitest';
import type { EventSourceMappingModel } from '../../../src/local/assembly/model.js';
import { ManualClock } from '../../../src/local/core/clock.js';
import {
  StreamMapping,
  type BatchInvocation,
  type FailedBatch,
  type StreamEventRecord,
} from '../../../src/local/functions/stream_mapping.js';
import { FakeChangeFeed, STREAM_ARN } from './fake_change_feed.js';
import { RecordingLogger } from './helpers.js';

function mappingModel(overrides: Partial<EventSourceMappingModel> = {}): EventSourceMappingModel {
  return {
    logicalId: 'PostMapping',
    functionLogicalId: 'processorLambda',
    tableName: 'Post-local',
    eventSourceArn: STREAM_ARN,
    batchSize: 10,
    maxBatchingWindowSeconds: 0,
    startingPosition: 'LATEST',
    filterPatterns: [],
    maximumRetryAttempts: 2,
    bisectBatchOnFunctionError: false,
    reportBatchItemFailures: false,
    enabled: true,
    ...overrides,
  };
}

const ids = (batch: StreamEventRecord[]) => batch.map((r) => (r.dynamodb.Keys.id as { S: string }).S);

interface Harness {
  feed: FakeChangeFeed;
  mapping: StreamMapping;
  batches: string[][];
  failed: FailedBatch[];
  log: RecordingLogger;
}

function harness(
  overrides: Partial<EventSourceMappingModel>,
  fn: (batch: StreamEventRecord[], call: number) => BatchInvocation | Promise<BatchInvocation>,
): Harness {
  const feed = new FakeChangeFeed();
  const batches: string[][] = [];
  const failed: FailedBatch[] = [];
  const log = new RecordingLogger();
  const mapping = new StreamMapping({
    mapping: mappingModel(overrides),
    functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:processor',
    region: 'us-east-1',
    log,
    clock: new ManualClock(Date.UTC(2026, 0, 1)),
    retryDelayMs: () => 0,
    onFailedBatch: (b) => failed.push(b),
    invoke: async (event) => {
      batches.push(ids(event.Records));
      return fn(event.Records, batches.length);
    },
  });
  mapping.start(feed);
  return { feed, mapping, batches, failed, log };
}

const ok: BatchInvocation = { payload: null };
const fail = (message = 'boom'): BatchInvocation => ({ payload: { errorType: 'Error', errorMessage: message }, functionError: 'Unhandled' });
const seqOf = (batch: StreamEventRecord[], id: string) => batch.find((r) => ids([r])[0] === id)!.dynamodb.SequenceNumber;

describe('stream event source mapping', () => {
  it("hands the function records in Lambda's DynamoDB event shape", async () => {
    let received: StreamEventRecord[] = [];
    const h = harness({}, (batch) => {
      received = batch;
      return ok;
    });
    h.feed.emit(['p1']);
    await h.mapping.idle();
    expect(received).toHaveLength(1);
    expect(received[0]).toEqual({
      eventID: expect.stringMatching(/^ev-/),
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      eventSourceARN: STREAM_ARN,
      dynamodb: expect.objectContaining({ Keys: { id: { S: 'p1' } }, StreamViewType: 'NEW_AND_OLD_IMAGES' }),
    });
    expect(received[0]).not.toHaveProperty('tableName');
  });

  it('never blocks the writer: the listener returns at once, before the function runs', async () => {
    let release!: () => void;
    const h = harness({}, () => new Promise<BatchInvocation>((resolve) => (release = () => resolve(ok))));
    const returned = h.feed.emit(['p1']);
    expect(returned).toEqual([undefined]);
    expect(h.batches).toEqual([]);
    await new Promise((r) => setImmediate(r));
    h.feed.emit(['p2']);
    expect(h.mapping.pending).toBe(1);
    release();
    await new Promise((r) => setImmediate(r));
    release();
    await h.mapping.idle();
    expect(h.batches).toEqual([['p1'], ['p2']]);
  });

  it('drops records the filter criteria reject without invoking the function', async () => {
    const h = harness({ filterPatterns: ['{"eventName":["INSERT"]}'] }, () => ok);
    h.feed.emit(['m1'], 'MODIFY');
    h.feed.emit(['i1'], 'INSERT');
    h.feed.emit(['r1'], 'REMOVE');
    await h.mapping.idle();
    expect(h.batches).toEqual([['i1']]);
    expect(h.mapping.filtered).toBe(2);
  });

  it('splits what is available into batches of BatchSize, in commit order', async () => {
    const h = harness({ batchSize: 10 }, () => ok);
    const all = Array.from({ length: 25 }, (_, i) => `p${i}`);
    h.feed.emit(all);
    await h.mapping.idle();
    expect(h.batches.map((b) => b.length)).toEqual([10, 10, 5]);
    expect(h.batches.flat()).toEqual(all);
  });

  it('waits up to the batching window to gather records from separate writes', async () => {
    const h = harness({ batchSize: 10, maxBatchingWindowSeconds: 1 }, () => ok);
    h.feed.emit(['a']);
    await new Promise((r) => setTimeout(r, 10));
    h.feed.emit(['b']);
    await h.mapping.idle();
    expect(h.batches).toEqual([['a', 'b']]);
  });

  it('invokes as soon as a batch is full, without waiting for the window', async () => {
    const h = harness({ batchSize: 3, maxBatchingWindowSeconds: 300 }, () => ok);
    for (const id of ['a', 'b', 'c']) {
      h.feed.emit([id]);
      await new Promise((r) => setImmediate(r));
    }
    await h.mapping.idle();
    expect(h.batches).toEqual([['a', 'b', 'c']]);
  });

  it('processes one batch at a time per table, so records stay in order', async () => {
    let running = 0;
    let overlapped = false;
    const h = harness({ batchSize: 2 }, async () => {
      running += 1;
      if (running > 1) overlapped = true;
      await new Promise((r) => setTimeout(r, 5));
      running -= 1;
      return ok;
    });
    for (let i = 0; i < 6; i++) {
      h.feed.emit([`p${i}`]);
      await new Promise((r) => setTimeout(r, 1));
    }
    await h.mapping.idle();
    expect(overlapped).toBe(false);
    expect(h.batches.flat()).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5']);
  });

  it('retries a failing batch MaximumRetryAttempts times, records it as failed, then moves on', async () => {
    const h = harness({ maximumRetryAttempts: 2 }, (batch) => (ids(batch).includes('bad') ? fail('poison') : ok));
    h.feed.emit(['bad', 'x']);
    await h.mapping.idle();
    h.feed.emit(['next']);
    await h.mapping.idle();
    expect(h.batches).toEqual([['bad', 'x'], ['bad', 'x'], ['bad', 'x'], ['next']]);
    expect(h.failed).toHaveLength(1);
    const f = h.failed[0];
    expect(f.requestContext).toMatchObject({ condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3 });
    expect(f.responseContext).toMatchObject({ statusCode: 200, functionError: 'Unhandled' });
    expect(f.DDBStreamBatchInfo).toMatchObject({ batchSize: 2, streamArn: STREAM_ARN });
    expect(ids(f.records)).toEqual(['bad', 'x']);
    expect(f.lastError).toEqual({ errorType: 'Error', errorMessage: 'poison' });
    expect(h.log.lines.some((l) => l.level === 'error' && /gave up on 2 record\(s\)/.test(l.msg))).toBe(true);
  });

  it('with MaximumRetryAttempts 0 gives up after the first failure', async () => {
    const h = harness({ maximumRetryAttempts: 0 }, () => fail());
    h.feed.emit(['a']);
    await h.mapping.idle();
    expect(h.batches).toEqual([['a']]);
    expect(h.failed).toHaveLength(1);
  });

  it('with MaximumRetryAttempts -1 retries until the function succeeds', async () => {
    const h = harness({ maximumRetryAttempts: -1 }, (_b, call) => (call < 6 ? fail() : ok));
    h.feed.emit(['a']);
    await h.mapping.idle();
    expect(h.batches).toHaveLength(6);
    expect(h.failed).toEqual([]);
  });

  it('resumes from the lowest failed sequence number a function reports', async () => {
    const h = harness({ reportBatchItemFailures: true }, (batch, call) => {
      if (call > 1) return ok;
      return { payload: { batchItemFailures: [{ itemIdentifier: seqOf(batch, 'd') }, { itemIdentifier: seqOf(batch, 'c') }] } };
    });
    h.feed.emit(['a', 'b', 'c', 'd', 'e']);
    await h.mapping.idle();
    expect(h.batches).toEqual([['a', 'b', 'c', 'd', 'e'], ['c', 'd', 'e']]);
  });

  it('treats an empty or null failure list as success', async () => {
    const h = harness({ reportBatchItemFailures: true }, (_b, call) => ({ payload: call === 1 ? { batchItemFailures: [] } : { batchItemFailures: null } }));
    h.feed.emit(['a']);
    await h.mapping.idle();
    h.feed.emit(['b']);
    await h.mapping.idle();
    expect(h.batches).toEqual([['a'], ['b']]);
  });

  it('retries the whole batch when a reported identifier is empty or unknown', async () => {
    for (const itemIdentifier of ['', 'not-a-sequence-number', null]) {
      const h = harness({ reportBatchItemFailures: true }, (_b, call) => (call > 1 ? ok : { payload: { batchItemFailures: [{ itemIdentifier }] } }));
      h.feed.emit(['a', 'b']);
      await h.mapping.idle();
      expect(h.batches, String(itemIdentifier)).toEqual([['a', 'b'], ['a', 'b']]);
    }
  });

  it('ignores reported item failures unless the mapping enables ReportBatchItemFailures', async () => {
    const h = harness({ reportBatchItemFailures: false }, (batch) => ({ payload: { batchItemFailures: [{ itemIdentifier: seqOf(batch, 'a') }] } }));
    h.feed.emit(['a', 'b']);
    await h.mapping.idle();
    expect(h.batches).toEqual([['a', 'b']]);
  });

  it('bisects a failing batch until the failing record is alone, then gives up on that record only', async () => {
    const h = harness({ bisectBatchOnFunctionError: true, maximumRetryAttempts: 1, batchSize: 4 }, (batch) =>
      ids(batch).includes('c') ? fail('poison c') : ok,
    );
    h.feed.emit(['a', 'b', 'c', 'd']);
    await h.mapping.idle();
    expect(h.batches).toEqual([
      ['a', 'b', 'c', 'd'],
      ['a', 'b'],
      ['c', 'd'],
      ['c'],
      ['c'],
      ['d'],
    ]);
    expect(h.failed.map((f) => ids(f.records))).toEqual([['c']]);
  });

  it('with bisect and reported failures, splits the rest at the reported record', async () => {
    const h = harness({ bisectBatchOnFunctionError: true, reportBatchItemFailures: true, batchSize: 4 }, (batch, call) =>
      call === 1 ? { payload: { batchItemFailures: [{ itemIdentifier: seqOf(batch, 'b') }] } } : ok,
    );
    h.feed.emit(['a', 'b', 'c', 'd']);
    await h.mapping.idle();
    expect(h.batches).toEqual([['a', 'b', 'c', 'd'], ['b', 'c'], ['d']]);
  });

  it('counts an invoker that throws as a function error', async () => {
    const feed = new FakeChangeFeed();
    const failed: FailedBatch[] = [];
    const mapping = new StreamMapping({
      mapping: mappingModel({ maximumRetryAttempts: 0 }),
      functionArn: 'arn',
      region: 'us-east-1',
      log: new RecordingLogger(),
      clock: new ManualClock(),
      retryDelayMs: () => 0,
      onFailedBatch: (b) => failed.push(b),
      invoke: async () => {
        throw new Error('function service stopped');
      },
    });
    mapping.start(feed);
    feed.emit(['a']);
    await mapping.idle();
    expect(failed[0].lastError).toMatchObject({ errorMessage: 'function service stopped' });
  });

  it('abandons waiting records and a batch being retried on clear, and keeps listening', async () => {
    const h = harness({ maximumRetryAttempts: -1, batchSize: 1 }, (batch) => (ids(batch)[0] === 'stuck' ? fail() : ok));
    h.feed.emit(['stuck', 'queued']);
    while (h.batches.length < 3) await new Promise((r) => setImmediate(r));
    h.mapping.clear();
    await h.mapping.idle();
    const after = h.batches.length;
    expect(h.batches.flat()).not.toContain('queued');
    h.feed.emit(['fresh']);
    await h.mapping.idle();
    expect(h.batches.slice(after)).toEqual([['fresh']]);
    expect(h.failed).toEqual([]);
  });

  it('stops listening to the table on stop', async () => {
    const h = harness({}, () => ok);
    expect(h.feed.subscribers('Post-local')).toBe(1);
    h.mapping.stop();
    expect(h.feed.subscribers('Post-local')).toBe(0);
    h.feed.emit(['late']);
    await h.mapping.idle();
    expect(h.batches).toEqual([]);
  });

  it('ignores changes of other tables', async () => {
    const h = harness({}, () => ok);
    h.feed.emit(['c1'], 'INSERT', 'Comment-local');
    await h.mapping.idle();
    expect(h.batches).toEqual([]);
  });
});
