/** Single-object operations: PutObject, GetObject/HeadObject, CopyObject, DeleteObject and DeleteObjects. */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { MAX_PUT_SIZE, parseOrMalformed, readSmallBody, receiveVerified } from './body_intake.js';
import { S3Error, s3Errors } from './errors.js';
import { objectHeaders, storedHeaders, userMetadata } from './object_headers.js';
import type { ObjectMeta } from './object_store.js';
import { requireWritable, type S3Request } from './s3_request.js';
import { xmlResponse, type XmlNode } from './xml.js';
import { decodeUriComponentSafe } from '../core/uri.js';

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
  r.events.push({ eventName: 'ObjectCreated:Put', key: r.key, size: meta.size, etag: meta.etag });
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
  removed(r, r.key, await r.bucket.store.delete(r.key));
  return new Response(null, { status: 204 });
}

/**
 * A versioned bucket puts a delete marker on the key whether or not it held an object; an
 * unversioned one removes the object, and only a removal is an event.
 */
function removed(r: S3Request, key: string, existed: boolean): void {
  if (r.bucket.versioned) r.events.push({ eventName: 'ObjectRemoved:DeleteMarkerCreated', key });
  else if (existed) r.events.push({ eventName: 'ObjectRemoved:Delete', key });
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
      removed(r, key, await r.bucket.store.delete(key));
      if (!quiet) deleted.push({ Key: key });
    } catch (err) {
      const e = err instanceof S3Error ? err : new S3Error(500, 'InternalError', 'We encountered an internal error. Please try again.');
      errors.push({ Key: key, Code: e.code, Message: e.message });
    }
  }
  return xmlResponse('DeleteResult', { Deleted: deleted, Error: errors });
}

export async function copyObject(r: S3Request): Promise<Response> {
  requireWritable(r);
  const encoded = (r.req.headers.get('x-amz-copy-source') ?? '').split('?')[0];
  const decoded = decodeUriComponentSafe(encoded);
  if (decoded === undefined) throw s3Errors.invalidArgument('Invalid copy source encoding', 'x-amz-copy-source', encoded);
  const source = decoded.replace(/^\//, '');
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
  r.events.push({ eventName: 'ObjectCreated:Copy', key: r.key, size: meta.size, etag: meta.etag });
  return xmlResponse('CopyObjectResult', { LastModified: meta.lastModified, ETag: meta.etag });
}
