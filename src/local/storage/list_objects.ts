/** ListObjectsV2: prefix/delimiter listing with continuation tokens. */
import { s3Errors } from './errors.js';
import type { ObjectMeta } from './object_store.js';
import type { S3Request } from './s3_request.js';
import { xmlResponse, type XmlNode } from './xml.js';

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
  return xmlResponse('ListBucketResult', {
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
