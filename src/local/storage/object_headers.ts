/**
 * Object headers: what S3 keeps from a write request's headers (user metadata and the standard
 * headers it stores) and the headers a read of the object answers with.
 */
import type { ObjectMeta } from './object_store.js';

const STORED_HEADERS = ['cache-control', 'content-disposition', 'content-encoding', 'content-language', 'expires'] as const;

function httpDate(iso: string): string {
  return new Date(iso).toUTCString();
}

export function userMetadata(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((v, k) => {
    if (k.startsWith('x-amz-meta-')) out[k.slice('x-amz-meta-'.length)] = v;
  });
  return out;
}

export function storedHeaders(headers: Headers): ObjectMeta['headers'] {
  const out: ObjectMeta['headers'] = {};
  for (const h of STORED_HEADERS) {
    const v = headers.get(h);
    if (v !== null) out[h] = v;
  }
  return out;
}

/** GetObject/HeadObject response headers, with the `response-*` query overrides applied. */
export function objectHeaders(meta: ObjectMeta, url: URL, withChecksums: boolean): Headers {
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
