/**
 * Request body intake: streaming a body to a temp file under a size limit (decoding aws-chunked
 * framing) and checking every digest the client sent, plus small XML request bodies.
 */
import { BodyTooLargeError } from '../core/aws_errors.js';
import { decodeAwsChunked } from './aws_chunked.js';
import { S3Error, s3Errors } from './errors.js';
import type { WrittenBody } from './object_store.js';
import type { S3Request } from './s3_request.js';
import { MalformedXmlError, parseXml } from './xml.js';

/** S3's single-PUT and per-part ceiling. */
export const MAX_PUT_SIZE = 5 * 1024 ** 3;

function crc32Base64(crc: number): string {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(crc >>> 0);
  return b.toString('base64');
}

/** Streams the request body (decoding aws-chunked framing) into a temp file and checks every digest the client sent. */
export async function receiveVerified(r: S3Request, limit: number): Promise<{ written: WrittenBody; checksums: Record<string, string> }> {
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

/** Reads a small request body (an XML document) into memory. */
export async function readSmallBody(req: Request, limit = 2 * 1024 * 1024): Promise<string> {
  const buf = Buffer.from(await req.arrayBuffer());
  if (buf.length > limit) throw s3Errors.entityTooLarge(limit);
  return buf.toString('utf8');
}

/** Parses a request's XML document; anything unreadable is S3's MalformedXML. */
export function parseOrMalformed(text: string): Record<string, unknown> {
  try {
    return parseXml(text);
  } catch (err) {
    if (err instanceof MalformedXmlError) throw s3Errors.malformedXml();
    throw err;
  }
}
