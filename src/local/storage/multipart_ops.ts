/** Multipart upload operations: Create, UploadPart, Complete, Abort and ListParts. */
import { MAX_PUT_SIZE, parseOrMalformed, readSmallBody, receiveVerified } from './body_intake.js';
import { s3Errors } from './errors.js';
import { MAX_PART_NUMBER, MIN_PART_SIZE, type PartInfo } from './multipart.js';
import { storedHeaders, userMetadata } from './object_headers.js';
import { requireWritable, type S3Request } from './s3_request.js';
import { xmlResponse } from './xml.js';

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
  return xmlResponse('InitiateMultipartUploadResult', { Bucket: r.bucket.name, Key: r.key, UploadId: upload.uploadId }, 200, headers);
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
  r.events.push({ eventName: 'ObjectCreated:CompleteMultipartUpload', key: r.key, size, etag });
  return xmlResponse('CompleteMultipartUploadResult', {
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
  return xmlResponse('ListPartsResult', {
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
