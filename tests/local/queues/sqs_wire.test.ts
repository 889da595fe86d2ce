import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IssuedCredentials } from '../../../src/local/core/registry.js';
import { createQueuesService, type QueuesService } from '../../../src/local/queues/index.js';
import { signForTest } from '../../helpers/sigv4.js';
import { ACCOUNT, REGION, role, testContext, testModel, type TestContext } from '../functions/helpers.js';
import { ENDPOINT, queue, sqsClient, urlOf } from './helpers.js';

const jobs = queue('jobs', { visibilityTimeoutSeconds: 30, redrivePolicy: { deadLetterTargetArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:jobs-dlq`, maxReceiveCount: 2 } });
const dlq = queue('jobs-dlq');
const orders = queue('orders.fifo');
const events = queue('events.fifo', { contentBasedDeduplication: true });
const worker = role('worker', [{ effect: 'Allow', actions: ['sqs:*'], resources: ['*'] }]);
const sender = role('sender', [{ effect: 'Allow', actions: ['sqs:SendMessage'], resources: [jobs.arn] }]);

let t: TestContext;
let service: QueuesService;
let creds: IssuedCredentials;
let sqs: SQSClient;

beforeEach(async () => {
  t = testContext(testModel({ queues: [jobs, dlq, orders, events], iam: { roles: [worker, sender] } }), { endpoint: ENDPOINT });
  service = createQueuesService(t.ctx);
  await service.start();
  creds = t.credentials.issueForRole(worker.arn, 'worker-fn', 3600);
  sqs = sqsClient(service, creds, t.clock);
});

afterEach(async () => {
  await service.stop();
  t.cleanup();
});

const receive = (url: string, extra: Record<string, unknown> = {}) =>
  sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'], ...extra }));

const errorOf = (p: Promise<unknown>) => p.then(() => undefined, (e: Error & { $metadata?: { httpStatusCode?: number }; Code?: string }) => e);

describe('SQS durability', () => {
  it('has a message on disk when SendMessage and SendMessageBatch answer (a crash right after loses nothing)', async () => {
    const onDisk = () => readFileSync(path.join(t.ctx.dataDir, 'jobs.json'), 'utf8');
    await sqs.send(new SendMessageCommand({ QueueUrl: urlOf('jobs'), MessageBody: 'acknowledged-one' }));
    expect(onDisk()).toContain('acknowledged-one');
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: urlOf('jobs'), Entries: [{ Id: 'a', MessageBody: 'acknowledged-two' }, { Id: 'b', MessageBody: 'acknowledged-three' }] }));
    expect(onDisk()).toContain('acknowledged-two');
    expect(onDisk()).toContain('acknowledged-three');
  });
});

describe('SQS through the SDK (JSON 1.0)', () => {
  it('sends, receives with SQS system attributes and deletes, the SDK checking every MD5', async () => {
    const sent = await sqs.send(
      new SendMessageCommand({
        QueueUrl: urlOf('jobs'),
        MessageBody: 'héllo wörld',
        MessageAttributes: { ordinal: { DataType: 'Number', StringValue: '1' }, category: { DataType: 'String', StringValue: 'test' } },
      }),
    );
    // The SDK already compared MD5OfMessageBody with its own digest; the attribute digest is SQS's.
    expect(sent.MD5OfMessageAttributes).toBe('d21ae90c49061e927f57df5f5d72be1f');
    const out = await receive(urlOf('jobs'));
    expect(out.Messages).toHaveLength(1);
    const m = out.Messages![0];
    expect(m).toMatchObject({ MessageId: sent.MessageId, Body: 'héllo wörld', MD5OfMessageAttributes: 'd21ae90c49061e927f57df5f5d72be1f' });
    expect(m.MessageAttributes).toEqual({ ordinal: { DataType: 'Number', StringValue: '1' }, category: { DataType: 'String', StringValue: 'test' } });
    expect(m.Attributes).toMatchObject({ ApproximateReceiveCount: '1', SentTimestamp: String(t.clock.now()), SenderId: expect.stringMatching(/^AROA[0-9A-Z]+:worker-fn$/) });
    // In flight: not received again until deleted or the visibility timeout passes.
    expect((await receive(urlOf('jobs'))).Messages).toBeUndefined();
    await sqs.send(new DeleteMessageCommand({ QueueUrl: urlOf('jobs'), ReceiptHandle: m.ReceiptHandle }));
    t.clock.advance(31_000);
    expect((await receive(urlOf('jobs'))).Messages).toBeUndefined();
  });

  it('selects message attributes by name and prefix, and system attributes by name', async () => {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: urlOf('jobs'),
        MessageBody: 'x',
        MessageAttributes: { 'trace.id': { DataType: 'String', StringValue: 't' }, 'trace.span': { DataType: 'String', StringValue: 's' }, other: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2]) } },
      }),
    );
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: urlOf('jobs'), MessageAttributeNames: ['trace.*'], MessageSystemAttributeNames: ['SentTimestamp'] }));
    const m = out.Messages![0];
    expect(Object.keys(m.MessageAttributes!).sort()).toEqual(['trace.id', 'trace.span']);
    expect(Object.keys(m.Attributes!)).toEqual(['SentTimestamp']);
  });

  it('makes a message visible again after its visibility timeout, counting receives, and redrives it to the dead-letter queue', async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: urlOf('jobs'), MessageBody: 'poison' }));
    expect((await receive(urlOf('jobs'))).Messages![0].Attributes!.ApproximateReceiveCount).toBe('1');
    t.clock.advance(30_000);
    expect((await receive(urlOf('jobs'))).Messages![0].Attributes!.ApproximateReceiveCount).toBe('2');
    t.clock.advance(30_000);
    // A third receive exceeds maxReceiveCount (2): the message moves instead of being returned.
    expect((await receive(urlOf('jobs'))).Messages).toBeUndefined();
    const dead = await receive(urlOf('jobs-dlq'));
    expect(dead.Messages![0]).toMatchObject({ Body: 'poison' });
    expect(dead.Messages![0].Attributes!.DeadLetterQueueSourceArn).toBe(jobs.arn);
  });

  it('changes a message\'s visibility, and refuses handles of messages not in flight or not of the queue', async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: urlOf('jobs'), MessageBody: 'later' }));
    const m = (await receive(urlOf('jobs'))).Messages![0];
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: urlOf('jobs'), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 }));
    const again = (await receive(urlOf('jobs'))).Messages![0];
    expect(again.MessageId).toBe(m.MessageId);
    t.clock.advance(30_000);
    const notInFlight = await errorOf(sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: urlOf('jobs'), ReceiptHandle: again.ReceiptHandle, VisibilityTimeout: 10 })));
    expect(notInFlight?.name).toBe('MessageNotInflight');
    const invalid = await errorOf(sqs.send(new DeleteMessageCommand({ QueueUrl: urlOf('jobs'), ReceiptHandle: 'not-a-handle' })));
    expect(invalid?.name).toBe('ReceiptHandleIsInvalid');
    expect(invalid?.$metadata?.httpStatusCode).toBe(404);
    const foreign = await errorOf(sqs.send(new DeleteMessageCommand({ QueueUrl: urlOf('jobs-dlq'), ReceiptHandle: again.ReceiptHandle })));
    expect(foreign?.name).toBe('ReceiptHandleIsInvalid');
  });

  it('long-polls: a waiting ReceiveMessage returns as soon as a message is sent', async () => {
    const waiting = receive(urlOf('jobs'), { WaitTimeSeconds: 20 });
    await new Promise((r) => setTimeout(r, 20));
    await sqs.send(new SendMessageCommand({ QueueUrl: urlOf('jobs'), MessageBody: 'wake up' }));
    expect((await waiting).Messages!.map((m) => m.Body)).toEqual(['wake up']);
    const invalid = await errorOf(receive(urlOf('jobs'), { WaitTimeSeconds: 21 }));
    expect(invalid?.name).toBe('InvalidParameterValue');
  });

  it('ends a waiting long poll, empty, when the service stops', async () => {
    const waiting = receive(urlOf('jobs'), { WaitTimeSeconds: 20 });
    await new Promise((r) => setTimeout(r, 20));
    await service.stop();
    expect((await waiting).Messages).toBeUndefined();
  }, 5_000);

  it('changes visibility in batches, reporting each entry', async () => {
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: urlOf('jobs'), Entries: [{ Id: 'a', MessageBody: 'a' }, { Id: 'b', MessageBody: 'b' }] }));
    const got = (await receive(urlOf('jobs'))).Messages!;
    const out = await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: urlOf('jobs'),
        Entries: [{ Id: 'x', ReceiptHandle: got[0].ReceiptHandle, VisibilityTimeout: 0 }, { Id: 'y', ReceiptHandle: got[1].ReceiptHandle, VisibilityTimeout: 50_000 }],
      }),
    );
    expect(out.Successful!.map((e) => e.Id)).toEqual(['x']);
    expect(out.Failed).toEqual([expect.objectContaining({ Id: 'y', Code: 'InvalidParameterValue', SenderFault: true })]);
    expect((await receive(urlOf('jobs'))).Messages!.map((m) => m.Body)).toEqual(['a']);
  });

  it("drops messages older than the queue's retention period", async () => {
    await service.stop();
    t.ctx.model = testModel({ queues: [queue('short', { messageRetentionSeconds: 60 })], iam: { roles: [worker] } });
    service = createQueuesService(t.ctx);
    await service.start();
    sqs = sqsClient(service, creds, t.clock);
    await sqs.send(new SendMessageCommand({ QueueUrl: urlOf('short'), MessageBody: 'old' }));
    t.clock.advance(59_000);
    await sqs.send(new SendMessageCommand({ QueueUrl: urlOf('short'), MessageBody: 'new' }));
    t.clock.advance(2_000);
    expect((await receive(urlOf('short'))).Messages!.map((m) => m.Body)).toEqual(['new']);
  });

  it('holds a delayed message back until its delay has passed', async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: urlOf('jobs'), MessageBody: 'delayed', DelaySeconds: 5 }));
    expect((await receive(urlOf('jobs'))).Messages).toBeUndefined();
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: urlOf('jobs'), AttributeNames: ['ApproximateNumberOfMessagesDelayed'] }));
    expect(attrs.Attributes).toEqual({ ApproximateNumberOfMessagesDelayed: '1' });
    t.clock.advance(5_000);
    expect((await receive(urlOf('jobs'))).Messages![0].Body).toBe('delayed');
  });

  it('sends and deletes in batches, reporting each entry', async () => {
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: urlOf('jobs'),
        Entries: [
          { Id: 'a', MessageBody: 'one' },
          { Id: 'b', MessageBody: 'two', MessageAttributes: { n: { DataType: 'Number', StringValue: 'not a number' } } },
          { Id: 'c', MessageBody: 'three' },
        ],
      }),
    );
    expect(sent.Successful!.map((s) => s.Id)).toEqual(['a', 'c']);
    expect(sent.Failed).toEqual([{ Id: 'b', SenderFault: true, Code: 'InvalidParameterValue', Message: expect.stringContaining("'n'") }]);
    const got = (await receive(urlOf('jobs'))).Messages!;
    expect(got.map((m) => m.Body)).toEqual(['one', 'three']);
    const deleted = await sqs.send(
      new DeleteMessageBatchCommand({ QueueUrl: urlOf('jobs'), Entries: got.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })).concat([{ Id: 'bad', ReceiptHandle: 'x' }]) }),
    );
    expect(deleted.Successful!.map((s) => s.Id)).toEqual(['d0', 'd1']);
    expect(deleted.Failed).toEqual([expect.objectContaining({ Id: 'bad', Code: 'ReceiptHandleIsInvalid' })]);
    const dup = await errorOf(sqs.send(new SendMessageBatchCommand({ QueueUrl: urlOf('jobs'), Entries: [{ Id: 'a', MessageBody: '1' }, { Id: 'a', MessageBody: '2' }] })));
    expect(dup?.name).toBe('BatchEntryIdsNotDistinct');
    const empty = await errorOf(sqs.send(new SendMessageBatchCommand({ QueueUrl: urlOf('jobs'), Entries: [] })));
    expect(empty?.name).toBe('EmptyBatchRequest');
  });

  it('keeps FIFO order per group, blocks a group while a message is in flight, and drops duplicates', async () => {
    const first = await sqs.send(new SendMessageCommand({ QueueUrl: urlOf('orders.fifo'), MessageBody: 'a1', MessageGroupId: 'a', MessageDeduplicationId: 'd1' }));
    expect(first.SequenceNumber).toMatch(/^\d{20,}$/);
    const repeat = await sqs.send(new SendMessageCommand({ QueueUrl: urlOf('orders.fifo'), MessageBody: 'a1', MessageGroupId: 'a', MessageDeduplicationId: 'd1' }));
    expect(repeat.MessageId).toBe(first.MessageId);
    await sqs.send(new SendMessageCommand({ QueueUrl: urlOf('orders.fifo'), MessageBody: 'a2', MessageGroupId: 'a', MessageDeduplicationId: 'd2' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: urlOf('orders.fifo'), MessageBody: 'b1', MessageGroupId: 'b', MessageDeduplicationId: 'd3' }));
    const one = await receive(urlOf('orders.fifo'), { MaxNumberOfMessages: 1 });
    expect(one.Messages!.map((m) => m.Body)).toEqual(['a1']);
    expect(one.Messages![0].Attributes).toMatchObject({ MessageGroupId: 'a', MessageDeduplicationId: 'd1', SequenceNumber: first.SequenceNumber });
    // Group a is blocked while a1 is in flight; group b is not.
    expect((await receive(urlOf('orders.fifo'))).Messages!.map((m) => m.Body)).toEqual(['b1']);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: urlOf('orders.fifo'), ReceiptHandle: one.Messages![0].ReceiptHandle }));
    expect((await receive(urlOf('orders.fifo'))).Messages!.map((m) => m.Body)).toEqual(['a2']);
    // After the five-minute window the same id is a new message.
    t.clock.advance(5 * 60_000 + 1);
    const later = await sqs.send(new SendMessageCommand({ QueueUrl: urlOf('orders.fifo'), MessageBody: 'a1', MessageGroupId: 'c', MessageDeduplicationId: 'd1' }));
    expect(later.MessageId).not.toBe(first.MessageId);
  });

  it('deduplicates by content when the FIFO queue says so, and requires what FIFO queues require', async () => {
    const a = await sqs.send(new SendMessageCommand({ QueueUrl: urlOf('events.fifo'), MessageBody: 'same', MessageGroupId: 'g' }));
    const b = await sqs.send(new SendMessageCommand({ QueueUrl: urlOf('events.fifo'), MessageBody: 'same', MessageGroupId: 'g' }));
    expect(b.MessageId).toBe(a.MessageId);
    const noGroup = await errorOf(sqs.send(new SendMessageCommand({ QueueUrl: urlOf('events.fifo'), MessageBody: 'x' })));
    expect(noGroup).toMatchObject({ name: 'MissingParameter', message: 'The request must contain the parameter MessageGroupId.' });
    const noDedup = await errorOf(sqs.send(new SendMessageCommand({ QueueUrl: urlOf('orders.fifo'), MessageBody: 'x', MessageGroupId: 'g' })));
    expect(noDedup?.name).toBe('InvalidParameterValue');
    const delay = await errorOf(sqs.send(new SendMessageCommand({ QueueUrl: urlOf('events.fifo'), MessageBody: 'x', MessageGroupId: 'g', DelaySeconds: 3 })));
    expect(delay?.name).toBe('InvalidParameterValue');
  });

  it('finds queues by name and prefix and reports their attributes from the template', async () => {
    expect((await sqs.send(new GetQueueUrlCommand({ QueueName: 'jobs' }))).QueueUrl).toBe(urlOf('jobs'));
    expect((await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'jobs' }))).QueueUrls).toEqual([urlOf('jobs'), urlOf('jobs-dlq')]);
    const page = await sqs.send(new ListQueuesCommand({ MaxResults: 3 }));
    expect(page.QueueUrls).toHaveLength(3);
    const rest = await sqs.send(new ListQueuesCommand({ MaxResults: 3, NextToken: page.NextToken }));
    expect(rest.QueueUrls).toEqual([urlOf('orders.fifo')]);
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: urlOf('jobs'), AttributeNames: ['All'] }));
    expect(attrs.Attributes).toMatchObject({
      QueueArn: jobs.arn,
      VisibilityTimeout: '30',
      ApproximateNumberOfMessages: '0',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 }),
    });
    const fifo = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: urlOf('events.fifo'), AttributeNames: ['FifoQueue', 'ContentBasedDeduplication'] }));
    expect(fifo.Attributes).toEqual({ FifoQueue: 'true', ContentBasedDeduplication: 'true' });
  });

  it('purges a queue once a minute', async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: urlOf('jobs'), MessageBody: 'gone' }));
    await sqs.send(new PurgeQueueCommand({ QueueUrl: urlOf('jobs') }));
    expect((await receive(urlOf('jobs'))).Messages).toBeUndefined();
    const again = await errorOf(sqs.send(new PurgeQueueCommand({ QueueUrl: urlOf('jobs') })));
    expect(again?.name).toBe('PurgeQueueInProgress');
    t.clock.advance(60_000);
    await sqs.send(new PurgeQueueCommand({ QueueUrl: urlOf('jobs') }));
  });

  it("answers AWS's error names for unknown queues and bad parameters, changing nothing", async () => {
    const missing = await errorOf(sqs.send(new SendMessageCommand({ QueueUrl: urlOf('nope'), MessageBody: 'x' })));
    expect(missing).toMatchObject({ name: 'QueueDoesNotExist', message: 'The specified queue does not exist.' });
    expect(missing?.$metadata?.httpStatusCode).toBe(400);
    expect((await errorOf(sqs.send(new GetQueueUrlCommand({ QueueName: 'nope' }))))?.name).toBe('QueueDoesNotExist');
    const tooMany = await errorOf(sqs.send(new ReceiveMessageCommand({ QueueUrl: urlOf('jobs'), MaxNumberOfMessages: 11 })));
    expect(tooMany).toMatchObject({ name: 'InvalidParameterValue', message: 'Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.' });
    const badChar = await errorOf(sqs.send(new SendMessageCommand({ QueueUrl: urlOf('jobs'), MessageBody: 'a\u0001b' })));
    expect(badChar?.name).toBe('InvalidMessageContents');
    const tooBig = await errorOf(sqs.send(new SendMessageCommand({ QueueUrl: urlOf('jobs'), MessageBody: 'x'.repeat(262_145) })));
    expect(tooBig?.name).toBe('InvalidParameterValue');
    const badAttr = await errorOf(sqs.send(new GetQueueAttributesCommand({ QueueUrl: urlOf('jobs'), AttributeNames: ['Bogus' as 'All'] })));
    expect(badAttr?.name).toBe('InvalidAttributeName');
    expect((await receive(urlOf('jobs'))).Messages).toBeUndefined();
  });

  it("refuses what the caller's role does not allow, and unsigned or forged requests", async () => {
    const limited = sqsClient(service, t.credentials.issueForRole(sender.arn, 'sender-fn', 3600), t.clock);
    await limited.send(new SendMessageCommand({ QueueUrl: urlOf('jobs'), MessageBody: 'ok' }));
    const denied = await errorOf(limited.send(new ReceiveMessageCommand({ QueueUrl: urlOf('jobs') })));
    expect(denied?.name).toBe('AccessDenied');
    expect(denied?.message).toContain('is not authorized to perform: sqs:ReceiveMessage');
    const forged = sqsClient(service, { ...creds, secretAccessKey: 'wrong' }, t.clock);
    expect((await errorOf(forged.send(new SendMessageCommand({ QueueUrl: urlOf('jobs'), MessageBody: 'x' }))))?.name).toBe('SignatureDoesNotMatch');
    const res = await service.fetch(
      new Request(`${ENDPOINT}/`, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.SendMessage' }, body: '{}' }),
    );
    expect(res.status).toBe(403);
    expect(res.headers.get('x-amzn-query-error')).toBe('MissingAuthenticationToken;Sender');
    expect(service.messages('jobs')!.map((m) => m.body)).toEqual(['ok']);
  });

  it('keeps messages, receive counts and in-flight state across a restart', async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: urlOf('jobs'), MessageBody: 'in flight' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: urlOf('jobs'), MessageBody: 'waiting' }));
    expect((await receive(urlOf('jobs'), { MaxNumberOfMessages: 1 })).Messages![0].Body).toBe('in flight');
    await service.stop();
    service = createQueuesService(t.ctx);
    await service.start();
    sqs = sqsClient(service, creds, t.clock);
    expect((await receive(urlOf('jobs'))).Messages!.map((m) => m.Body)).toEqual(['waiting']);
    t.clock.advance(30_000);
    const again = (await receive(urlOf('jobs'))).Messages!;
    expect(again.map((m) => [m.Body, m.Attributes!.ApproximateReceiveCount])).toEqual([
      ['in flight', '2'],
      ['waiting', '2'],
    ]);
  });

  it('answers malformed requests with 4xx SQS errors and stores nothing', async () => {
    const raw = async (target: string, body: string) => {
      const req = await signForTest({
        url: `${ENDPOINT}/`,
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AmazonSQS.${target}` },
        body,
        credentials: creds,
        service: 'sqs',
        signingDate: new Date(t.clock.now()),
      });
      const res = await service.fetch(req);
      return { status: res.status, error: res.headers.get('x-amzn-query-error'), body: (await res.json()) as { __type: string } };
    };
    const cases: [string, string, string][] = [
      ['SendMessage', 'not json', 'InvalidParameterValue;Sender'],
      ['SendMessage', '[1,2]', 'InvalidParameterValue;Sender'],
      ['SendMessage', JSON.stringify({ QueueUrl: 7, MessageBody: 'x' }), 'InvalidParameterValue;Sender'],
      ['SendMessage', JSON.stringify({ QueueUrl: `${ENDPOINT}/${ACCOUNT}/%E0`, MessageBody: 'x' }), 'InvalidAddress;Sender'],
      ['SendMessage', JSON.stringify({ QueueUrl: urlOf('jobs'), MessageBody: 'x', MessageAttributes: { a: null } }), 'InvalidParameterValue;Sender'],
      ['SendMessage', JSON.stringify({ QueueUrl: urlOf('jobs'), MessageBody: 'x', MessageAttributes: [1] }), 'InvalidParameterValue;Sender'],
      ['SendMessage', JSON.stringify({ QueueUrl: urlOf('jobs') }), 'MissingParameter;Sender'],
      ['SendMessageBatch', JSON.stringify({ QueueUrl: urlOf('jobs'), Entries: [null] }), 'AWS.SimpleQueueService.InvalidBatchEntryId;Sender'],
      ['SendMessageBatch', JSON.stringify({ QueueUrl: urlOf('jobs'), Entries: 'x' }), 'InvalidParameterValue;Sender'],
      ['ReceiveMessage', JSON.stringify({ QueueUrl: urlOf('jobs'), MessageAttributeNames: [1] }), 'InvalidParameterValue;Sender'],
      ['ReceiveMessage', JSON.stringify({ QueueUrl: urlOf('jobs'), WaitTimeSeconds: 1.5 }), 'InvalidParameterValue;Sender'],
      ['ListQueues', JSON.stringify({ NextToken: '!!' }), 'InvalidParameterValue;Sender'],
      ['CreateQueue', JSON.stringify({ QueueName: 'new' }), 'InvalidAction;Sender'],
      ['toString', '{}', 'InvalidAction;Sender'],
    ];
    for (const [target, body, error] of cases) {
      const res = await raw(target, body);
      expect({ target, body, status: res.status, error: res.error }).toEqual({ target, body, status: expect.any(Number), error });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
    expect(service.messages('jobs')).toEqual([]);
  });
});

describe('SQS on a backend without queues', () => {
  it('answers as SQS does for an account with no queues', async () => {
    await service.stop();
    const empty = testContext(testModel({ iam: { roles: [worker] } }), { endpoint: ENDPOINT });
    const none = createQueuesService(empty.ctx);
    await none.start();
    const client = sqsClient(none, empty.credentials.issueForRole(worker.arn, 'worker-fn', 3600), empty.clock);
    try {
      expect(await client.send(new ListQueuesCommand({}))).not.toHaveProperty('QueueUrls');
      expect((await errorOf(client.send(new GetQueueUrlCommand({ QueueName: 'jobs' }))))?.name).toBe('QueueDoesNotExist');
    } finally {
      await none.stop();
      empty.cleanup();
    }
  });
});
