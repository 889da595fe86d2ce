import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventSourceMappingModel } from '../../../src/local/assembly/model.js';
import { createFunctionsServiceWith, type FunctionsService } from '../../../src/local/functions/index.js';
import { createQueuesService, type QueuesService } from '../../../src/local/queues/index.js';
import { serviceContext } from '../../helpers/service_context.js';
import { FakeChangeFeed, STREAM_ARN } from '../functions/fake_change_feed.js';
import { fixtureFunction, testContext, testModel, type TestContext } from '../functions/helpers.js';
import { queue } from './helpers.js';

/** A table-stream mapping whose on-failure destination is a queue of the backend (SqsDlq in CDK). */

const failures = queue('stream-failures');
const mapping: EventSourceMappingModel = {
  logicalId: 'PostStream',
  functionLogicalId: 'streamLambda',
  tableName: 'Post-local',
  eventSourceArn: STREAM_ARN,
  batchSize: 10,
  maxBatchingWindowSeconds: 0,
  startingPosition: 'LATEST',
  filterPatterns: [],
  maximumRetryAttempts: 0,
  bisectBatchOnFunctionError: false,
  reportBatchItemFailures: true,
  enabled: true,
  onFailureDestinationArn: failures.arn,
};

let t: TestContext;
let functions: FunctionsService;
let queues: QueuesService;
let cleanupQueues: () => void;

afterEach(async () => {
  await queues?.stop();
  await functions?.stop();
  cleanupQueues?.();
  t?.cleanup();
});

describe('a stream batch Lambda gives up on', () => {
  it("lands in the mapping's on-failure queue as Lambda's invocation record", async () => {
    t = testContext(testModel());
    const log = path.join(path.dirname(t.ctx.dataDir), 'stream.log');
    const fn = fixtureFunction('stream', { environment: { STREAM_LOG: log } });
    const model = testModel({ functions: [fn], eventSourceMappings: [mapping], queues: [failures] });
    t.ctx.model = model;
    const feed = new FakeChangeFeed();
    t.registry.provide('data.changes', feed);
    functions = createFunctionsServiceWith({ streamRetryDelayMs: () => 0 })(t.ctx);
    t.registry.publish(await functions.start());
    const q = serviceContext({ name: 'queues', model, registry: t.registry, clock: t.clock });
    cleanupQueues = q.cleanup;
    queues = createQueuesService(q.ctx);
    t.registry.publish(await queues.start());
    functions.connect(t.registry);
    queues.connect!(t.registry);

    feed.emit(['bad1', 'ok1']);
    await functions.streamsIdle();
    const [message] = queues.messages(failures.name)!;
    const body = JSON.parse(message.body) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['DDBStreamBatchInfo', 'requestContext', 'responseContext', 'timestamp', 'version']);
    expect(body).toMatchObject({
      requestContext: { functionArn: fn.arn, condition: 'RetryAttemptsExhausted', approximateInvokeCount: 1 },
      DDBStreamBatchInfo: { batchSize: 2, streamArn: STREAM_ARN },
    });
    expect(message.attributes.SenderId).toMatch(/^AROA[0-9A-Z]+:amplify-test-stream-lambda$/);
    // The local record of it stays too.
    expect(functions.failedBatches()).toHaveLength(1);
  });
});
