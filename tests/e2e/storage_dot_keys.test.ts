import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttp2Handler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBackendModel } from '../../src/local/assembly/load_assembly.js';
import { getFixtureAssembly } from '../fixtures/assembly.js';
import { startLocalCloud, type TestLocalCloud } from '../helpers/local_cloud.js';
import { guestCredentials } from '../helpers/guest_credentials.js';

/**
 * S3 keys may hold `.` and `..` segments: S3 signs the path as sent and stores the literal key. The
 * SDK sends them unnormalised, over HTTP/1.1 (its default handler in Node) and HTTP/2.
 */

let cloud: TestLocalCloud;
let bucket: string;

beforeAll(async () => {
  const model = loadBackendModel(await getFixtureAssembly('storage-triggers'), { region: 'us-east-1' });
  cloud = await startLocalCloud({ model });
  bucket = model.storage!.buckets[0].bucketName;
});
afterAll(async () => {
  await cloud?.stop();
});

const clients = {
  'HTTP/1.1': () => undefined,
  'HTTP/2': () => new NodeHttp2Handler(),
};

/** The identity pool's guest credentials (this backend allows guests). */
const guest = async () => (await guestCredentials(cloud.cloud))!;

describe.each(Object.entries(clients))('keys with dot segments through @aws-sdk/client-s3 over %s', (protocol, handler) => {
  const prefix = `public/${protocol === 'HTTP/2' ? 'h2' : 'h1'}`;
  const keys = [`${prefix}/a/../b.txt`, `${prefix}/./x`, `${prefix}/../up.txt`];

  it('stores, reads and lists the literal keys', async () => {
    const s3 = new S3Client({ region: 'us-east-1', endpoint: cloud.endpoint, forcePathStyle: true, credentials: await guest(), requestHandler: handler() });
    try {
      for (const key of keys) {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `body of ${key}`, ContentType: 'text/plain' }));
      }
      for (const key of keys) {
        const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        expect(await got.Body!.transformToString()).toBe(`body of ${key}`);
      }
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/` }));
      expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual([...keys].sort());
      // The normalised spelling is another key, which was never written.
      await expect(s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}/b.txt` }))).rejects.toMatchObject({ name: 'NoSuchKey' });
    } finally {
      s3.destroy();
    }
  });
});
