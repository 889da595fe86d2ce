import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { storageHarness, type StorageHarness } from './harness.js';

const ALICE = 'us-east-1:00000000-0000-4000-8000-00000000a11c';
const BOB = 'us-east-1:00000000-0000-4000-8000-000000000b0b';

let h: StorageHarness;
beforeAll(async () => {
  h = await storageHarness();
});

const obj = (p: string) => `/${h.bucket}/${p}`;
const codeOf = async (res: Response) => /<Code>([^<]+)<\/Code>/.exec(await res.text())?.[1];

describe('S3 objects under the synthesized storage rules', () => {
  it('lets an identity write and read back its own private object with type, metadata and ETag', async () => {
    const alice = h.user(ALICE);
    const body = 'hello from alice';
    const put = await h.send(alice, 'PUT', obj(`private/${ALICE}/note.txt`), {
      body,
      headers: { 'content-type': 'text/plain', 'x-amz-meta-mood': 'happy' },
    });
    expect(put.status).toBe(200);
    expect(put.headers.get('etag')).toBe(`"${createHash('md5').update(body).digest('hex')}"`);
    const get = await h.send(alice, 'GET', obj(`private/${ALICE}/note.txt`));
    expect(get.status).toBe(200);
    expect(get.headers.get('content-type')).toBe('text/plain');
    expect(get.headers.get('x-amz-meta-mood')).toBe('happy');
    expect(await get.text()).toBe(body);
  });

  it("refuses another identity reading, overwriting or deleting an identity's private object", async () => {
    const alice = h.user(ALICE);
    const bob = h.user(BOB);
    await h.send(alice, 'PUT', obj(`private/${ALICE}/secret.txt`), { body: 'mine' });
    for (const [method, body] of [['GET'], ['PUT', 'overwrite'], ['DELETE']] as const) {
      const res = await h.send(bob, method, obj(`private/${ALICE}/secret.txt`), body ? { body } : {});
      expect(res.status, method).toBe(403);
      expect(await codeOf(res)).toBe('AccessDenied');
    }
    expect(await (await h.send(alice, 'GET', obj(`private/${ALICE}/secret.txt`))).text()).toBe('mine');
  });

  it("lets any signed-in identity read media but write only under its own id", async () => {
    const alice = h.user(ALICE);
    const bob = h.user(BOB);
    expect((await h.send(alice, 'PUT', obj(`media/${ALICE}/pic.png`), { body: 'png' })).status).toBe(200);
    expect((await h.send(bob, 'GET', obj(`media/${ALICE}/pic.png`))).status).toBe(200);
    const write = await h.send(bob, 'PUT', obj(`media/${ALICE}/pic.png`), { body: 'defaced' });
    expect(write.status).toBe(403);
    const del = await h.send(bob, 'DELETE', obj(`media/${ALICE}/pic.png`));
    expect(del.status).toBe(403);
    expect(await (await h.send(alice, 'GET', obj(`media/${ALICE}/pic.png`))).text()).toBe('png');
  });

  it('refuses guests, which the rules give no storage access', async () => {
    const guest = h.guest('us-east-1:00000000-0000-4000-8000-0000000006e5');
    expect((await h.send(guest, 'GET', obj(`media/${ALICE}/pic.png`))).status).toBe(403);
  });

  it('serves byte ranges and rejects unsatisfiable ones', async () => {
    const alice = h.user(ALICE);
    await h.send(alice, 'PUT', obj(`private/${ALICE}/digits`), { body: '0123456789' });
    const part = await h.send(alice, 'GET', obj(`private/${ALICE}/digits`), { headers: { range: 'bytes=2-5' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 2-5/10');
    expect(await part.text()).toBe('2345');
    const suffix = await h.send(alice, 'GET', obj(`private/${ALICE}/digits`), { headers: { range: 'bytes=-3' } });
    expect(await suffix.text()).toBe('789');
    const bad = await h.send(alice, 'GET', obj(`private/${ALICE}/digits`), { headers: { range: 'bytes=20-30' } });
    expect(bad.status).toBe(416);
    expect(await codeOf(bad)).toBe('InvalidRange');
  });

  it('answers NoSuchKey for a missing key the caller may list, and HEAD without a body', async () => {
    const alice = h.user(ALICE);
    const res = await h.send(alice, 'GET', obj(`private/${ALICE}/absent`));
    expect(res.status).toBe(404);
    expect(await codeOf(res)).toBe('NoSuchKey');
    const head = await h.send(alice, 'HEAD', obj(`private/${ALICE}/absent`));
    expect(head.status).toBe(404);
    expect(await head.text()).toBe('');
  });

  it('lists with prefix, delimiter and continuation, and refuses listing another identity', async () => {
    const alice = h.user(ALICE);
    for (const k of ['list/a/1', 'list/a/2', 'list/b/1', 'list/c', 'list/d']) {
      await h.send(alice, 'PUT', obj(`private/${ALICE}/${k}`), { body: k });
    }
    const prefix = `private/${ALICE}/list/`;
    const grouped = await h.send(alice, 'GET', `/${h.bucket}?list-type=2&prefix=${encodeURIComponent(prefix)}&delimiter=%2F`);
    const text = await grouped.text();
    expect(grouped.status).toBe(200);
    expect([...text.matchAll(/<Prefix>([^<]+)<\/Prefix><\/CommonPrefixes>/g)].map((m) => m[1])).toEqual([`${prefix}a/`, `${prefix}b/`]);
    expect([...text.matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1])).toEqual([`${prefix}c`, `${prefix}d`]);

    const seen: string[] = [];
    let token: string | undefined;
    do {
      const res = await h.send(alice, 'GET', `/${h.bucket}?list-type=2&max-keys=2&prefix=${encodeURIComponent(prefix)}${token ? `&continuation-token=${encodeURIComponent(token)}` : ''}`);
      const page = await res.text();
      seen.push(...[...page.matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1].slice(prefix.length)));
      token = /<NextContinuationToken>([^<]+)</.exec(page)?.[1];
    } while (token);
    expect(seen).toEqual(['a/1', 'a/2', 'b/1', 'c', 'd']);

    const bob = h.user(BOB);
    const denied = await h.send(bob, 'GET', `/${h.bucket}?list-type=2&prefix=${encodeURIComponent(prefix)}`);
    expect(denied.status).toBe(403);
  });

  it('deletes several objects at once, reporting each key it may not delete', async () => {
    const alice = h.user(ALICE);
    const bob = h.user(BOB);
    await h.send(alice, 'PUT', obj(`private/${ALICE}/batch1`), { body: '1' });
    await h.send(bob, 'PUT', obj(`private/${BOB}/batch2`), { body: '2' });
    const body = `<Delete><Object><Key>private/${ALICE}/batch1</Key></Object><Object><Key>private/${BOB}/batch2</Key></Object></Delete>`;
    const res = await h.send(alice, 'POST', `/${h.bucket}?delete=`, {
      body,
      headers: { 'content-md5': createHash('md5').update(body).digest('base64'), 'content-type': 'application/xml' },
    });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).toContain(`<Deleted><Key>private/${ALICE}/batch1</Key></Deleted>`);
    expect(text).toContain(`<Error><Key>private/${BOB}/batch2</Key><Code>AccessDenied</Code>`);
    expect((await h.send(bob, 'GET', obj(`private/${BOB}/batch2`))).status).toBe(200);
  });

  it('rejects malformed XML in a batch delete', async () => {
    const res = await h.send(h.user(ALICE), 'POST', `/${h.bucket}?delete=`, { body: '<Delete><Object>' });
    expect(res.status).toBe(400);
    expect(await codeOf(res)).toBe('MalformedXML');
  });

  it('answers InvalidURI for a path whose percent-encoding does not decode', async () => {
    const res = await h.send(null, 'GET', obj(`media/${ALICE}/bad%E0%A4`));
    expect(res.status).toBe(400);
    expect(await codeOf(res)).toBe('InvalidURI');
  });

  it('copies an object the caller may read to a key it may write', async () => {
    const alice = h.user(ALICE);
    await h.send(alice, 'PUT', obj(`private/${ALICE}/orig`), { body: 'copy me', headers: { 'content-type': 'text/plain' } });
    const res = await h.send(alice, 'PUT', obj(`media/${ALICE}/copy`), { headers: { 'x-amz-copy-source': `/${h.bucket}/private/${ALICE}/orig` } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<CopyObjectResult');
    expect(await (await h.send(alice, 'GET', obj(`media/${ALICE}/copy`))).text()).toBe('copy me');
    const bob = h.user(BOB);
    const stolen = await h.send(bob, 'PUT', obj(`media/${BOB}/stolen`), { headers: { 'x-amz-copy-source': `/${h.bucket}/private/${ALICE}/orig` } });
    expect(stolen.status).toBe(403);
  });
});

describe('S3 integrity checks', () => {
  it('rejects a body whose Content-MD5 does not match and stores nothing', async () => {
    const alice = h.user(ALICE);
    const res = await h.send(alice, 'PUT', obj(`private/${ALICE}/md5`), {
      body: 'actual',
      headers: { 'content-md5': createHash('md5').update('other').digest('base64') },
    });
    expect(res.status).toBe(400);
    expect(await codeOf(res)).toBe('BadDigest');
    expect((await h.send(alice, 'GET', obj(`private/${ALICE}/md5`))).status).toBe(404);
  });

  it('rejects a body that does not match its signed x-amz-content-sha256', async () => {
    const alice = h.user(ALICE);
    const res = await h.send(alice, 'PUT', obj(`private/${ALICE}/sha`), {
      body: 'actual',
      headers: { 'x-amz-content-sha256': createHash('sha256').update('other').digest('hex') },
    });
    expect(res.status).toBe(400);
    expect(await codeOf(res)).toBe('XAmzContentSHA256Mismatch');
    expect((await h.send(alice, 'GET', obj(`private/${ALICE}/sha`))).status).toBe(404);
  });

  it('verifies a CRC32 checksum the client sends', async () => {
    const alice = h.user(ALICE);
    const { crc32 } = await import('node:zlib');
    const b = Buffer.alloc(4);
    b.writeUInt32BE(crc32('payload') >>> 0);
    const ok = await h.send(alice, 'PUT', obj(`private/${ALICE}/crc`), { body: 'payload', headers: { 'x-amz-checksum-crc32': b.toString('base64') } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-amz-checksum-crc32')).toBe(b.toString('base64'));
    const bad = await h.send(alice, 'PUT', obj(`private/${ALICE}/crc2`), { body: 'payload', headers: { 'x-amz-checksum-crc32': 'AAAAAA==' } });
    expect(bad.status).toBe(400);
    expect(await codeOf(bad)).toBe('BadDigest');
  });
});

describe('S3 signatures', () => {
  it('refuses an unsigned request', async () => {
    const res = await h.send(null, 'GET', obj(`media/${ALICE}/pic.png`));
    expect(res.status).toBe(403);
    expect(await codeOf(res)).toBe('AccessDenied');
  });

  it('refuses a request signed with the wrong secret', async () => {
    const alice = h.user(ALICE);
    const forged = { ...alice, secretAccessKey: 'not-the-secret' };
    const res = await h.send(forged, 'GET', obj(`private/${ALICE}/note.txt`));
    expect(res.status).toBe(403);
    expect(await codeOf(res)).toBe('SignatureDoesNotMatch');
  });

  it('refuses an access key nobody issued', async () => {
    const res = await h.send({ ...h.user(ALICE), accessKeyId: 'ASIANOBODYISSUEDTHIS' }, 'GET', obj(`private/${ALICE}/note.txt`));
    expect(res.status).toBe(403);
    expect(await codeOf(res)).toBe('InvalidAccessKeyId');
  });

  it('refuses expired credentials', async () => {
    const expired = h.creds.add({ ...h.user(ALICE), expiration: Date.now() - 1000 });
    const res = await h.send(expired, 'GET', obj(`private/${ALICE}/note.txt`));
    expect(res.status).toBe(400);
    expect(await codeOf(res)).toBe('ExpiredToken');
  });

  it('serves a presigned GET and refuses it once tampered', async () => {
    const alice = h.user(ALICE);
    await h.send(alice, 'PUT', obj(`private/${ALICE}/shared.txt`), { body: 'presigned' });
    const url = await h.presign(alice, 'GET', obj(`private/${ALICE}/shared.txt`), 60);
    const ok = await h.service.fetch(new Request(url));
    expect(ok.status, await ok.clone().text()).toBe(200);
    expect(await ok.text()).toBe('presigned');
    const tampered = url.replace(/X-Amz-Signature=([0-9a-f])/, (_m, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`);
    const bad = await h.service.fetch(new Request(tampered));
    expect(bad.status).toBe(403);
  });

  it('accepts a presigned PUT', async () => {
    const alice = h.user(ALICE);
    const url = await h.presign(alice, 'PUT', obj(`private/${ALICE}/uploaded-by-url`), 60);
    const put = await h.service.fetch(new Request(url, { method: 'PUT', body: 'via url' }));
    expect(put.status).toBe(200);
    expect(await (await h.send(alice, 'GET', obj(`private/${ALICE}/uploaded-by-url`))).text()).toBe('via url');
  });
});

describe('S3 multipart uploads', () => {
  const FIVE_MB = 5 * 1024 * 1024;

  async function start(key: string) {
    const res = await h.send(h.user(ALICE), 'POST', `${obj(key)}?uploads=`, { headers: { 'content-type': 'image/png' } });
    expect(res.status).toBe(200);
    return /<UploadId>([^<]+)</.exec(await res.text())![1];
  }

  it('assembles parts into one object with a multipart ETag', async () => {
    const alice = h.user(ALICE);
    const key = `media/${ALICE}/big.bin`;
    const id = await start(key);
    const p1 = Buffer.alloc(FIVE_MB, 1);
    const p2 = Buffer.from('tail');
    const e1 = (await h.send(alice, 'PUT', `${obj(key)}?partNumber=1&uploadId=${id}`, { body: p1 })).headers.get('etag');
    const e2 = (await h.send(alice, 'PUT', `${obj(key)}?partNumber=2&uploadId=${id}`, { body: p2 })).headers.get('etag');
    const parts = await (await h.send(alice, 'GET', `${obj(key)}?uploadId=${id}`)).text();
    expect([...parts.matchAll(/<PartNumber>(\d+)</g)].map((m) => m[1])).toEqual(['1', '2']);
    const done = await h.send(alice, 'POST', `${obj(key)}?uploadId=${id}`, {
      body: `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${e1}</ETag></Part><Part><PartNumber>2</PartNumber><ETag>${e2}</ETag></Part></CompleteMultipartUpload>`,
    });
    expect(done.status).toBe(200);
    const expected = createHash('md5')
      .update(Buffer.concat([createHash('md5').update(p1).digest(), createHash('md5').update(p2).digest()]))
      .digest('hex');
    expect(await done.text()).toContain(`<ETag>&quot;${expected}-2&quot;</ETag>`);
    const head = await h.send(alice, 'HEAD', obj(key));
    expect(head.headers.get('content-length')).toBe(String(FIVE_MB + 4));
    expect(head.headers.get('content-type')).toBe('image/png');
    const tail = await h.send(alice, 'GET', obj(key), { headers: { range: `bytes=${FIVE_MB}-` } });
    expect(await tail.text()).toBe('tail');
  });

  it('refuses parts smaller than 5 MB before the last, and unknown part ETags, keeping the upload', async () => {
    const alice = h.user(ALICE);
    const key = `media/${ALICE}/small-parts.bin`;
    const id = await start(key);
    const e1 = (await h.send(alice, 'PUT', `${obj(key)}?partNumber=1&uploadId=${id}`, { body: 'a' })).headers.get('etag');
    const e2 = (await h.send(alice, 'PUT', `${obj(key)}?partNumber=2&uploadId=${id}`, { body: 'b' })).headers.get('etag');
    const small = await h.send(alice, 'POST', `${obj(key)}?uploadId=${id}`, {
      body: `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${e1}</ETag></Part><Part><PartNumber>2</PartNumber><ETag>${e2}</ETag></Part></CompleteMultipartUpload>`,
    });
    expect(await codeOf(small)).toBe('EntityTooSmall');
    const wrong = await h.send(alice, 'POST', `${obj(key)}?uploadId=${id}`, {
      body: `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"deadbeef"</ETag></Part></CompleteMultipartUpload>`,
    });
    expect(await codeOf(wrong)).toBe('InvalidPart');
    expect((await h.send(alice, 'HEAD', obj(key))).status).toBe(404);
  });

  it('aborts an upload, leaving nothing behind', async () => {
    const alice = h.user(ALICE);
    const key = `media/${ALICE}/aborted.bin`;
    const id = await start(key);
    await h.send(alice, 'PUT', `${obj(key)}?partNumber=1&uploadId=${id}`, { body: 'x' });
    expect((await h.send(alice, 'DELETE', `${obj(key)}?uploadId=${id}`)).status).toBe(204);
    const after = await h.send(alice, 'PUT', `${obj(key)}?partNumber=2&uploadId=${id}`, { body: 'y' });
    expect(await codeOf(after)).toBe('NoSuchUpload');
    expect((await h.send(alice, 'HEAD', obj(key))).status).toBe(404);
  });

  it("refuses another identity's parts into an upload under someone else's path", async () => {
    const key = `media/${ALICE}/hijack.bin`;
    const id = await start(key);
    const res = await h.send(h.user(BOB), 'PUT', `${obj(key)}?partNumber=1&uploadId=${id}`, { body: 'evil' });
    expect(res.status).toBe(403);
  });
});

describe('S3 persistence', () => {
  it('keeps objects across a restart on the same data dir', async () => {
    const alice = h.user(ALICE);
    await h.send(alice, 'PUT', obj(`private/${ALICE}/durable`), { body: 'still here' });
    const again = await storageHarness(h.dataDir);
    const a2 = again.user(ALICE);
    expect(await (await again.send(a2, 'GET', obj(`private/${ALICE}/durable`))).text()).toBe('still here');
  });
});
