import { crc32 as zlibCrc32 } from 'node:zlib';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CreateMultipartUploadCommand, ListObjectsV2Command, PutObjectCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { presignUrl, signRequest } from '@aws-amplify/core/internals/aws-client-utils';
import { ManualClock } from '../../../src/local/core/clock.js';
import type { CredentialStore, IssuedCredentials } from '../../../src/local/core/registry.js';
import { SigV4Error } from '../../../src/local/core/sigv4_errors.js';
import { verifySigV4, type VerifySigV4Options } from '../../../src/local/core/sigv4_verify.js';

/** Base64 of the big-endian CRC32, as `x-amz-checksum-crc32` carries it. */
function crc32Of(text: string): string {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(zlibCrc32(text) >>> 0);
  return b.toString('base64');
}
import { s3KeyPath, signForTest, type TestCredentials } from '../../helpers/sigv4.js';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const ENDPOINT = 'https://127.0.0.1:20002';
const BUCKET = 'media.amplify-local-0001';

const userCreds: IssuedCredentials = {
  accessKeyId: 'ASIAABCDEFGHIJKLMNOP',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  sessionToken: 'session-token-for-alice',
  expiration: NOW + 3600_000,
  roleArn: 'arn:aws:iam::123456789012:role/authRole',
  identityId: 'us-east-1:11111111-2222-3333-4444-555555555555',
  identityPoolId: 'us-east-1:pool',
  kind: 'authenticated',
  userSub: 'sub-alice',
  username: 'alice',
};
const expiredCreds: IssuedCredentials = {
  ...userCreds,
  accessKeyId: 'ASIAEXPIREDEXPIRED00',
  secretAccessKey: 'expired-secret',
  sessionToken: 'expired-token',
  expiration: NOW - 1000,
};

const signing: TestCredentials = { accessKeyId: userCreds.accessKeyId, secretAccessKey: userCreds.secretAccessKey, sessionToken: userCreds.sessionToken };

function store(...creds: IssuedCredentials[]): CredentialStore {
  const byId = new Map(creds.map((c) => [c.accessKeyId, c]));
  return {
    lookup: (id) => byId.get(id),
    issueForRole: () => {
      throw new Error('not used here');
    },
  };
}

function opts(service: string, extra: Partial<VerifySigV4Options> = {}): VerifySigV4Options {
  return { service, region: 'us-east-1', credentials: store(userCreds, expiredCreds), clock: new ManualClock(NOW), ...extra };
}

async function rejection(p: Promise<unknown>): Promise<SigV4Error> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SigV4Error);
  return err as SigV4Error;
}

/** A copy of `req` with one header replaced (after signing). */
function withHeader(req: Request, name: string, value: string | null): Request {
  const headers = new Headers(req.headers);
  if (value === null) headers.delete(name);
  else headers.set(name, value);
  return new Request(req.url, { method: req.method, headers, body: req.body, duplex: 'half' } as RequestInit);
}

/** What a verified request resolves to: the credentials (and identity) it was signed with. */
const VERIFIED_AS_ALICE = { credentials: { accessKeyId: userCreds.accessKeyId, identityId: userCreds.identityId, roleArn: userCreds.roleArn } };

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('verifySigV4: header form (signed by @smithy/signature-v4)', () => {
  it('accepts an S3 GET and returns who signed it', async () => {
    const req = await signForTest({ url: `${ENDPOINT}${s3KeyPath(BUCKET, 'public/a.txt')}`, credentials: signing, service: 's3', signingDate: new Date(NOW) });
    const { credentials, form, payloadHash } = await verifySigV4(req, opts('s3'));
    expect(credentials.identityId).toBe(userCreds.identityId);
    expect(credentials.userSub).toBe('sub-alice');
    expect(form).toBe('header');
    expect(payloadHash).toBe(sha256(''));
  });

  it('accepts an S3 PUT whose body matches x-amz-content-sha256', async () => {
    const body = 'hello world';
    const req = await signForTest({
      url: `${ENDPOINT}${s3KeyPath(BUCKET, 'public/a.txt')}?x-id=PutObject`,
      method: 'PUT',
      headers: { 'content-type': 'text/plain', 'content-length': String(body.length) },
      body,
      credentials: signing,
      service: 's3',
      signingDate: new Date(NOW),
    });
    await expect(verifySigV4(req, opts('s3', { body }))).resolves.toMatchObject({ payloadHash: sha256(body) });
    // Without the body the declared hash is trusted (storage checks the stream itself).
    await expect(verifySigV4(req, opts('s3'))).resolves.toMatchObject({ payloadHash: sha256(body) });
  });

  it('rejects an S3 PUT whose body differs from the signed hash with XAmzContentSHA256Mismatch', async () => {
    const req = await signForTest({
      url: `${ENDPOINT}${s3KeyPath(BUCKET, 'public/a.txt')}`,
      method: 'PUT',
      body: 'original',
      credentials: signing,
      service: 's3',
      signingDate: new Date(NOW),
    });
    const err = await rejection(verifySigV4(req, opts('s3', { body: 'tampered' })));
    expect(err.code).toBe('XAmzContentSHA256Mismatch');
    expect(err.s3).toEqual({ status: 400, code: 'XAmzContentSHA256Mismatch' });
  });

  it('accepts S3 keys with spaces, unicode and plus signs without re-encoding the path', async () => {
    for (const key of ['photos/my file+1 €.jpg', 'a/ü/ñ (copy)!.png', "it's/*star*/~tilde"]) {
      const req = await signForTest({ url: `${ENDPOINT}${s3KeyPath(BUCKET, key)}`, credentials: signing, service: 's3', signingDate: new Date(NOW) });
      await expect(verifySigV4(req, opts('s3'))).resolves.toMatchObject(VERIFIED_AS_ALICE);
    }
  });

  it('double-encodes the path for services other than S3', async () => {
    const url = `${ENDPOINT}/2015-03-31/functions/my%20fn%3A1/invocations`;
    const req = await signForTest({ url, method: 'POST', body: '{}', credentials: signing, service: 'lambda', signingDate: new Date(NOW) });
    await expect(verifySigV4(req, opts('lambda'))).resolves.toMatchObject(VERIFIED_AS_ALICE);
    // The same path signed without the second encoding (S3 style) does not verify for lambda.
    const s3Style = await signForTest({ url, method: 'POST', body: '{}', credentials: signing, service: 'lambda', uriEscapePath: false, signingDate: new Date(NOW) });
    expect((await rejection(verifySigV4(s3Style, opts('lambda')))).code).toBe('SignatureDoesNotMatch');
  });

  it('accepts a JSON POST (kinesis) and reads the body from a clone, leaving it readable', async () => {
    const body = JSON.stringify({ StreamName: 's', Records: [{ Data: 'eA==', PartitionKey: 'p' }] });
    const req = await signForTest({
      url: `${ENDPOINT}/`,
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Kinesis_20131202.PutRecords' },
      body,
      credentials: signing,
      service: 'kinesis',
      signingDate: new Date(NOW),
    });
    await expect(verifySigV4(req, opts('kinesis'))).resolves.toMatchObject(VERIFIED_AS_ALICE);
    expect(await req.text()).toBe(body);
  });

  it('rejects a JSON POST whose body was changed after signing', async () => {
    const req = await signForTest({ url: `${ENDPOINT}/`, method: 'POST', body: '{"a":1}', credentials: signing, service: 'kinesis', signingDate: new Date(NOW) });
    expect((await rejection(verifySigV4(req, opts('kinesis', { body: '{"a":2}' })))).code).toBe('SignatureDoesNotMatch');
  });

  it('sorts and encodes the canonical query string like the SDK', async () => {
    const url = `${ENDPOINT}/${BUCKET}/?prefix=a%20b%2Fc&list-type=2&delimiter=%2F&continuation-token=x%2By%3D&z=2&z=1&empty=`;
    const req = await signForTest({ url, credentials: signing, service: 's3', signingDate: new Date(NOW) });
    await expect(verifySigV4(req, opts('s3'))).resolves.toMatchObject(VERIFIED_AS_ALICE);
  });

  it('rejects a query parameter changed after signing', async () => {
    const req = await signForTest({ url: `${ENDPOINT}/${BUCKET}/?list-type=2&prefix=public%2F`, credentials: signing, service: 's3', signingDate: new Date(NOW) });
    const tampered = new Request(req.url.replace('prefix=public%2F', 'prefix=private%2F'), { headers: req.headers });
    expect((await rejection(verifySigV4(tampered, opts('s3')))).code).toBe('SignatureDoesNotMatch');
  });

  it('trims and collapses whitespace in header values', async () => {
    const req = await signForTest({
      url: `${ENDPOINT}${s3KeyPath(BUCKET, 'k')}`,
      headers: { 'x-amz-meta-note': '  two   spaces\tand tab  ' },
      credentials: signing,
      service: 's3',
      signingDate: new Date(NOW),
    });
    await expect(verifySigV4(req, opts('s3'))).resolves.toMatchObject(VERIFIED_AS_ALICE);
  });

  it('accepts a header sent twice when the signer joined its values with a comma', async () => {
    const signed = await signForTest({
      url: `${ENDPOINT}${s3KeyPath(BUCKET, 'k')}`,
      headers: { 'x-amz-meta-tag': 'a,b' },
      credentials: signing,
      service: 's3',
      signingDate: new Date(NOW),
    });
    const headers = new Headers(signed.headers);
    headers.delete('x-amz-meta-tag');
    headers.append('x-amz-meta-tag', 'a');
    headers.append('x-amz-meta-tag', 'b');
    await expect(verifySigV4(new Request(signed.url, { headers }), opts('s3'))).resolves.toMatchObject(VERIFIED_AS_ALICE);
  });

  it('uses the Host header, not the URL the server rebuilt', async () => {
    const req = await signForTest({ url: `https://localhost:20002${s3KeyPath(BUCKET, 'k')}`, credentials: signing, service: 's3', signingDate: new Date(NOW) });
    const behindServer = new Request(`${ENDPOINT}${new URL(req.url).pathname}`, { headers: req.headers });
    expect(behindServer.headers.get('host')).toBe('localhost:20002');
    await expect(verifySigV4(behindServer, opts('s3'))).resolves.toMatchObject(VERIFIED_AS_ALICE);
    const otherHost = withHeader(behindServer, 'host', 'evil.example:443');
    expect((await rejection(verifySigV4(otherHost, opts('s3')))).code).toBe('SignatureDoesNotMatch');
  });
});

describe('verifySigV4: what real clients send', () => {
  async function captureS3(send: (client: S3Client) => Promise<unknown>): Promise<Request> {
    let captured: Request | undefined;
    const client = new S3Client({
      region: 'us-east-1',
      endpoint: ENDPOINT,
      credentials: signing,
      maxAttempts: 1,
      systemClockOffset: NOW - Date.now(),
      requestHandler: {
        handle: async (r: { method: string; path: string; query?: Record<string, string | string[]>; headers: Record<string, string>; body?: unknown }) => {
          let body: Uint8Array | undefined;
          if (typeof r.body === 'string') body = Buffer.from(r.body);
          else if (r.body instanceof Uint8Array) body = r.body;
          else if (r.body && typeof (r.body as Readable).pipe === 'function') {
            const chunks: Buffer[] = [];
            for await (const c of r.body as Readable) chunks.push(Buffer.from(c as Uint8Array));
            body = Buffer.concat(chunks);
          }
          const qs = new URLSearchParams();
          for (const [k, v] of Object.entries(r.query ?? {})) for (const one of Array.isArray(v) ? v : [v]) qs.append(k, one);
          const search = qs.toString().replace(/\+/g, '%20');
          captured = new Request(`${ENDPOINT}${r.path}${search ? `?${search}` : ''}`, { method: r.method, headers: r.headers, body });
          return { response: { statusCode: 200, headers: {}, body: Readable.from([Buffer.from('<?xml version="1.0"?><R></R>')]) } };
        },
      } as never,
    });
    await send(client).catch(() => undefined);
    client.destroy();
    if (!captured) throw new Error('no request captured');
    return captured;
  }

  it('accepts @aws-sdk/client-s3 PutObject with a CRC32 checksum and a unicode key', async () => {
    const req = await captureS3((c) => c.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'photos/my file+1 €.jpg', Body: 'hello', ContentType: 'text/plain' })));
    expect(req.headers.get('x-amz-checksum-crc32')).toBe(crc32Of('hello'));
    await expect(verifySigV4(req, opts('s3', { body: 'hello', allowUnsignedPayload: true }))).resolves.toMatchObject(VERIFIED_AS_ALICE);
  });

  it('accepts @aws-sdk/client-s3 streaming PutObject (STREAMING-UNSIGNED-PAYLOAD-TRAILER, aws-chunked)', async () => {
    const req = await captureS3((c) =>
      c.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'a/stream.bin', Body: Readable.from([Buffer.from('abc'), Buffer.from('def')]), ContentLength: 6 })),
    );
    expect(req.headers.get('x-amz-content-sha256')).toBe('STREAMING-UNSIGNED-PAYLOAD-TRAILER');
    expect(req.headers.get('content-encoding')).toBe('aws-chunked');
    await expect(verifySigV4(req, opts('s3', { allowUnsignedPayload: true }))).resolves.toMatchObject({
      payloadHash: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
    });
    // Services that need a signed payload refuse the marker.
    expect((await rejection(verifySigV4(req, opts('s3')))).code).toBe('SignatureDoesNotMatch');
  });

  it('accepts @aws-sdk/client-s3 UploadPart, CreateMultipartUpload (?uploads) and ListObjectsV2', async () => {
    const part = await captureS3((c) => c.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'a/b', UploadId: 'u 1', PartNumber: 2, Body: Buffer.from('part') })));
    await expect(verifySigV4(part, opts('s3', { body: Buffer.from('part') }))).resolves.toMatchObject(VERIFIED_AS_ALICE);
    const create = await captureS3((c) => c.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'a/b' })));
    expect(new URL(create.url).search).toContain('uploads');
    await expect(verifySigV4(create, opts('s3'))).resolves.toMatchObject(VERIFIED_AS_ALICE);
    const list = await captureS3((c) => c.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'a b/+c' })));
    await expect(verifySigV4(list, opts('s3'))).resolves.toMatchObject(VERIFIED_AS_ALICE);
  });

  it("accepts aws-amplify's S3 signer (every header signed, UNSIGNED-PAYLOAD for Blob bodies)", async () => {
    const url = new URL(`${ENDPOINT}${s3KeyPath(BUCKET, 'protected/us-east-1:abc/my photo+1.jpg')}?x-id=PutObject`);
    const signed = signRequest(
      {
        method: 'PUT',
        url,
        headers: {
          'content-type': 'image/jpeg',
          'x-amz-meta-album': 'summer',
          'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
          'x-amz-user-agent': 'aws-amplify/6.22.1 storage/1 framework/0',
          'amz-sdk-request': 'attempt=1; max=3',
        },
        body: 'UNSIGNED-PAYLOAD',
      },
      { credentials: signing, signingDate: new Date(NOW), signingRegion: 'us-east-1', signingService: 's3', uriEscapePath: false },
    );
    const req = new Request(url, { method: 'PUT', headers: signed.headers, body: 'jpeg bytes' });
    await expect(verifySigV4(req, opts('s3', { allowUnsignedPayload: true }))).resolves.toMatchObject(VERIFIED_AS_ALICE);
  });

  it("accepts aws-amplify's IAM GraphQL signer (service appsync, no x-amz-content-sha256 header)", async () => {
    const url = new URL(`${ENDPOINT}/graphql`);
    const body = JSON.stringify({ query: '{ listPosts { items { id } } }' });
    const signed = signRequest(
      { method: 'POST', url, headers: { 'content-type': 'application/json; charset=UTF-8', 'x-amz-user-agent': 'aws-amplify/6' }, body },
      { credentials: signing, signingDate: new Date(NOW), signingRegion: 'us-east-1', signingService: 'appsync' },
    );
    expect(Object.keys(signed.headers)).not.toContain('x-amz-content-sha256');
    const req = new Request(url, { method: 'POST', headers: signed.headers, body });
    await expect(verifySigV4(req, opts('appsync', { body }))).resolves.toMatchObject(VERIFIED_AS_ALICE);
    expect((await rejection(verifySigV4(req, opts('appsync', { body: body.replace('id', 'owner') })))).code).toBe('SignatureDoesNotMatch');
  });
});

describe('verifySigV4: presigned (query) form', () => {
  it("accepts aws-amplify's presigned getUrl (UNSIGNED-PAYLOAD, host only)", async () => {
    const url = presignUrl(
      { method: 'GET', url: new URL(`${ENDPOINT}${s3KeyPath(BUCKET, 'public/a b+€.txt')}`), body: 'UNSIGNED-PAYLOAD' },
      { credentials: signing, signingDate: new Date(NOW), signingRegion: 'us-east-1', signingService: 's3', uriEscapePath: false, expiration: 900 },
    );
    const { form, payloadHash } = await verifySigV4(new Request(url), opts('s3'));
    expect(form).toBe('query');
    expect(payloadHash).toBe('UNSIGNED-PAYLOAD');
  });

  it('accepts a URL presigned by @smithy/signature-v4 the way the S3 presigner does', async () => {
    const req = await signForTest({
      url: `${ENDPOINT}${s3KeyPath(BUCKET, 'public/report 1.pdf')}?x-id=GetObject`,
      headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      credentials: signing,
      service: 's3',
      signingDate: new Date(NOW),
      presignExpiresIn: 3600,
    });
    expect(req.headers.get('authorization')).toBeNull();
    await expect(verifySigV4(req, opts('s3'))).resolves.toMatchObject({ form: 'query' });
  });

  it('rejects an expired presigned URL with AccessDenied "Request has expired"', async () => {
    const req = await signForTest({
      url: `${ENDPOINT}${s3KeyPath(BUCKET, 'k')}`,
      headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      credentials: signing,
      service: 's3',
      signingDate: new Date(NOW - 901_000),
      presignExpiresIn: 900,
    });
    const err = await rejection(verifySigV4(req, opts('s3')));
    expect(err.code).toBe('AccessDeniedExpired');
    expect(err.message).toBe('Request has expired');
    expect(err.s3).toEqual({ status: 403, code: 'AccessDenied' });
  });

  it('rejects X-Amz-Expires over seven days and a missing X-Amz-Expires', async () => {
    const good = await signForTest({
      url: `${ENDPOINT}${s3KeyPath(BUCKET, 'k')}`,
      credentials: signing,
      service: 's3',
      signingDate: new Date(NOW),
      presignExpiresIn: 60,
    });
    const tooLong = new Request(good.url.replace('X-Amz-Expires=60', 'X-Amz-Expires=604801'));
    const err = await rejection(verifySigV4(tooLong, opts('s3')));
    expect(err.code).toBe('AuthorizationQueryParametersError');
    expect(err.message).toContain('604800');
    const missing = new Request(good.url.replace('X-Amz-Expires=60&', '').replace('&X-Amz-Expires=60', ''));
    expect((await rejection(verifySigV4(missing, opts('s3')))).code).toBe('AuthorizationQueryParametersError');
  });

  it('rejects a presigned URL whose signature or token was altered', async () => {
    const req = await signForTest({ url: `${ENDPOINT}${s3KeyPath(BUCKET, 'k')}`, credentials: signing, service: 's3', signingDate: new Date(NOW), presignExpiresIn: 60 });
    const sig = new URL(req.url).searchParams.get('X-Amz-Signature')!;
    const flipped = new Request(req.url.replace(sig, sig.replace(/^./, sig[0] === '0' ? '1' : '0')));
    expect((await rejection(verifySigV4(flipped, opts('s3')))).code).toBe('SignatureDoesNotMatch');
    const otherKey = new Request(req.url.replace('/k?', '/other?'));
    expect((await rejection(verifySigV4(otherKey, opts('s3')))).code).toBe('SignatureDoesNotMatch');
    const url = new URL(req.url);
    url.searchParams.set('X-Amz-Security-Token', 'stolen');
    expect((await rejection(verifySigV4(new Request(url), opts('s3')))).code).toBe('InvalidToken');
  });
});

describe('verifySigV4: rejections', () => {
  const s3Get = (over: Partial<Parameters<typeof signForTest>[0]> = {}) =>
    signForTest({ url: `${ENDPOINT}${s3KeyPath(BUCKET, 'k')}`, credentials: signing, service: 's3', signingDate: new Date(NOW), ...over });

  it('rejects a wrong secret with SignatureDoesNotMatch and exposes the canonical request', async () => {
    const req = await s3Get({ credentials: { ...signing, secretAccessKey: 'not-the-secret' } });
    const err = await rejection(verifySigV4(req, opts('s3')));
    expect(err.code).toBe('SignatureDoesNotMatch');
    expect(err.message).toContain('does not match the signature you provided');
    expect(err.canonicalRequest).toContain(`/${BUCKET}/k`);
    expect(err.stringToSign?.startsWith('AWS4-HMAC-SHA256\n20260115T120000Z\n')).toBe(true);
  });

  it('rejects a signed header altered after signing', async () => {
    const req = await s3Get({ headers: { 'x-amz-meta-owner': 'alice' } });
    expect((await rejection(verifySigV4(withHeader(req, 'x-amz-meta-owner', 'mallory'), opts('s3')))).code).toBe('SignatureDoesNotMatch');
  });

  it('rejects an x-amz-content-sha256 altered after signing', async () => {
    const req = await s3Get();
    const altered = withHeader(req, 'x-amz-content-sha256', sha256('other'));
    expect((await rejection(verifySigV4(altered, opts('s3')))).code).toBe('SignatureDoesNotMatch');
  });

  it('rejects an x-amz-* header the signature does not cover (S3)', async () => {
    const req = await s3Get();
    const err = await rejection(verifySigV4(withHeader(req, 'x-amz-meta-extra', 'x'), opts('s3')));
    expect(err.code).toBe('HeadersNotSigned');
    expect(err.s3.code).toBe('AccessDenied');
  });

  it('rejects temporary credentials sent without their session token', async () => {
    const req = await s3Get();
    const err = await rejection(verifySigV4(withHeader(req, 'x-amz-security-token', null), opts('s3')));
    expect(err.code).toBe('InvalidToken');
    const jsonReq = await signForTest({ url: `${ENDPOINT}/`, method: 'POST', body: '{}', credentials: { ...signing, sessionToken: undefined }, service: 'kinesis', signingDate: new Date(NOW) });
    const jsonErr = await rejection(verifySigV4(jsonReq, opts('kinesis')));
    expect(jsonErr.code).toBe('InvalidToken');
    expect(jsonErr.json.type).toBe('UnrecognizedClientException');
  });

  it("rejects another credential's session token", async () => {
    const req = await s3Get({ credentials: { ...signing, sessionToken: expiredCreds.sessionToken } });
    expect((await rejection(verifySigV4(req, opts('s3')))).code).toBe('InvalidToken');
  });

  it('rejects expired credentials with ExpiredToken', async () => {
    const req = await s3Get({ credentials: { accessKeyId: expiredCreds.accessKeyId, secretAccessKey: expiredCreds.secretAccessKey, sessionToken: expiredCreds.sessionToken } });
    const err = await rejection(verifySigV4(req, opts('s3')));
    expect(err.code).toBe('ExpiredToken');
    expect(err.s3).toEqual({ status: 400, code: 'ExpiredToken' });
  });

  it('rejects credentials that expire while the request is in flight (clock-driven)', async () => {
    const req = await s3Get({ signingDate: new Date(NOW + 3599_000) });
    const clock = new ManualClock(NOW + 3600_000);
    expect((await rejection(verifySigV4(req, opts('s3', { clock })))).code).toBe('ExpiredToken');
  });

  it('rejects a request signed more than 15 minutes away from the server clock', async () => {
    const late = await s3Get({ signingDate: new Date(NOW - 16 * 60_000) });
    expect((await rejection(verifySigV4(late, opts('s3')))).code).toBe('RequestTimeTooSkewed');
    const early = await signForTest({ url: `${ENDPOINT}/`, method: 'POST', body: '{}', credentials: signing, service: 'kinesis', signingDate: new Date(NOW + 16 * 60_000) });
    const err = await rejection(verifySigV4(early, opts('kinesis')));
    expect(err.code).toBe('RequestTimeTooSkewed');
    expect(err.message).toMatch(/^Signature not yet current/);
    // 14 minutes is within tolerance.
    await expect(verifySigV4(await s3Get({ signingDate: new Date(NOW - 14 * 60_000) }), opts('s3'))).resolves.toMatchObject(VERIFIED_AS_ALICE);
  });

  it('rejects an unknown access key with InvalidAccessKeyId', async () => {
    const req = await s3Get({ credentials: { ...signing, accessKeyId: 'ASIAUNKNOWNUNKNOWN00' } });
    const err = await rejection(verifySigV4(req, opts('s3')));
    expect(err.code).toBe('InvalidAccessKeyId');
    expect(err.message).toBe('The AWS Access Key Id you provided does not exist in our records.');
  });

  it('rejects an unsigned request with MissingAuthenticationToken', async () => {
    const err = await rejection(verifySigV4(new Request(`${ENDPOINT}/${BUCKET}/k`), opts('kinesis')));
    expect(err.code).toBe('MissingAuthenticationToken');
    expect(err.json).toEqual({ status: 400, type: 'MissingAuthenticationTokenException' });
  });

  it('rejects malformed Authorization headers with IncompleteSignature', async () => {
    const date = { 'x-amz-date': '20260115T120000Z' };
    for (const authorization of [
      'Bearer eyJhbGciOi',
      'AWS4-HMAC-SHA256 Credential=ASIAABCDEFGHIJKLMNOP/20260115/us-east-1/s3/aws4_request, SignedHeaders=host',
      'AWS4-HMAC-SHA256 Credential=ASIAABCDEFGHIJKLMNOP/20260115/us-east-1, SignedHeaders=host, Signature=00',
      'AWS4-HMAC-SHA256 Credential=ASIAABCDEFGHIJKLMNOP/20260115/us-east-1/s3/aws4_request, SignedHeaders=x-amz-date, Signature=00',
    ]) {
      const err = await rejection(verifySigV4(new Request(`${ENDPOINT}/x`, { headers: { authorization, ...date } }), opts('s3')));
      expect(err.code, authorization).toBe('IncompleteSignature');
    }
    const noDate = new Request(`${ENDPOINT}/x`, {
      headers: { authorization: 'AWS4-HMAC-SHA256 Credential=A/20260115/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00' },
    });
    expect((await rejection(verifySigV4(noDate, opts('s3')))).message).toContain("'X-Amz-Date' or a 'Date' header");
    const badDate = new Request(`${ENDPOINT}/x`, {
      headers: { authorization: 'AWS4-HMAC-SHA256 Credential=A/20260115/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00', 'x-amz-date': '20261399T999999Z' },
    });
    expect((await rejection(verifySigV4(badDate, opts('s3')))).code).toBe('IncompleteSignature');
  });

  it('rejects both an Authorization header and query authentication at once', async () => {
    const presigned = await s3Get({ presignExpiresIn: 60 });
    const signedHeader = await s3Get();
    const both = new Request(presigned.url, { headers: signedHeader.headers });
    expect((await rejection(verifySigV4(both, opts('s3')))).code).toBe('IncompleteSignature');
  });

  it('rejects a credential scoped to another region, service or day', async () => {
    const west = await s3Get({ region: 'us-west-2' });
    const err = await rejection(verifySigV4(west, opts('s3')));
    expect(err.message).toContain("the region 'us-west-2' is wrong; expecting 'us-east-1'");
    const westJson = await signForTest({ url: `${ENDPOINT}/`, method: 'POST', body: '{}', credentials: signing, service: 'kinesis', region: 'eu-west-1', signingDate: new Date(NOW) });
    expect((await rejection(verifySigV4(westJson, opts('kinesis')))).code).toBe('SignatureDoesNotMatch');
    const appsync = await signForTest({ url: `${ENDPOINT}/graphql`, method: 'POST', body: '{}', credentials: signing, service: 'appsync', signingDate: new Date(NOW) });
    const wrongService = await rejection(verifySigV4(appsync, opts('kinesis')));
    expect(wrongService.code).toBe('SignatureDoesNotMatch');
    expect(wrongService.message).toContain("correct service: 'kinesis'");
    const req = await s3Get();
    const auth = req.headers.get('authorization')!.replace('/20260115/', '/20260114/');
    const wrongDay = await rejection(verifySigV4(withHeader(req, 'authorization', auth), opts('s3')));
    expect(wrongDay.message).toContain("'20260114' != '20260115'");
  });

  it('rejects UNSIGNED-PAYLOAD where the service requires a signed payload', async () => {
    const req = await signForTest({
      url: `${ENDPOINT}/graphql`,
      method: 'POST',
      headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      body: '{}',
      credentials: signing,
      service: 'appsync',
      signingDate: new Date(NOW),
    });
    expect((await rejection(verifySigV4(req, opts('appsync')))).code).toBe('SignatureDoesNotMatch');
  });

  it('rejects a malformed x-amz-content-sha256 for S3', async () => {
    const req = await s3Get({ headers: { 'x-amz-content-sha256': 'not-a-hash' } });
    expect((await rejection(verifySigV4(req, opts('s3')))).code).toBe('IncompleteSignature');
  });
});
