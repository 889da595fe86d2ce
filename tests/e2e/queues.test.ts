import { DeleteMessageCommand, GetQueueUrlCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBackendModel } from '../../src/local/assembly/load_assembly.js';
import type { BackendModel, QueueModel } from '../../src/local/assembly/model.js';
import type { QueuesService } from '../../src/local/queues/index.js';
import { getFixtureAssembly } from '../fixtures/assembly.js';
import { startLocalCloud, type TestLocalCloud } from '../helpers/local_cloud.js';

/**
 * tests/fixtures/queues, a backend whose only resources are queues and two functions, on the whole
 * local cloud over HTTPS: the SDK sends a job, the consumer function receives SQS's event through
 * the template's event source mapping and forwards it with the SDK from inside the function; a job
 * it reports as failed ends in the dead-letter queue.
 */

let cloud: TestLocalCloud;
let model: BackendModel;
let sqs: SQSClient;
/** The same credentials with the endpoint named, for calls that carry no queue URL. */
let sqsAtEndpoint: SQSClient;

/** A queue by its construct id (`Jobs` → logical id `Jobs<hash>`). */
const queueNamed = (id: string): QueueModel => model.queues!.find((q) => new RegExp(`^${id}[0-9A-F]{8}$`).test(q.logicalId))!;
const url = (q: QueueModel) => `${cloud.endpoint}/${model.accountId}/${q.name}`;

beforeAll(async () => {
  model = loadBackendModel(await getFixtureAssembly('queues'), { region: 'us-east-1' });
  cloud = await startLocalCloud({ model });
  const enqueue = model.functions.find((f) => f.friendlyName === 'enqueue')!;
  const creds = cloud.cloud.registry.get('identity.credentials').issueForRole(enqueue.roleArn!, enqueue.functionName, 900);
  // No endpoint option: the SDK sends to the queue URL's host, which is the local cloud.
  const credentials = { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, sessionToken: creds.sessionToken };
  sqs = new SQSClient({ region: 'us-east-1', credentials, maxAttempts: 1 });
  sqsAtEndpoint = new SQSClient({ region: 'us-east-1', endpoint: cloud.endpoint, credentials, maxAttempts: 1 });
});
afterAll(async () => {
  await cloud?.stop();
});

/** Long-polls `queue` until `count` messages have arrived, deleting them unless told to keep them. */
async function collect(queue: QueueModel, count: number, opts: { keep?: boolean } = {}): Promise<Message[]> {
  const got: Message[] = [];
  const deadline = Date.now() + 20_000;
  while (got.length < count && Date.now() < deadline) {
    const out = await sqsAtEndpoint.send(new ReceiveMessageCommand({ QueueUrl: url(queue), MaxNumberOfMessages: 10, WaitTimeSeconds: 2, MessageSystemAttributeNames: ['All'] }));
    got.push(...(out.Messages ?? []));
    if (!opts.keep) for (const m of out.Messages ?? []) await sqsAtEndpoint.send(new DeleteMessageCommand({ QueueUrl: url(queue), ReceiptHandle: m.ReceiptHandle }));
  }
  return got;
}

describe('an SQS-consuming function on the local cloud', () => {
  it('reads the queues and the mapping from the template', () => {
    const jobs = queueNamed('Jobs');
    expect(jobs.visibilityTimeoutSeconds).toBe(2);
    expect(jobs.redrivePolicy).toEqual({ deadLetterTargetArn: queueNamed('JobsDeadLetters').arn, maxReceiveCount: 1 });
    const queues = cloud.cloud.services.find((s) => s.name === 'queues') as QueuesService;
    expect(queues.describe!().join('\n')).toContain(`${jobs.name} → consumer (batch 5, window 0 s, partial batch failures)`);
  });

  it('delivers a message sent with the SDK to the consumer as an SQS event', async () => {
    const jobs = queueNamed('Jobs');
    const found = await sqsAtEndpoint.send(new GetQueueUrlCommand({ QueueName: jobs.name }));
    expect(found.QueueUrl).toBe(url(jobs));
    const sent = await sqs.send(
      new SendMessageCommand({ QueueUrl: url(jobs), MessageBody: 'resize photo 1', MessageAttributes: { size: { DataType: 'Number', StringValue: '640' } } }),
    );
    const [forwarded] = await collect(queueNamed('Processed'), 1);
    expect(forwarded).toBeDefined();
    const { record } = JSON.parse(forwarded.Body!) as { record: Record<string, unknown> };
    expect(record).toMatchObject({
      messageId: sent.MessageId,
      body: 'resize photo 1',
      md5OfBody: sent.MD5OfMessageBody,
      messageAttributes: { size: { stringValue: '640', dataType: 'Number', stringListValues: [], binaryListValues: [] } },
      eventSource: 'aws:sqs',
      eventSourceARN: jobs.arn,
      awsRegion: 'us-east-1',
      attributes: expect.objectContaining({ ApproximateReceiveCount: '1' }),
    });
    // The consumer's own SendMessage was signed with its role's credentials.
    expect(forwarded.Attributes!.SenderId).toMatch(/:amplify-queues-local-sandbox-consumer/);
    // The forward arrives while the invocation is still finishing.
    await (cloud.cloud.services.find((s) => s.name === 'queues') as QueuesService).mappingsIdle();
    const invocations = cloud.cloud.services.find((s) => s.name === 'functions')!.views!.invocations(new URLSearchParams({ function: 'consumer' })) as {
      invocations: { source: string; outcome: string }[];
    };
    expect(invocations.invocations[0]).toMatchObject({ source: 'sqs', outcome: 'success' });
  });

  it('lets a function enqueue with the SDK through the endpoint its environment names', async () => {
    const out = await cloud.cloud.registry.get('functions.invoker').invoke('enqueue', { body: 'from a function' });
    expect(out.functionError).toBeUndefined();
    const { messageId } = out.payload as { messageId: string };
    const forwarded = await collect(queueNamed('Processed'), 1);
    expect(forwarded.map((m) => (JSON.parse(m.Body!) as { record: { messageId: string; body: string } }).record)).toEqual([
      expect.objectContaining({ messageId, body: 'from a function' }),
    ]);
  });

  it('moves a message the consumer keeps failing to the dead-letter queue', async () => {
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl: url(queueNamed('Jobs')), MessageBody: 'this job will fail' }));
    const [dead] = await collect(queueNamed('JobsDeadLetters'), 1, { keep: true });
    expect(dead).toMatchObject({ MessageId: sent.MessageId, Body: 'this job will fail' });
    expect(dead.Attributes!.DeadLetterQueueSourceArn).toBe(queueNamed('Jobs').arn);
    // The admin API shows the dead letter (in flight now, received by the test).
    const res = await fetch(`${cloud.endpoint}/_local/queues/messages?queue=${encodeURIComponent(queueNamed('JobsDeadLetters').name)}`);
    const view = (await res.json()) as { messages: { messageId: string; visible: boolean }[] };
    expect(view.messages).toEqual([expect.objectContaining({ messageId: sent.MessageId, visible: false })]);
  });
});
