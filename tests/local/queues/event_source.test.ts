import { SendMessageBatchCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventSourceMappingModel } from '../../../src/local/assembly/model.js';
import type { FunctionInvoker, InvokeResult } from '../../../src/local/core/registry.js';
import type { SqsEventRecord } from '../../../src/local/queues/event_source.js';
import { createQueuesServiceWith, type QueuesService } from '../../../src/local/queues/index.js';
import { fixtureFunction, REGION, role, testContext, testModel, type TestContext } from '../functions/helpers.js';
import { ENDPOINT, queue, sqsClient, urlOf } from './helpers.js';

const dlq = queue('work-dlq');
const ordered = queue('ordered.fifo', { contentBasedDeduplication: true });
const work = queue('work', { visibilityTimeoutSeconds: 10, redrivePolicy: { deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 } });
const consumer = fixtureFunction('consumer');
const producer = role('producer', [{ effect: 'Allow', actions: ['sqs:SendMessage'], resources: [work.arn, ordered.arn] }]);

function mapping(overrides: Partial<EventSourceMappingModel> = {}): EventSourceMappingModel {
  return {
    logicalId: 'ConsumerWorkMapping',
    functionLogicalId: consumer.logicalId,
    eventSourceArn: work.arn,
    queueName: work.name,
    batchSize: 10,
    maxBatchingWindowSeconds: 0,
    filterPatterns: [],
    maximumRetryAttempts: -1,
    bisectBatchOnFunctionError: false,
    reportBatchItemFailures: false,
    enabled: true,
    ...overrides,
  };
}

/** A stand-in for the functions service: records each event and answers with `respond`. */
class RecordingInvoker implements FunctionInvoker {
  readonly events: { Records: SqsEventRecord[] }[] = [];
  constructor(public respond: (event: { Records: SqsEventRecord[] }) => InvokeResult = () => ({ payload: null })) {}
  has(key: string): boolean {
    return key === consumer.logicalId;
  }
  async invoke(_key: string, event: unknown): Promise<InvokeResult> {
    const e = event as { Records: SqsEventRecord[] };
    this.events.push(e);
    return this.respond(e);
  }
}

let t: TestContext;
let service: QueuesService;
let invoker: RecordingInvoker;
let sqs: SQSClient;

async function start(m: EventSourceMappingModel, respond?: RecordingInvoker['respond']): Promise<void> {
  t = testContext(testModel({ queues: [work, dlq, ordered], functions: [consumer], eventSourceMappings: [m], iam: { roles: [producer] } }), { endpoint: ENDPOINT });
  invoker = new RecordingInvoker(respond);
  t.registry.provide('functions.invoker', invoker);
  service = createQueuesServiceWith({ pollIntervalMs: 5 })(t.ctx);
  await service.start();
  service.connect!(t.registry);
  sqs = sqsClient(service, t.credentials.issueForRole(producer.arn, 'producer-fn', 3600), t.clock);
}

afterEach(async () => {
  await service?.stop();
  t?.cleanup();
});

const bodies = (name: string) => service.messages(name)!.map((m) => m.body);

describe('SQS event source mappings', () => {
  it("invokes the function with SQS's event shape and deletes the batch it handled", async () => {
    await start(mapping());
    const sent = await sqs.send(
      new SendMessageCommand({ QueueUrl: urlOf('work'), MessageBody: '{"job":1}', MessageAttributes: { kind: { DataType: 'String', StringValue: 'resize' } } }),
    );
    await service.mappingsIdle();
    expect(invoker.events).toHaveLength(1);
    const [record] = invoker.events[0].Records;
    expect(record).toEqual({
      messageId: sent.MessageId,
      receiptHandle: expect.any(String),
      body: '{"job":1}',
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(t.clock.now()),
        SenderId: expect.stringMatching(/^AROA[0-9A-Z]+:producer-fn$/),
        ApproximateFirstReceiveTimestamp: String(t.clock.now()),
      },
      messageAttributes: { kind: { stringValue: 'resize', stringListValues: [], binaryListValues: [], dataType: 'String' } },
      md5OfBody: sent.MD5OfMessageBody,
      md5OfMessageAttributes: sent.MD5OfMessageAttributes,
      eventSource: 'aws:sqs',
      eventSourceARN: work.arn,
      awsRegion: REGION,
    });
    expect(bodies('work')).toEqual([]);
  });

  it('hands at most BatchSize messages to one invocation', async () => {
    await start(mapping({ batchSize: 3, maximumConcurrency: 2 }));
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: urlOf('work'), Entries: Array.from({ length: 7 }, (_, i) => ({ Id: `m${i}`, MessageBody: `m${i}` })) }));
    await service.mappingsIdle();
    expect(invoker.events.every((e) => e.Records.length <= 3)).toBe(true);
    expect(invoker.events.flatMap((e) => e.Records.map((r) => r.body)).sort()).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6']);
    expect(bodies('work')).toEqual([]);
  });

  it('leaves a failed batch hidden for the visibility timeout, receives it again, and redrives it after maxReceiveCount', async () => {
    await start(mapping(), () => ({ payload: { errorType: 'Error', errorMessage: 'boom' }, functionError: 'Unhandled' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: urlOf('work'), MessageBody: 'poison' }));
    await service.mappingsIdle();
    expect(invoker.events).toHaveLength(1);
    expect(service.messages('work')).toEqual([expect.objectContaining({ body: 'poison', visible: false })]);
    t.clock.advance(9_999);
    // Pollers look every 5 ms: several polls find nothing visible yet.
    await new Promise((r) => setTimeout(r, 30));
    expect(invoker.events).toHaveLength(1);
    t.clock.advance(1);
    await service.mappingsIdle();
    expect(invoker.events.map((e) => e.Records[0].attributes.ApproximateReceiveCount)).toEqual(['1', '2']);
    t.clock.advance(10_000);
    await service.mappingsIdle();
    expect(invoker.events).toHaveLength(2);
    expect(bodies('work')).toEqual([]);
    expect(service.messages('work-dlq')).toEqual([expect.objectContaining({ body: 'poison', attributes: expect.objectContaining({ DeadLetterQueueSourceArn: work.arn }) })]);
  });

  it('deletes only the messages not reported in batchItemFailures', async () => {
    await start(mapping({ reportBatchItemFailures: true }), (e) => ({
      payload: { batchItemFailures: e.Records.filter((r) => r.body.startsWith('bad')).map((r) => ({ itemIdentifier: r.messageId })) },
    }));
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: urlOf('work'), Entries: ['ok-1', 'bad-1', 'ok-2'].map((b) => ({ Id: b, MessageBody: b })) }));
    await service.mappingsIdle();
    expect(bodies('work')).toEqual(['bad-1']);
  });

  it('fails the whole batch when batchItemFailures names an unknown message', async () => {
    await start(mapping({ reportBatchItemFailures: true }), () => ({ payload: { batchItemFailures: [{ itemIdentifier: 'not-in-batch' }] } }));
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: urlOf('work'), Entries: ['a', 'b'].map((b) => ({ Id: b, MessageBody: b })) }));
    await service.mappingsIdle();
    expect(bodies('work')).toEqual(['a', 'b']);
  });

  it('ignores batchItemFailures unless the mapping reports them', async () => {
    await start(mapping(), (e) => ({ payload: { batchItemFailures: [{ itemIdentifier: e.Records[0].messageId }] } }));
    await sqs.send(new SendMessageCommand({ QueueUrl: urlOf('work'), MessageBody: 'a' }));
    await service.mappingsIdle();
    expect(bodies('work')).toEqual([]);
  });

  it('does not poll a disabled mapping, and says so', async () => {
    await start(mapping({ enabled: false }));
    await sqs.send(new SendMessageCommand({ QueueUrl: urlOf('work'), MessageBody: 'a' }));
    await new Promise((r) => setTimeout(r, 30));
    expect(invoker.events).toHaveLength(0);
    expect(service.describe!().join('\n')).toContain('is disabled');
  });

  it('waits up to MaximumBatchingWindowInSeconds to fill a batch', async () => {
    await start(mapping({ batchSize: 3, maxBatchingWindowSeconds: 20 }));
    for (const body of ['one', 'two', 'three']) await sqs.send(new SendMessageCommand({ QueueUrl: urlOf('work'), MessageBody: body }));
    await service.mappingsIdle();
    expect(invoker.events.map((e) => e.Records.map((r) => r.body))).toEqual([['one', 'two', 'three']]);
  });

  it("hands a FIFO queue's messages over in order within each group, one batch of a group at a time", async () => {
    await start(mapping({ eventSourceArn: ordered.arn, queueName: ordered.name, batchSize: 2, maximumConcurrency: 3 }));
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: urlOf('ordered.fifo'),
        Entries: ['a1', 'b1', 'a2', 'a3', 'b2'].map((b) => ({ Id: b, MessageBody: b, MessageGroupId: b[0] })),
      }),
    );
    await service.mappingsIdle();
    const seen = invoker.events.flatMap((e) => e.Records.map((r) => r.body));
    expect(seen.filter((b) => b.startsWith('a'))).toEqual(['a1', 'a2', 'a3']);
    expect(seen.filter((b) => b.startsWith('b'))).toEqual(['b1', 'b2']);
    expect(invoker.events[0].Records[0].attributes).toMatchObject({ MessageGroupId: 'a', SequenceNumber: expect.stringMatching(/^\d+$/) });
  });
});
