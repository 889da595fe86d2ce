import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventSourceMappingModel } from '../../../src/local/assembly/model.js';
import { createFunctionsServiceWith, type FunctionsService } from '../../../src/local/functions/index.js';
import { FakeChangeFeed, STREAM_ARN } from './fake_change_feed.js';
import { fixtureFunction, testContext, testModel, type TestContext } from './helpers.js';

let t: TestContext;
let service: FunctionsService;

afterEach(async () => {
  await service?.stop();
  t?.cleanup();
});

function mapping(overrides: Partial<EventSourceMappingModel> = {}): EventSourceMappingModel {
  return {
    logicalId: 'PostStream',
    functionLogicalId: 'streamLambda',
    tableName: 'Post-local',
    eventSourceArn: STREAM_ARN,
    batchSize: 10,
    maxBatchingWindowSeconds: 0,
    startingPosition: 'LATEST',
    filterPatterns: ['{"eventName":["INSERT"]}'],
    maximumRetryAttempts: 1,
    bisectBatchOnFunctionError: false,
    reportBatchItemFailures: true,
    enabled: true,
    ...overrides,
  };
}

async function start(mappings: EventSourceMappingModel[], opts: { feed?: FakeChangeFeed; reuse?: TestContext } = {}) {
  const feed = opts.feed ?? new FakeChangeFeed();
  if (!opts.reuse) {
    t = testContext(testModel());
  }
  const log = path.join(path.dirname(t.ctx.dataDir), 'stream.log');
  t.ctx.model = testModel({
    functions: [fixtureFunction('stream', { environment: { STREAM_LOG: log } })],
    eventSourceMappings: mappings,
  });
  if (!t.registry.tryGet('data.changes')) t.registry.provide('data.changes', feed);
  service = createFunctionsServiceWith({ streamRetryDelayMs: () => 0 })(t.ctx);
  // After a restart the registry still holds the first instance's invoker; these tests do not use it.
  const offers = await service.start();
  if (!t.registry.tryGet('functions.invoker')) t.registry.publish(offers);
  service.connect(t.registry);
  const batches = () =>
    existsSync(log)
      ? readFileSync(log, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { ids: string[]; shape: string[] })
      : [];
  return { feed, batches };
}

describe('table streams feeding a function', () => {
  it("runs the function with the table's filtered changes in Lambda's event shape", async () => {
    const { feed, batches } = await start([mapping()]);
    feed.emit(['p1', 'p2']);
    feed.emit(['m1'], 'MODIFY');
    await service.streamsIdle();
    expect(batches()).toEqual([{ ids: ['p1', 'p2'], shape: ['awsRegion', 'dynamodb', 'eventID', 'eventName', 'eventSource', 'eventSourceARN', 'eventVersion'] }]);
    expect(service.invocations('stream').map((r) => r.source)).toEqual(['dynamodb-stream']);
    expect(service.mappings()).toEqual([
      { logicalId: 'PostStream', functionLogicalId: 'streamLambda', tableName: 'Post-local', enabled: true, pending: 0, filtered: 1 },
    ]);
  });

  it('retries from the failure the function reports, then keeps the batch it gave up on across a restart', async () => {
    const { feed, batches } = await start([mapping({ maximumRetryAttempts: 1 })]);
    feed.emit(['ok1', 'bad1', 'ok2']);
    await service.streamsIdle();
    expect(batches().map((b) => b.ids)).toEqual([
      ['ok1', 'bad1', 'ok2'],
      ['bad1', 'ok2'],
    ]);
    const failed = service.failedBatches();
    expect(failed).toHaveLength(1);
    expect(failed[0].records.map((r) => (r.dynamodb.Keys.id as { S: string }).S)).toEqual(['bad1', 'ok2']);

    await service.stop();
    await start([mapping()], { reuse: t });
    expect(service.failedBatches()).toHaveLength(1);
    await service.reset();
    expect(service.failedBatches()).toEqual([]);
  });

  it('bisects a batch when the function throws', async () => {
    const { feed, batches } = await start([mapping({ bisectBatchOnFunctionError: true, reportBatchItemFailures: false, maximumRetryAttempts: 0 })]);
    feed.emit(['a', 'throw', 'c', 'd']);
    await service.streamsIdle();
    expect(batches().map((b) => b.ids)).toEqual([['a', 'throw', 'c', 'd'], ['a', 'throw'], ['a'], ['throw'], ['c', 'd']]);
    expect(service.failedBatches().map((f) => f.records.length)).toEqual([1]);
  });

  it('does not run disabled mappings or mappings without a change feed, and says so', async () => {
    t = testContext(testModel());
    t.ctx.model = testModel({ functions: [fixtureFunction('stream')], eventSourceMappings: [mapping()] });
    service = createFunctionsServiceWith({})(t.ctx);
    t.registry.publish(await service.start());
    service.connect(t.registry);
    expect(service.mappings()).toEqual([]);
    expect(service.describe!().some((l) => /offers no change feed/.test(l))).toBe(true);
    await service.stop();
    t.cleanup();

    const disabled = await start([mapping({ enabled: false })]);
    disabled.feed.emit(['p1']);
    await service.streamsIdle();
    expect(disabled.batches()).toEqual([]);
    expect(service.describe!().some((l) => /is disabled/.test(l))).toBe(true);
  });

  it('does not run a mapping whose filter Lambda would reject', async () => {
    await start([mapping({ filterPatterns: ['{"eventName":"INSERT"}'] })]);
    expect(service.mappings()).toEqual([]);
    expect(service.describe!().some((l) => /invalid filter/.test(l))).toBe(true);
  });
});
