import { beforeAll, describe, expect, it } from 'vitest';
import type { BucketNotificationModel, StorageBucketModel } from '../../../src/local/assembly/model.js';
import { ManualClock } from '../../../src/local/core/clock.js';
import type { BucketNotification } from '../../../src/local/core/registry.js';
import { BucketNotifier, eventTypeMatches, s3EventKey } from '../../../src/local/storage/notifications.js';
import { silentLogger } from '../../../src/local/core/logger.js';
import { storageHarness, type StorageHarness } from './harness.js';

const settle = () => new Promise((r) => setImmediate(r));

const config = (over: Partial<BucketNotificationModel>): BucketNotificationModel => ({
  id: 'cfg',
  events: ['s3:ObjectCreated:*'],
  functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:fn',
  functionLogicalId: 'Fn',
  ...over,
});

const bucketWith = (notifications: BucketNotificationModel[]): StorageBucketModel => ({
  logicalId: 'B',
  friendlyName: 'b',
  bucketName: 'b.local',
  isDefault: true,
  versioned: false,
  paths: {},
  arn: 'arn:aws:s3:::b.local',
  notifications,
});

const facts = { requestId: 'REQ', id2: 'ID2', principalId: 'AWS:AROAEXAMPLE:session', sourceIp: '127.0.0.1' };

describe('S3 event notifications', () => {
  it('encodes keys as S3 writes them into events', () => {
    expect(s3EventKey('public/my photo+1=é.png')).toBe('public/my+photo%2B1%3D%C3%A9.png');
    expect(s3EventKey("a~!'()*-_.b")).toBe('a%7E%21%27%28%29*-_.b');
  });

  it('matches wildcard and exact event types', () => {
    expect(eventTypeMatches('s3:ObjectCreated:*', 'ObjectCreated:CompleteMultipartUpload')).toBe(true);
    expect(eventTypeMatches('s3:ObjectCreated:*', 'ObjectRemoved:Delete')).toBe(false);
    expect(eventTypeMatches('s3:ObjectRemoved:Delete', 'ObjectRemoved:Delete')).toBe(true);
    expect(eventTypeMatches('s3:ObjectRemoved:Delete', 'ObjectRemoved:DeleteMarkerCreated')).toBe(false);
  });

  it('notifies each configuration whose events and key filters match, after publish returns', async () => {
    const clock = new ManualClock(Date.UTC(2026, 4, 1, 12));
    const notifier = new BucketNotifier({ region: 'eu-west-1', accountId: '123456789012', clock, log: silentLogger });
    const got: BucketNotification[] = [];
    notifier.subscribe((n) => got.push(n));
    const bucket = bucketWith([
      config({ id: 'pngs', prefix: 'uploads/', suffix: '.png' }),
      config({ id: 'deletes', events: ['s3:ObjectRemoved:*'], functionLogicalId: 'Other' }),
    ]);
    notifier.publish(
      bucket,
      [
        { eventName: 'ObjectCreated:Put', key: 'uploads/a.png', size: 3, etag: '"abc"' },
        { eventName: 'ObjectCreated:Put', key: 'uploads/a.jpg', size: 3, etag: '"abc"' },
        { eventName: 'ObjectCreated:Put', key: 'other/a.png', size: 3, etag: '"abc"' },
        { eventName: 'ObjectRemoved:Delete', key: 'other/a.png' },
      ],
      facts,
    );
    expect(got).toEqual([]); // never on the request's path
    await settle();
    expect(got.map((n) => [n.functionLogicalId, n.event.Records[0].s3.configurationId, n.event.Records[0].s3.object.key])).toEqual([
      ['Fn', 'pngs', 'uploads/a.png'],
      ['Other', 'deletes', 'other/a.png'],
    ]);
    const [put, del] = got.map((n) => n.event.Records[0]);
    expect(put).toMatchObject({
      awsRegion: 'eu-west-1',
      eventTime: '2026-05-01T12:00:00.000Z',
      userIdentity: { principalId: facts.principalId },
      responseElements: { 'x-amz-request-id': 'REQ', 'x-amz-id-2': 'ID2' },
      s3: { object: { size: 3, eTag: 'abc' } },
    });
    expect(del.s3.object).not.toHaveProperty('size');
    expect(del.s3.object).not.toHaveProperty('eTag');
    // Events in the same millisecond still get increasing sequencers.
    expect(del.s3.object.sequencer > put.s3.object.sequencer).toBe(true);
  });
});

describe('storage service: notifications after requests', () => {
  let h: StorageHarness;
  const got: BucketNotification[] = [];
  const ALICE = 'us-east-1:00000000-0000-4000-8000-00000000a11c';
  const BOB = 'us-east-1:00000000-0000-4000-8000-000000000b0b';

  beforeAll(async () => {
    h = await storageHarness(undefined, (model) => {
      model.storage!.buckets[0].notifications = [config({ events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'] })];
    });
    h.registry.get('storage.notifications').subscribe((n) => got.push(n));
  });

  it('sends ObjectCreated:Put for a stored object, with the response’s request ids and the caller', async () => {
    got.length = 0;
    const res = await h.send(h.user(ALICE), 'PUT', `/${h.bucket}/private/${ALICE}/n.txt`, { body: 'hello' });
    expect(res.status).toBe(200);
    await settle();
    expect(got).toHaveLength(1);
    const [r] = got[0].event.Records;
    expect(r.eventName).toBe('ObjectCreated:Put');
    expect(r.responseElements).toEqual({ 'x-amz-request-id': res.headers.get('x-amz-request-id'), 'x-amz-id-2': res.headers.get('x-amz-id-2') });
    expect(r.userIdentity.principalId).toMatch(/^AWS:AROA[0-9A-Z]{17}:CognitoIdentityCredentials$/);
    // The identity id's ':' is form-URL-encoded in the event's key.
    expect(r.s3.object).toMatchObject({ key: `private/${s3EventKey(ALICE)}/n.txt`, size: 5 });
    expect(s3EventKey(ALICE)).toBe(ALICE.replace(':', '%3A'));
  });

  it('sends nothing for a refused request', async () => {
    got.length = 0;
    const res = await h.send(h.user(BOB), 'PUT', `/${h.bucket}/private/${ALICE}/n.txt`, { body: 'defaced' });
    expect(res.status).toBe(403);
    await settle();
    expect(got).toEqual([]);
  });

  it('reports deletes in a versioned bucket as delete markers, and only the keys a batch deleted', async () => {
    expect(h.model.storage!.buckets[0].versioned).toBe(true);
    got.length = 0;
    expect((await h.send(h.user(ALICE), 'DELETE', `/${h.bucket}/private/${ALICE}/n.txt`)).status).toBe(204);
    const body = `<Delete><Object><Key>private/${ALICE}/a</Key></Object><Object><Key>private/${BOB}/b</Key></Object></Delete>`;
    expect((await h.send(h.user(ALICE), 'POST', `/${h.bucket}?delete=`, { body })).status).toBe(200);
    await settle();
    expect(got.map((n) => [n.event.Records[0].eventName, n.event.Records[0].s3.object.key])).toEqual([
      ['ObjectRemoved:DeleteMarkerCreated', `private/${s3EventKey(ALICE)}/n.txt`],
      ['ObjectRemoved:DeleteMarkerCreated', `private/${s3EventKey(ALICE)}/a`],
    ]);
  });
});
