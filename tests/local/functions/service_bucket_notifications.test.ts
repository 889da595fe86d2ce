import { afterEach, describe, expect, it } from 'vitest';
import type { BucketNotification, BucketNotificationFeed } from '../../../src/local/core/registry.js';
import { createFunctionsServiceWith, type FunctionsService } from '../../../src/local/functions/index.js';
import type { InvocationRecord } from '../../../src/local/functions/invocation_log.js';
import { fixtureFunction, testContext, testModel, type TestContext } from './helpers.js';

/** Stands in for the storage service's `storage.notifications`. */
class FakeBucketFeed implements BucketNotificationFeed {
  private readonly listeners = new Set<(n: BucketNotification) => void>();
  subscribe(listener: (n: BucketNotification) => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(n: BucketNotification): void {
    for (const l of this.listeners) l(n);
  }
  get subscribers(): number {
    return this.listeners.size;
  }
}

let t: TestContext;
let service: FunctionsService;

afterEach(async () => {
  await service?.stop();
  t?.cleanup();
});

async function start(feed: FakeBucketFeed): Promise<void> {
  t = testContext(testModel({ functions: [fixtureFunction('ok'), fixtureFunction('throw')] }));
  t.registry.provide('storage.notifications', feed);
  service = createFunctionsServiceWith({ asyncRetryDelayMs: () => 0 })(t.ctx);
  t.registry.publish(await service.start());
  service.connect(t.registry);
}

const s3Event = (key: string): BucketNotification['event'] => ({
  Records: [
    {
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventTime: '2026-01-01T00:00:00.000Z',
      eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: 'AWS:AROAEXAMPLE:session' },
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      responseElements: { 'x-amz-request-id': 'REQ', 'x-amz-id-2': 'ID2' },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'cfg',
        bucket: { name: 'b.local', ownerIdentity: { principalId: 'AEXAMPLE' }, arn: 'arn:aws:s3:::b.local' },
        object: { key, size: 1, eTag: 'e', sequencer: '00' },
      },
    },
  ],
});

async function until(fn: string, count: number): Promise<InvocationRecord[]> {
  for (let i = 0; i < 200; i++) {
    const list = service.invocations(fn);
    if (list.length >= count) return list;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${fn} was invoked ${service.invocations(fn).length} times, expected ${count}`);
}

describe('bucket notifications invoking functions', () => {
  it('invokes the destination asynchronously: the notification returns before the function runs', async () => {
    const feed = new FakeBucketFeed();
    await start(feed);
    feed.emit({ functionArn: fixtureFunction('ok').arn, functionLogicalId: 'okLambda', event: s3Event('a.txt') });
    expect(service.invocations('ok')).toEqual([]);
    const [record] = await until('ok', 1);
    expect(record).toMatchObject({ source: 's3', outcome: 'success' });
  });

  it('retries a failing destination twice, as Lambda does for asynchronous invocations, and logs it', async () => {
    const feed = new FakeBucketFeed();
    await start(feed);
    feed.emit({ functionArn: fixtureFunction('throw').arn, functionLogicalId: 'throwLambda', event: s3Event('bad.txt') });
    const records = await until('throw', 3);
    expect(records.map((r) => [r.source, r.outcome, r.errorType])).toEqual(Array(3).fill(['s3', 'error', 'ValidationError']));
    for (let i = 0; i < 100 && !t.log.lines.some((l) => l.msg.includes('failed after 2 retries')); i++) await new Promise((r) => setTimeout(r, 10));
    expect(t.log.lines.some((l) => l.level === 'error' && l.msg.includes('failed after 2 retries'))).toBe(true);
  });

  it('finds a destination by ARN, and warns once about one that is no function of the backend', async () => {
    const feed = new FakeBucketFeed();
    await start(feed);
    feed.emit({ functionArn: fixtureFunction('ok').arn, event: s3Event('by-arn.txt') });
    await until('ok', 1);
    const elsewhere = 'arn:aws:lambda:us-east-1:999999999999:function:elsewhere';
    feed.emit({ functionArn: elsewhere, event: s3Event('x') });
    feed.emit({ functionArn: elsewhere, event: s3Event('y') });
    expect(t.log.lines.filter((l) => l.level === 'warn' && l.msg.includes(elsewhere))).toHaveLength(1);
  });

  it('stops listening when the service stops', async () => {
    const feed = new FakeBucketFeed();
    await start(feed);
    expect(feed.subscribers).toBe(1);
    await service.stop();
    expect(feed.subscribers).toBe(0);
  });
});
