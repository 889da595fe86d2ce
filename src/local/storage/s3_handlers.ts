import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { IssuedCredentials } from '../core/registry.js';
import type { StorageAuthorizer } from './authorize.js';
import { decodeAwsChunked } from './aws_chunked.js';
import { S3Error, s3Errors } from './errors.js';
import { MAX_PART_NUMBER, MIN_PART_SIZE, type MultipartStore, type PartInfo } from './multipart.js';
import { BodyTooLargeError, type BucketStore, type ObjectMeta, type WrittenBody } from './object_store.js';
import { MalformedXmlError, parseXml, xmlDocument, type XmlNode } from './xml.js';

/** S3's single-PUT and per-part ceiling. */
export const MAX_PUT_SIZE = 5 * 1024 ** 3;

export interface Bucket {
  name: string;
  store: BucketStore;
  uploads: MultipartStore;
  /** System buckets (assets the local cloud serves to functions) are read-only. */
  readOnly: boolean;
}

export interface S3Request {
  req: Request;
  url: URL;
  bucket: Bucket;
  key: string;
  creds: IssuedCredentials;
  /** The x-amz-content-sha256 the request was signed with. */
  contentSha256: string | null;
  authz: StorageAuthorizer;
  now: () => number;
  /** Looks up another bucket (CopyObject sources). */
  bucketNamed: (name: string) => Bucket | undefined;
}

const STORED_HEADERS = ['cache-control', 'content-disposition', 'content-encoding', 'content-language', 'expires'] as const;

function httpDate(iso: string): string {
  return new Date(iso).toUTCString();
}

function xml(root: string, body: XmlNode, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(xmlDocument(root, body), { status, headers: { 'content-type': 'application/xml', ...headers } });
}

function userMetadata(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((v, k) => {
    if (k.startsWith('x-amz-meta-')) out[k.slice('x-amz-meta-'.length)] = v;
  });
  return out;
}

function storedHeaders(headers: Headers): ObjectMeta['headers'] {
  const out: ObjectMeta['headers'] = {};
  for (const h of STORED_HEADERS) {
    const v = headers.get(h);
    if (v !== null) out[h] = v;
  }
  return out;
}

function crc32Base64(crc: number): string {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(crc >>> 0);
  return b.toString('base64');
}

/** Streams the request body (decoding aws-chunked framing) into a temp file and checks every digest the client sent. */
async function receiveVerified(r: S3Request, limit: number): Promise<{ written: WrittenBody; checksums: Record<string, string> }> {
  const h = r.req.headers;
  const chunked = (h.get('content-encoding') ?? '').split(',').map((s) => s.trim()).includes('aws-chunked') ||
    (r.contentSha256 ?? '').startsWith('STREAMING-');
  if (r.contentSha256 === 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' || r.contentSha256 === 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER') {
    throw s3Errors.notImplemented('signed aws-chunked payloads; send UNSIGNED-PAYLOAD or STREAMING-UNSIGNED-PAYLOAD-TRAILER over HTTPS');
  }
  const declared = h.get('content-length');
  if (declared !== null && Number(declared) > limit && !chunked) throw s3Errors.entityTooLarge(limit);
  const trailers: Record<string, string> = {};
  const body = chunked && r.req.body ? decodeAwsChunked(r.req.body, trailers) : r.req.body;
  let written: WrittenBody;
  try {
    written = await r.bucket.store.receive(body, limit);
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw s3Errors.entityTooLarge(limit);
    if (err instanceof S3Error) throw err;
    throw new S3Error(400, 'IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header');
  }
  try {
    if (declared !== null && !chunked && Number(declared) !== written.size) {
      throw new S3Error(400, 'IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header');
    }
    const sha = r.contentSha256;
    if (sha && /^[0-9a-f]{64}$/.test(sha) && sha !== written.sha256) throw s3Errors.sha256Mismatch();
    const md5 = h.get('content-md5');
    if (md5 !== null && md5 !== written.md5.toString('base64')) throw s3Errors.badDigest('Content-MD5');
    const checksums: Record<string, string> = {};
    const sentCrc = h.get('x-amz-checksum-crc32') ?? trailers['x-amz-checksum-crc32'];
    if (sentCrc !== undefined && sentCrc !== null) {
      if (sentCrc !== crc32Base64(written.crc32)) throw s3Errors.badDigest('CRC32');
      checksums.CRC32 = sentCrc;
    }
    const sentSha = h.get('x-amz-checksum-sha256') ?? trailers['x-amz-checksum-sha256'];
    if (sentSha !== undefined && sentSha !== null) {
      if (sentSha !== Buffer.from(written.sha256, 'hex').toString('base64')) throw s3Errors.badDigest('SHA256');
      checksums.SHA256 = sentSha;
    }
    return { written, checksums };
  } catch (err) {
    await r.bucket.store.discard(written);
    throw err;
  }
}

function requireWritable(r: S3Request): void {
  if (r.bucket.readOnly) throw s3Errors.accessDenied();
}

export async function putObject(r: S3Request): Promise<Response> {
  requireWritable(r);
  r.authz.require(r.creds, 's3:PutObject', r.authz.objectArn(r.bucket.name, r.key));
  const { written, checksums } = await receiveVerified(r, MAX_PUT_SIZE);
  const meta: ObjectMeta = {
    key: r.key,
    size: written.size,
    etag: `"${written.md5.toString('hex')}"`,
    contentType: r.req.headers.get('content-type') ?? 'binary/octet-stream',
    lastModified: new Date(r.now()).toISOString(),
    userMetadata: userMetadata(r.req.headers),
    headers: storedHeaders(r.req.headers),
    checksums,
  };
  await r.bucket.store.commit(written.tmpFile, meta);
  const headers: Record<string, string> = { etag: meta.etag };
  for (const [alg, v] of Object.entries(checksums)) headers[`x-amz-checksum-${alg.toLowerCase()}`] = v;
  return new Response(null, { status: 200, headers });
}

function parseRange(header: string, size: number): { start: number; end: number } | 'invalid' | null {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return null; // S3 ignores a Range it cannot parse (multi-range included) and sends the whole object.
  const [, a, b] = m;
  if (a === '' && b === '') return null;
  let start: number;
  let end: number;
  if (a === '') {
    const n = Number(b);
    if (n === 0) return 'invalid';
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(a);
    end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
    if (start >= size || start > end) return 'invalid';
  }
  return { start, end };
}

function objectHeaders(meta: ObjectMeta, url: URL, withChecksums: boolean): Headers {
  const h = new Headers({
    'content-type': url.searchParams.get('response-content-type') ?? meta.contentType,
    etag: meta.etag,
    'last-modified': httpDate(meta.lastModified),
    'accept-ranges': 'bytes',
  });
  for (const [k, v] of Object.entries(meta.headers)) if (v !== undefined) h.set(k, v);
  for (const [k, v] of Object.entries(meta.userMetadata)) h.set(`x-amz-meta-${k}`, v);
  for (const k of ['cache-control', 'content-disposition', 'content-encoding', 'content-language', 'expires']) {
    const override = url.searchParams.get(`response-${k}`);
    if (override !== null) h.set(k, override);
  }
  if (withChecksums) for (const [alg, v] of Object.entries(meta.checksums)) h.set(`x-amz-checksum-${alg.toLowerCase()}`, v);
  if (meta.parts) h.set('x-amz-mp-parts-count', String(meta.parts));
  return h;
}

function checkPreconditions(req: Request, meta: ObjectMeta): Response | null {
  const ifMatch = req.headers.get('if-match');
  if (ifMatch !== null && ifMatch !== '*' && !ifMatch.split(',').map((s) => s.trim()).includes(meta.etag)) {
    throw s3Errors.preconditionFailed();
  }
  const ifNoneMatch = req.headers.get('if-none-match');
  if (ifNoneMatch !== null && (ifNoneMatch === '*' || ifNoneMatch.split(',').map((s) => s.trim()).includes(meta.etag))) {
    return new Response(null, { status: 304, headers: { etag: meta.etag } });
  }
  const since = req.headers.get('if-modified-since');
  if (since !== null && ifNoneMatch === null && Date.parse(meta.lastModified) <= Date.parse(since) + 999) {
    return new Response(null, { status: 304, headers: { etag: meta.etag } });
  }
  return null;
}

export async function getObject(r: S3Request, headOnly: boolean): Promise<Response> {
  r.authz.require(r.creds, 's3:GetObject', r.authz.objectArn(r.bucket.name, r.key));
  const meta = r.bucket.store.head(r.key);
  if (!meta) {
    // Without s3:ListBucket S3 answers 403 rather than revealing that the key is absent.
    try {
      r.authz.require(r.creds, 's3:ListBucket', r.authz.bucketArn(r.bucket.name), { 's3:prefix': r.key });
    } catch {
      throw s3Errors.accessDenied();
    }
    throw s3Errors.noSuchKey(r.key);
  }
  const notModified = checkPreconditions(r.req, meta);
  if (notModified) return notModified;
  const headers = objectHeaders(meta, r.url, r.req.headers.get('x-amz-checksum-mode') === 'ENABLED');
  const rangeHeader = r.req.headers.get('range');
  const range = rangeHeader ? parseRange(rangeHeader, meta.size) : null;
  if (range === 'invalid') throw s3Errors.invalidRange(meta.size);
  if (range) {
    headers.set('content-range', `bytes ${range.start}-${range.end}/${meta.size}`);
    headers.set('content-length', String(range.end - range.start + 1));
    headers.delete('x-amz-checksum-crc32');
    headers.delete('x-amz-checksum-sha256');
    const body = headOnly ? null : (Readable.toWeb(r.bucket.store.read(r.key, range)) as ReadableStream<Uint8Array>);
    return new Response(body, { status: 206, headers });
  }
  headers.set('content-length', String(meta.size));
  const body = headOnly || meta.size === 0 ? null : (Readable.toWeb(r.bucket.store.read(r.key)) as ReadableStream<Uint8Array>);
  return new Response(body, { status: 200, headers });
}

export async function deleteObject(r: S3Request): Promise<Response> {
  requireWritable(r);
  r.authz.require(r.creds, 's3:DeleteObject', r.authz.objectArn(r.bucket.name, r.key));
  await r.bucket.store.delete(r.key);
  return new Response(null, { status: 204 });
}

async function readSmallBody(req: Request, limit = 2 * 1024 * 1024): Promise<string> {
  const buf = Buffer.from(await req.arrayBuffer());
  if (buf.length > limit) throw s3Errors.entityTooLarge(limit);
  return buf.toString('utf8');
}

function parseOrMalformed(text: string): Record<string, unknown> {
  try {
    return parseXml(text);
  } catch (err) {
    if (err instanceof MalformedXmlError) throw s3Errors.malformedXml();
    throw err;
  }
}

export async function deleteObjects(r: S3Request): Promise<Response> {
  requireWritable(r);
  const text = await readSmallBody(r.req);
  const md5 = r.req.headers.get('content-md5');
  if (md5 !== null && md5 !== createHash('md5').update(text).digest('base64')) throw s3Errors.badDigest('Content-MD5');
  const doc = parseOrMalformed(text);
  const del = doc.Delete as { Object?: { Key?: string }[]; Quiet?: string } | undefined;
  const objects = del?.Object ?? [];
  if (!del || objects.length === 0 || objects.length > 1000 || objects.some((o) => typeof o.Key !== 'string')) {
    throw s3Errors.malformedXml();
  }
  const quiet = del.Quiet === 'true';
  const deleted: XmlNode[] = [];
  const errors: XmlNode[] = [];
  for (const { Key } of objects) {
    const key = Key as string;
    try {
      r.authz.require(r.creds, 's3:DeleteObject', r.authz.objectArn(r.bucket.name, key));
      await r.bucket.store.delete(key);
      if (!quiet) deleted.push({ Key: key });
    } catch (err) {
      const e = err instanceof S3Error ? err : new S3Error(500, 'InternalError', 'We encountered an internal error. Please try again.');
      errors.push({ Key: key, Code: e.code, Message: e.message });
    }
  }
  return xml('DeleteResult', { Deleted: deleted, Error: errors });
}

interface ListToken {
  /** Last key or common prefix returned. */
  after: string;
}

function encodeToken(t: ListToken): string {
  return Buffer.from(JSON.stringify(t)).toString('base64');
}

function decodeToken(s: string): ListToken {
  try {
    const t = JSON.parse(Buffer.from(s, 'base64').toString('utf8')) as ListToken;
    if (typeof t.after !== 'string') throw new Error('bad');
    return t;
  } catch {
    throw s3Errors.invalidArgument('The continuation token provided is incorrect', 'continuation-token', s);
  }
}

export async function listObjectsV2(r: S3Request): Promise<Response> {
  const q = r.url.searchParams;
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const maxKeysRaw = q.get('max-keys');
  const maxKeys = maxKeysRaw === null ? 1000 : Number(maxKeysRaw);
  if (!Number.isInteger(maxKeys) || maxKeys < 0) throw s3Errors.invalidArgument('Provided max-keys not an integer or within integer range', 'max-keys', maxKeysRaw ?? '');
  const encodeUrl = q.get('encoding-type') === 'url';
  if (q.get('encoding-type') !== null && !encodeUrl) throw s3Errors.invalidArgument('Invalid Encoding Method specified in Request', 'encoding-type', q.get('encoding-type') ?? '');
  r.authz.require(r.creds, 's3:ListBucket', r.authz.bucketArn(r.bucket.name), {
    's3:prefix': prefix,
    ...(delimiter ? { 's3:delimiter': delimiter } : {}),
    's3:max-keys': String(maxKeys),
  });
  const token = q.get('continuation-token');
  const startAfter = q.get('start-after') ?? '';
  let after = token ? decodeToken(token).after : startAfter;
  const limit = Math.min(maxKeys, 1000);
  const enc = (s: string) => (encodeUrl ? encodeURIComponent(s).replace(/%2F/g, '/') : s);

  const contents: XmlNode[] = [];
  const prefixes: string[] = [];
  let truncated = false;
  let last = '';
  for (const meta of r.bucket.store.iterate(prefix, after > prefix ? after : '')) {
    if (after && meta.key <= after) continue;
    // Keys under a common prefix already returned are folded into it.
    if (after && delimiter && after.endsWith(delimiter) && meta.key.startsWith(after)) continue;
    let item: { kind: 'key'; meta: ObjectMeta } | { kind: 'prefix'; value: string } = { kind: 'key', meta };
    if (delimiter) {
      const i = meta.key.indexOf(delimiter, prefix.length);
      if (i >= 0) item = { kind: 'prefix', value: meta.key.slice(0, i + delimiter.length) };
    }
    if (item.kind === 'prefix' && prefixes[prefixes.length - 1] === item.value) continue;
    if (contents.length + prefixes.length >= limit) {
      truncated = true;
      break;
    }
    if (item.kind === 'prefix') {
      prefixes.push(item.value);
      last = item.value;
      after = item.value;
    } else {
      contents.push({
        Key: enc(item.meta.key),
        LastModified: item.meta.lastModified,
        ETag: item.meta.etag,
        Size: item.meta.size,
        StorageClass: 'STANDARD',
        ...(Object.keys(item.meta.checksums).length ? { ChecksumAlgorithm: Object.keys(item.meta.checksums) } : {}),
      });
      last = item.meta.key;
    }
  }
  return xml('ListBucketResult', {
    Name: r.bucket.name,
    Prefix: enc(prefix),
    ...(delimiter ? { Delimiter: enc(delimiter) } : {}),
    MaxKeys: maxKeys,
    KeyCount: contents.length + prefixes.length,
    IsTruncated: truncated,
    ...(encodeUrl ? { EncodingType: 'url' } : {}),
    ...(token ? { ContinuationToken: token } : {}),
    ...(startAfter ? { StartAfter: enc(startAfter) } : {}),
    ...(truncated ? { NextContinuationToken: encodeToken({ after: last }) } : {}),
    Contents: contents,
    CommonPrefixes: prefixes.map((p) => ({ Prefix: enc(p) })),
  });
}

export async function copyObject(r: S3Request): Promise<Response> {
  requireWritable(r);
  const source = decodeURIComponent((r.req.headers.get('x-amz-copy-source') ?? '').split('?')[0]).replace(/^\//, '');
  const slash = source.indexOf('/');
  if (slash <= 0) throw s3Errors.invalidArgument('Copy Source must mention the source bucket and key: sourcebucket/sourcekey', 'x-amz-copy-source', source);
  const srcBucket = r.bucketNamed(source.slice(0, slash));
  const srcKey = source.slice(slash + 1);
  if (!srcBucket) throw s3Errors.noSuchBucket(source.slice(0, slash));
  r.authz.require(r.creds, 's3:GetObject', r.authz.objectArn(srcBucket.name, srcKey));
  r.authz.require(r.creds, 's3:PutObject', r.authz.objectArn(r.bucket.name, r.key));
  const srcMeta = srcBucket.store.head(srcKey);
  if (!srcMeta) throw s3Errors.noSuchKey(srcKey);
  const replace = r.req.headers.get('x-amz-metadata-directive') === 'REPLACE';
  if (!replace && srcBucket === r.bucket && srcKey === r.key) {
    throw new S3Error(400, 'InvalidRequest', "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.");
  }
  const tmp = r.bucket.store.tempPath();
  const { copyFile } = await import('node:fs/promises');
  await copyFile(srcBucket.store.dataFile(srcKey), tmp);
  const meta: ObjectMeta = {
    ...srcMeta,
    key: r.key,
    lastModified: new Date(r.now()).toISOString(),
    ...(replace
      ? {
          contentType: r.req.headers.get('content-type') ?? 'binary/octet-stream',
          userMetadata: userMetadata(r.req.headers),
          headers: storedHeaders(r.req.headers),
        }
      : {}),
  };
  await r.bucket.store.commit(tmp, meta);
  return xml('CopyObjectResult', { LastModified: meta.lastModified, ETag: meta.etag });
}

// ── multipart ────────────────────────────────────────────────────────────────

export async function createMultipartUpload(r: S3Request): Promise<Response> {
  requireWritable(r);
  r.authz.require(r.creds, 's3:PutObject', r.authz.objectArn(r.bucket.name, r.key));
  const upload = await r.bucket.uploads.create({
    key: r.key,
    initiated: new Date(r.now()).toISOString(),
    contentType: r.req.headers.get('content-type') ?? 'binary/octet-stream',
    userMetadata: userMetadata(r.req.headers),
    headers: storedHeaders(r.req.headers),
    checksumAlgorithm: r.req.headers.get('x-amz-checksum-algorithm') ?? undefined,
    initiator: r.creds.identityId ?? r.creds.roleArn,
  });
  const headers: Record<string, string> = {};
  if (upload.checksumAlgorithm) headers['x-amz-checksum-algorithm'] = upload.checksumAlgorithm;
  return xml('InitiateMultipartUploadResult', { Bucket: r.bucket.name, Key: r.key, UploadId: upload.uploadId }, 200, headers);
}

async function requireUpload(r: S3Request, uploadId: string) {
  const upload = await r.bucket.uploads.get(uploadId);
  if (!upload || upload.key !== r.key) throw s3Errors.noSuchUpload(uploadId);
  return upload;
}

/** Abort and ListParts: allowed by the role's policy, or to the identity that started the upload. */
function requireUploadAccess(r: S3Request, upload: { initiator?: string }, action: string): void {
  const me = r.creds.identityId ?? r.creds.roleArn;
  if (upload.initiator === me) return;
  r.authz.require(r.creds, action, r.authz.objectArn(r.bucket.name, r.key));
}

export async function uploadPart(r: S3Request, uploadId: string, partNumberRaw: string): Promise<Response> {
  requireWritable(r);
  const partNumber = Number(partNumberRaw);
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
    throw s3Errors.invalidArgument('Part number must be an integer between 1 and 10000, inclusive', 'partNumber', partNumberRaw);
  }
  r.authz.require(r.creds, 's3:PutObject', r.authz.objectArn(r.bucket.name, r.key));
  await requireUpload(r, uploadId);
  const { written, checksums } = await receiveVerified(r, MAX_PUT_SIZE);
  const part: PartInfo = {
    partNumber,
    size: written.size,
    md5: written.md5.toString('hex'),
    etag: `"${written.md5.toString('hex')}"`,
    lastModified: new Date(r.now()).toISOString(),
    checksums,
  };
  // The upload may have been aborted while the part streamed in.
  if (!(await r.bucket.uploads.get(uploadId))) {
    await r.bucket.store.discard(written);
    throw s3Errors.noSuchUpload(uploadId);
  }
  await r.bucket.uploads.putPart(uploadId, part, written.tmpFile);
  const headers: Record<string, string> = { etag: part.etag };
  for (const [alg, v] of Object.entries(checksums)) headers[`x-amz-checksum-${alg.toLowerCase()}`] = v;
  return new Response(null, { status: 200, headers });
}

export async function completeMultipartUpload(r: S3Request, uploadId: string): Promise<Response> {
  requireWritable(r);
  r.authz.require(r.creds, 's3:PutObject', r.authz.objectArn(r.bucket.name, r.key));
  const upload = await requireUpload(r, uploadId);
  const doc = parseOrMalformed(await readSmallBody(r.req));
  const listed = ((doc.CompleteMultipartUpload as { Part?: { PartNumber?: string; ETag?: string }[] } | undefined)?.Part ?? []);
  if (listed.length === 0) throw s3Errors.malformedXml();
  const stored = new Map((await r.bucket.uploads.parts(uploadId)).map((p) => [p.partNumber, p]));
  const chosen: PartInfo[] = [];
  let previous = 0;
  for (const p of listed) {
    const n = Number(p.PartNumber);
    if (!Number.isInteger(n)) throw s3Errors.malformedXml();
    if (n <= previous) throw s3Errors.invalidPartOrder();
    previous = n;
    const part = stored.get(n);
    const etag = (p.ETag ?? '').replace(/^"?/, '"').replace(/"?$/, '"');
    if (!part || part.etag !== etag) throw s3Errors.invalidPart();
    chosen.push(part);
  }
  if (chosen.slice(0, -1).some((p) => p.size < MIN_PART_SIZE)) throw s3Errors.entityTooSmall();
  const tmp = r.bucket.store.tempPath();
  const { etag, size } = await r.bucket.uploads.assemble(uploadId, chosen, tmp);
  await r.bucket.store.commit(tmp, {
    key: r.key,
    size,
    etag,
    contentType: upload.contentType,
    lastModified: new Date(r.now()).toISOString(),
    userMetadata: upload.userMetadata,
    headers: upload.headers,
    checksums: {},
    parts: chosen.length,
  });
  await r.bucket.uploads.remove(uploadId);
  return xml('CompleteMultipartUploadResult', {
    Location: `${r.url.origin}/${r.bucket.name}/${encodeURIComponent(r.key).replace(/%2F/g, '/')}`,
    Bucket: r.bucket.name,
    Key: r.key,
    ETag: etag,
  });
}

export async function abortMultipartUpload(r: S3Request, uploadId: string): Promise<Response> {
  requireWritable(r);
  const upload = await requireUpload(r, uploadId);
  requireUploadAccess(r, upload, 's3:AbortMultipartUpload');
  await r.bucket.uploads.remove(uploadId);
  return new Response(null, { status: 204 });
}

export async function listParts(r: S3Request, uploadId: string): Promise<Response> {
  const upload = await requireUpload(r, uploadId);
  requireUploadAccess(r, upload, 's3:ListMultipartUploadParts');
  const q = r.url.searchParams;
  const marker = Number(q.get('part-number-marker') ?? '0');
  const max = Math.min(Number(q.get('max-parts') ?? '1000') || 1000, 1000);
  const all = (await r.bucket.uploads.parts(uploadId)).filter((p) => p.partNumber > marker);
  const page = all.slice(0, max);
  return xml('ListPartsResult', {
    Bucket: r.bucket.name,
    Key: r.key,
    UploadId: uploadId,
    PartNumberMarker: marker,
    ...(all.length > max ? { NextPartNumberMarker: page[page.length - 1].partNumber } : {}),
    MaxParts: max,
    IsTruncated: all.length > max,
    StorageClass: 'STANDARD',
    Part: page.map((p) => ({
      PartNumber: p.partNumber,
      LastModified: p.lastModified,
      ETag: p.etag,
      Size: p.size,
      ...(p.checksums.CRC32 ? { ChecksumCRC32: p.checksums.CRC32 } : {}),
    })),
  });
}
