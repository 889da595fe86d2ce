import { readFileSync } from 'node:fs';
import path from 'node:path';
import { KinesisClient, PutRecordCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KinesisStreamModel } from '../../../src/local/assembly/model.js';
import type { IssuedCredentials } from '../../../src/local/core/registry.js';
import { createMessagingService, type MessagingService } from '../../../src/local/messaging/index.js';
import { signForTest } from '../../helpers/sigv4.js';
import { ACCOUNT, REGION, role, testContext, testModel, type TestContext } from '../functions/helpers.js';
import { inProcessHandler } from './in_process_handler.js';

const ENDPOINT = 'https://127.0.0.1:20002';
const stream: KinesisStreamModel = {
  logicalId: 'AnalyticsEvents',
  name: 'app-analytics-events',
  arn: `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/app-analytics-events`,
};
const writer = role('authRole', [{ effect: 'Allow', actions: ['kinesis:PutRecord', 'kinesis:PutRecords'], resources: [stream.arn] }]);
const singleOnly = role('singleRole', [{ effect: 'Allow', actions: ['kinesis:PutRecord'], resources: [stream.arn] }]);
const anyStream = role('anyRole', [{ effect: 'Allow', actions: ['kinesis:*'], resources: ['*'] }]);
const denied = role('deniedRole', [
  { effect: 'Allow', actions: ['kinesis:*'], resources: ['*'] },
  { effect: 'Deny', actions: ['kinesis:PutRecords'], resources: [stream.arn] },
]);

let t: TestContext;
let service: MessagingService;
let guest: IssuedCredentials;

async function startService(): Promise<void> {
  service = createMessagingService(t.ctx);
  await service.start();
}

beforeEach(async () => {
  t = testContext(testModel({ messaging: { pinpointApps: [], kinesisStreams: [stream] }, iam: { roles: [writer, singleOnly, anyStream, denied] } }), {
    endpoint: ENDPOINT,
  });
  await startService();
  guest = t.credentials.issueForIdentity(writer.arn, 'unauthenticated');
});

afterEach(async () => {
  await service.stop();
  t.cleanup();
});

function client(creds: IssuedCredentials = guest): KinesisClient {
  return new KinesisClient({
    region: REGION,
    endpoint: ENDPOINT,
    credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, sessionToken: creds.sessionToken },
    requestHandler: inProcessHandler((req) => {
      expect(service.matches(req, new URL(req.url))).toBe(true);
      return service.fetch(req);
    }),
    systemClockOffset: t.clock.now() - Date.now(),
    maxAttempts: 1,
  });
}

async function raw(operation: string, body: string, creds: IssuedCredentials = guest): Promise<Response> {
  const req = await signForTest({
    url: `${ENDPOINT}/`,
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `Kinesis_20131202.${operation}` },
    body,
    credentials: creds,
    service: 'kinesis',
    signingDate: new Date(t.clock.now()),
  });
  return service.fetch(req);
}

const event = (name: string) => new TextEncoder().encode(JSON.stringify({ name, at: 1 }));

describe('Kinesis durability', () => {
  it('has the records on disk when PutRecord and PutRecords answer (a crash right after loses nothing)', async () => {
    const onDisk = () => readFileSync(path.join(t.ctx.dataDir, 'streams', `${stream.name}.json`), 'utf8');
    await client().send(new PutRecordCommand({ StreamName: stream.name, PartitionKey: 'k', Data: event('single') }));
    expect(onDisk()).toContain(Buffer.from(event('single')).toString('base64'));
    await client().send(new PutRecordsCommand({ StreamName: stream.name, Records: [{ PartitionKey: 'k', Data: event('batched') }] }));
    expect(onDisk()).toContain(Buffer.from(event('batched')).toString('base64'));
  });
});

describe('Kinesis PutRecord and PutRecords', () => {
  it('stores a record put by a role allowed on the stream and answers its shard and sequence number', async () => {
    const out = await client().send(new PutRecordCommand({ StreamName: stream.name, PartitionKey: 'user-1', Data: event('open') }));
    expect(out.ShardId).toBe('shardId-000000000000');
    expect(out.SequenceNumber).toMatch(/^\d{56}$/);
    const records = service.records(stream.name)!;
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ partitionKey: 'user-1', text: '{"name":"open","at":1}', sequenceNumber: out.SequenceNumber, callerRoleArn: writer.arn });
    expect(service.records(stream.arn)).toHaveLength(1);
  });

  it('stores a batch in order with increasing sequence numbers', async () => {
    const out = await client().send(
      new PutRecordsCommand({ StreamName: stream.name, Records: ['a', 'b', 'c'].map((n) => ({ PartitionKey: n, Data: event(n) })) }),
    );
    expect(out.FailedRecordCount).toBe(0);
    expect(out.Records).toHaveLength(3);
    const seqs = out.Records!.map((r) => BigInt(r.SequenceNumber!));
    expect(seqs[0] < seqs[1] && seqs[1] < seqs[2]).toBe(true);
    expect(service.records(stream.name)!.map((r) => r.partitionKey)).toEqual(['a', 'b', 'c']);
  });

  it('accepts the stream ARN instead of its name', async () => {
    const out = await client().send(new PutRecordCommand({ StreamARN: stream.arn, PartitionKey: 'k', Data: event('x') }));
    expect(out.SequenceNumber).toBeDefined();
  });

  it('refuses a role whose policies do not allow the action on the stream', async () => {
    const single = t.credentials.issueForIdentity(singleOnly.arn);
    const err = (await client(single)
      .send(new PutRecordsCommand({ StreamName: stream.name, Records: [{ PartitionKey: 'k', Data: event('x') }] }))
      .catch((e: Error) => e)) as Error & { $metadata: { httpStatusCode: number } };
    expect(err.name).toBe('AccessDeniedException');
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(err.message).toBe(
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/singleRole/CognitoIdentityCredentials is not authorized to perform: kinesis:PutRecords on resource: ${stream.arn} because no identity-based policy allows the kinesis:PutRecords action`,
    );
    const deny = t.credentials.issueForIdentity(denied.arn);
    const denyErr = (await client(deny)
      .send(new PutRecordsCommand({ StreamName: stream.name, Records: [{ PartitionKey: 'k', Data: event('x') }] }))
      .catch((e: Error) => e)) as Error;
    expect(denyErr.name).toBe('AccessDeniedException');
    expect(service.records(stream.name)).toEqual([]);
  });

  it('answers ResourceNotFoundException for a stream that is not in the backend', async () => {
    const creds = t.credentials.issueForIdentity(anyStream.arn);
    const err = (await client(creds)
      .send(new PutRecordCommand({ StreamName: 'other-stream', PartitionKey: 'k', Data: event('x') }))
      .catch((e: Error) => e)) as Error;
    expect(err.name).toBe('ResourceNotFoundException');
    expect(err.message).toBe(`Stream other-stream under account ${ACCOUNT} not found.`);
  });

  it('checks access before existence, as IAM does', async () => {
    const err = (await client().send(new PutRecordCommand({ StreamName: 'other-stream', PartitionKey: 'k', Data: event('x') })).catch((e: Error) => e)) as Error;
    expect(err.name).toBe('AccessDeniedException');
  });

  it('validates records like Kinesis', async () => {
    const noKey = await raw('PutRecord', JSON.stringify({ StreamName: stream.name, Data: 'eA==' }));
    expect(noKey.status).toBe(400);
    expect(await noKey.json()).toEqual({
      __type: 'ValidationException',
      message: "1 validation error detected: Value null at 'partitionKey' failed to satisfy constraint: Member must not be null",
    });
    const longKey = await raw('PutRecord', JSON.stringify({ StreamName: stream.name, Data: 'eA==', PartitionKey: 'k'.repeat(257) }));
    expect(((await longKey.json()) as { __type: string }).__type).toBe('ValidationException');
    const emptyBatch = await raw('PutRecords', JSON.stringify({ StreamName: stream.name, Records: [] }));
    expect(((await emptyBatch.json()) as { __type: string }).__type).toBe('ValidationException');
    const badData = await raw('PutRecord', JSON.stringify({ StreamName: stream.name, Data: '***', PartitionKey: 'k' }));
    expect(((await badData.json()) as { __type: string }).__type).toBe('SerializationException');
    const malformed = await raw('PutRecord', '{oops');
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { __type: string }).__type).toBe('SerializationException');
    const noStream = await raw('PutRecord', JSON.stringify({ Data: 'eA==', PartitionKey: 'k' }));
    expect(((await noStream.json()) as { __type: string }).__type).toBe('InvalidArgumentException');
    const batchProblem = await raw('PutRecords', JSON.stringify({ StreamName: stream.name, Records: [{ Data: 'eA==', PartitionKey: 'k' }, { Data: 'eA==' }] }));
    expect(((await batchProblem.json()) as { message: string }).message).toMatch(/'records\.2\.member\.partitionKey'/);
    expect(service.records(stream.name)).toEqual([]);
  });

  it('refuses unsigned requests, bad signatures and unknown operations', async () => {
    const unsigned = await service.fetch(
      new Request(`${ENDPOINT}/`, { method: 'POST', headers: { 'x-amz-target': 'Kinesis_20131202.PutRecord' }, body: '{}' }),
    );
    expect(unsigned.status).toBe(400);
    expect(unsigned.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    const forged = await raw('PutRecord', JSON.stringify({ StreamName: stream.name, Data: 'eA==', PartitionKey: 'k' }), { ...guest, secretAccessKey: 'x' });
    expect(forged.headers.get('x-amzn-errortype')).toBe('InvalidSignatureException');
    const other = await raw('DeleteStream', JSON.stringify({ StreamName: stream.name }));
    expect(other.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    expect(service.records(stream.name)).toEqual([]);
  });

  it('keeps records across a restart and continues the sequence', async () => {
    const first = await client().send(new PutRecordCommand({ StreamName: stream.name, PartitionKey: 'k', Data: event('one') }));
    await service.stop();
    await startService();
    expect(service.records(stream.name)!.map((r) => r.text)).toEqual(['{"name":"one","at":1}']);
    const second = await client().send(new PutRecordCommand({ StreamName: stream.name, PartitionKey: 'k', Data: event('two') }));
    expect(BigInt(second.SequenceNumber!)).toBeGreaterThan(BigInt(first.SequenceNumber!));
  });

  it('drops records older than the 24-hour retention', async () => {
    await client().send(new PutRecordCommand({ StreamName: stream.name, PartitionKey: 'k', Data: event('old') }));
    t.clock.advance(24 * 60 * 60 * 1000 + 1);
    expect(service.records(stream.name)).toEqual([]);
  });

  it('forgets records on reset', async () => {
    await client().send(new PutRecordCommand({ StreamName: stream.name, PartitionKey: 'k', Data: event('x') }));
    await service.reset();
    expect(service.records(stream.name)).toEqual([]);
    expect(service.records('nope')).toBeUndefined();
  });
});
