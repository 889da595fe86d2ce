import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IssuedCredentials } from '../../../src/local/core/registry.js';
import { md5Hex } from '../../../src/local/queues/md5.js';
import { createQueuesService, type QueuesService } from '../../../src/local/queues/index.js';
import { signForTest } from '../../helpers/sigv4.js';
import { role, testContext, testModel, type TestContext } from '../functions/helpers.js';
import { ENDPOINT, queue, urlOf } from './helpers.js';

/** The Query protocol (form-encoded `Action=…`, XML answers) that the AWS CLI v1 and older SDKs speak. */

const jobs = queue('jobs');
const worker = role('worker', [{ effect: 'Allow', actions: ['sqs:*'], resources: ['*'] }]);

let t: TestContext;
let service: QueuesService;
let creds: IssuedCredentials;

beforeEach(async () => {
  t = testContext(testModel({ queues: [jobs], iam: { roles: [worker] } }), { endpoint: ENDPOINT });
  service = createQueuesService(t.ctx);
  await service.start();
  creds = t.credentials.issueForRole(worker.arn, 'worker-fn', 3600);
});
afterEach(async () => {
  await service.stop();
  t.cleanup();
});

async function query(params: Record<string, string>, path = '/'): Promise<{ status: number; xml: string; headers: Headers }> {
  const req = await signForTest({
    url: `${ENDPOINT}${path}`,
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: new URLSearchParams({ Version: '2012-11-05', ...params }).toString(),
    credentials: creds,
    service: 'sqs',
    signingDate: new Date(t.clock.now()),
  });
  expect(service.matches(req, new URL(req.url))).toBe(true);
  const res = await service.fetch(req);
  return { status: res.status, xml: await res.text(), headers: res.headers };
}

const tag = (xml: string, name: string) => [...xml.matchAll(new RegExp(`<${name}>(.*?)</${name}>`, 'gs'))].map((m) => m[1]);

describe('SQS Query protocol', () => {
  it('sends with message attributes and receives the message as XML', async () => {
    const sent = await query({
      Action: 'SendMessage',
      QueueUrl: urlOf('jobs'),
      MessageBody: 'a & <b>',
      'MessageAttribute.1.Name': 'timestamp',
      'MessageAttribute.1.Value.DataType': 'Number',
      'MessageAttribute.1.Value.StringValue': '1493147359900',
    });
    expect(sent.status).toBe(200);
    expect(sent.xml).toMatch(/^<\?xml version="1.0"\?><SendMessageResponse xmlns="http:\/\/queue.amazonaws.com\/doc\/2012-11-05\/"><SendMessageResult>/);
    expect(tag(sent.xml, 'MD5OfMessageBody')).toEqual([md5Hex('a & <b>')]);
    expect(tag(sent.xml, 'MD5OfMessageAttributes')).toEqual(['235c5c510d26fb653d073faed50ae77c']);
    expect(tag(sent.xml, 'RequestId')).toHaveLength(1);

    const got = await query({ Action: 'ReceiveMessage', QueueUrl: urlOf('jobs'), 'AttributeName.1': 'All', 'MessageAttributeName.1': 'All' });
    expect(got.status).toBe(200);
    expect(tag(got.xml, 'Body')).toEqual(['a &amp; &lt;b&gt;']);
    expect(got.xml).toContain('<Attribute><Name>ApproximateReceiveCount</Name><Value>1</Value></Attribute>');
    expect(got.xml).toContain('<MessageAttribute><Name>timestamp</Name><Value><DataType>Number</DataType><StringValue>1493147359900</StringValue></Value></MessageAttribute>');
    const handle = tag(got.xml, 'ReceiptHandle')[0];
    const deleted = await query({ Action: 'DeleteMessage', QueueUrl: urlOf('jobs'), ReceiptHandle: handle });
    expect(deleted.xml).toMatch(/<DeleteMessageResponse [^>]+><ResponseMetadata><RequestId>[^<]+<\/RequestId><\/ResponseMetadata><\/DeleteMessageResponse>$/);
    expect(service.messages('jobs')).toEqual([]);
  });

  it('takes the queue from the request path and batch entries from numbered members', async () => {
    const out = await query(
      {
        Action: 'SendMessageBatch',
        'SendMessageBatchRequestEntry.1.Id': 'one',
        'SendMessageBatchRequestEntry.1.MessageBody': 'first',
        'SendMessageBatchRequestEntry.2.Id': 'two',
        'SendMessageBatchRequestEntry.2.MessageBody': 'second',
        'SendMessageBatchRequestEntry.2.DelaySeconds': '5',
      },
      `/${t.ctx.model.accountId}/jobs`,
    );
    expect(out.status).toBe(200);
    expect(out.xml.match(/<SendMessageBatchResultEntry>/g)).toHaveLength(2);
    expect(tag(out.xml, 'Id')).toEqual(['one', 'two']);
    expect(service.messages('jobs')!.map((m) => [m.body, m.visible])).toEqual([
      ['first', true],
      ['second', false],
    ]);
    const attrs = await query({ Action: 'GetQueueAttributes', QueueUrl: urlOf('jobs'), 'AttributeName.1': 'ApproximateNumberOfMessages' });
    expect(attrs.xml).toContain('<GetQueueAttributesResult><Attribute><Name>ApproximateNumberOfMessages</Name><Value>1</Value></Attribute></GetQueueAttributesResult>');
  });

  it('answers errors as ErrorResponse documents with the Query code', async () => {
    const missing = await query({ Action: 'SendMessage', QueueUrl: urlOf('nope'), MessageBody: 'x' });
    expect(missing.status).toBe(400);
    expect(missing.xml).toContain('<Error><Type>Sender</Type><Code>AWS.SimpleQueueService.NonExistentQueue</Code><Message>The specified queue does not exist.</Message>');
    const unknown = await query({ Action: 'CreateQueue', QueueName: 'new' });
    expect(unknown.status).toBe(400);
    expect(tag(unknown.xml, 'Code')).toEqual(['InvalidAction']);
    const bad = await query({ Action: 'ReceiveMessage', QueueUrl: urlOf('jobs'), WaitTimeSeconds: 'soon' });
    expect(tag(bad.xml, 'Code')).toEqual(['InvalidParameterValue']);
    const list = await query({ Action: 'ListQueues' });
    expect(tag(list.xml, 'QueueUrl')).toEqual([urlOf('jobs')]);
  });

  it('does not claim form posts signed for other services', async () => {
    const req = await signForTest({
      url: `${ENDPOINT}/`,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
      credentials: creds,
      service: 'sts',
      signingDate: new Date(t.clock.now()),
    });
    expect(service.matches(req, new URL(req.url))).toBe(false);
  });
});
