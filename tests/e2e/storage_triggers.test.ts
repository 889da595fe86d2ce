import '../helpers/polyfills.js';
import { createHash } from 'node:crypto';
import { copy, downloadData, remove, uploadData } from 'aws-amplify/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackendModel, StorageBucketModel } from '../../src/local/assembly/model.js';
import { loadBackendModel } from '../../src/local/assembly/load_assembly.js';
import type { S3EventRecord } from '../../src/local/core/registry.js';
import type { InvocationRecord } from '../../src/local/functions/invocation_log.js';
import { getFixtureAssembly } from '../fixtures/assembly.js';
import { configureTestClient, withStorageEndpoint } from '../helpers/amplify_client.js';
import { startLocalCloud, type TestLocalCloud } from '../helpers/local_cloud.js';
import { until } from '../helpers/until.js';

/**
 * `defineStorage({ triggers: { onUpload, onDelete } })` through the real aws-amplify client: each
 * upload, copy and removal invokes the backend's function with S3's event. The fixture's functions
 * write the event they received to `trigger-log/<trigger>/<eventName>/<key>.json`.
 */

let cloud: TestLocalCloud;
let model: BackendModel;
let bucket: StorageBucketModel;

beforeAll(async () => {
  model = loadBackendModel(await getFixtureAssembly('storage-triggers'), { region: 'us-east-1' });
  cloud = await startLocalCloud({ model });
  configureTestClient(cloud.outputs);
  bucket = model.storage!.buckets[0];
});
afterAll(async () => {
  await cloud?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The event a trigger recorded for `key`, waiting for the asynchronous invocation. */
async function recorded(trigger: 'onUpload' | 'onDelete', eventName: string, key: string): Promise<S3EventRecord[]> {
  const path = `trigger-log/${trigger}/${eventName}/${key}.json`;
  for (let i = 0; i < 150; i++) {
    try {
      const down = await downloadData({ path, options: withStorageEndpoint() }).result;
      return ((await down.body.json()) as { Records: S3EventRecord[] }).Records;
    } catch (err) {
      if ((err as Error).name !== 'NoSuchKey') throw err;
      await sleep(100);
    }
  }
  throw new Error(`${trigger} recorded no ${eventName} event for ${key}`);
}

async function invocations(friendlyName: string): Promise<InvocationRecord[]> {
  const res = await fetch(`${cloud.endpoint}/_local/functions/invocations?function=${encodeURIComponent(friendlyName)}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { invocations: InvocationRecord[] }).invocations;
}

function configurationId(events: string): string {
  return bucket.notifications!.find((n) => n.events.includes(events))!.id;
}

const md5 = (data: string | Buffer) => createHash('md5').update(data).digest('hex');

describe('storage triggers through aws-amplify', () => {
  it('invokes onUpload with S3’s ObjectCreated:Put event after uploadData', async () => {
    const path = 'public/holiday photos/day 1+2.txt';
    await uploadData({ path, data: 'sunny', options: withStorageEndpoint({ contentType: 'text/plain' }) }).result;
    const records = await recorded('onUpload', 'ObjectCreated:Put', path);

    expect(records).toHaveLength(1);
    const [r] = records;
    expect(r).toEqual({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: expect.stringMatching(/^AWS:AROA[0-9A-Z]{17}:CognitoIdentityCredentials$/) },
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      responseElements: { 'x-amz-request-id': expect.stringMatching(/^[0-9A-F]{16}$/), 'x-amz-id-2': expect.stringMatching(/^[A-Za-z0-9+/]+=*$/) },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: configurationId('s3:ObjectCreated:*'),
        bucket: { name: bucket.bucketName, ownerIdentity: { principalId: expect.stringMatching(/^A[0-9A-Z]{13}$/) }, arn: bucket.arn },
        // Form-URL-encoded as S3 writes keys into events: spaces as '+', a literal '+' as %2B.
        object: { key: 'public/holiday+photos/day+1%2B2.txt', size: 5, eTag: md5('sunny'), sequencer: expect.stringMatching(/^[0-9A-F]{18}$/) },
      },
    });
    // The function wrote its record before returning: its success is logged a moment later.
    const success = await until(async () => (await invocations('onUpload')).find((i) => i.source === 's3' && i.outcome === 'success'), 10_000, "onUpload's successful invocation");
    expect(success.functionName).toBeDefined();
  });

  it('reports a multipart upload as ObjectCreated:CompleteMultipartUpload and a copy as ObjectCreated:Copy', async () => {
    const big = Buffer.alloc(6 * 1024 * 1024, 3);
    await uploadData({ path: 'public/big.bin', data: big, options: withStorageEndpoint() }).result;
    const [multipart] = await recorded('onUpload', 'ObjectCreated:CompleteMultipartUpload', 'public/big.bin');
    expect(multipart.s3.object).toMatchObject({ key: 'public/big.bin', size: big.length, eTag: expect.stringMatching(/^[0-9a-f]{32}-2$/) });

    // copy() reads `options.customEndpoint` at run time, though its input type does not declare `options`.
    const input = { source: { path: 'public/big.bin' }, destination: { path: 'public/big-copy.bin' }, options: withStorageEndpoint() };
    await copy(input);
    const [copied] = await recorded('onUpload', 'ObjectCreated:Copy', 'public/big-copy.bin');
    expect(copied.s3.object).toMatchObject({ key: 'public/big-copy.bin', size: big.length, eTag: multipart.s3.object.eTag });
    expect(copied.s3.object.sequencer > multipart.s3.object.sequencer).toBe(true);
  });

  it('invokes onDelete with ObjectRemoved:Delete after remove, without size or eTag', async () => {
    const path = 'public/to-remove.txt';
    await uploadData({ path, data: 'bye', options: withStorageEndpoint() }).result;
    const [created] = await recorded('onUpload', 'ObjectCreated:Put', path);
    await remove({ path, options: withStorageEndpoint() });
    const [removed] = await recorded('onDelete', 'ObjectRemoved:Delete', path);

    expect(removed.eventName).toBe('ObjectRemoved:Delete');
    expect(removed.s3.configurationId).toBe(configurationId('s3:ObjectRemoved:*'));
    expect(removed.s3.object).toEqual({ key: path, sequencer: expect.stringMatching(/^[0-9A-F]{18}$/) });
    // Events of one key are ordered by their sequencer.
    expect(removed.s3.object.sequencer > created.s3.object.sequencer).toBe(true);
    // onUpload is not configured for removals, nor onDelete for uploads.
    expect((await invocations('onDelete')).every((i) => i.source === 's3')).toBe(true);
  });

  it('answers the upload at once when the trigger fails, and records the failed invocation', async () => {
    const path = 'public/fail-me.txt';
    await uploadData({ path, data: 'x', options: withStorageEndpoint() }).result;
    const down = await downloadData({ path, options: withStorageEndpoint() }).result;
    expect(await down.body.text()).toBe('x');
    let failed: InvocationRecord | undefined;
    for (let i = 0; i < 150 && !failed; i++) {
      failed = (await invocations('onUpload')).find((r) => r.outcome === 'error' && r.errorMessage?.includes('fail-me'));
      if (!failed) await sleep(100);
    }
    expect(failed).toMatchObject({ source: 's3', errorType: 'Error', errorMessage: 'refusing public/fail-me.txt' });
  });
});
