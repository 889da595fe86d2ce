import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { QueryParam } from './sigv4_parse.js';
import type { UriEncoding } from './sigv4_profile.js';

/** What a canonical request is built from, once the signature has been parsed. */
export interface CanonicalInput {
  method: string;
  pathname: string;
  uriEncoding: UriEncoding;
  query: QueryParam[];
  signedHeaders: string[];
  host: string;
  payloadHash: string;
}

/**
 * Every faithful canonicalisation of the request: clients differ only where the spec is loose (path
 * normalisation outside S3, how repeated headers were joined), and a signature over any of them is
 * accepted.
 */
export function canonicalRequests(req: Request, input: CanonicalInput): string[] {
  const canonicalQuery = canonicalQueryString(input.query);
  const out: string[] = [];
  for (const uri of canonicalUris(input.pathname, input.uriEncoding)) {
    for (const headerBlock of canonicalHeaderBlocks(req, input.signedHeaders, input.host)) {
      out.push([input.method.toUpperCase(), uri, canonicalQuery, headerBlock, input.signedHeaders.join(';'), input.payloadHash].join('\n'));
    }
  }
  return out;
}

/**
 * S3 signs the path exactly as sent (already percent-encoded once). Other services sign the
 * normalised path encoded a second time; Amplify's own signer skips the normalisation, so its
 * variant is accepted too.
 */
function canonicalUris(pathname: string, encoding: UriEncoding): string[] {
  const path = pathname || '/';
  if (encoding === 'as-sent') return [path];
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const normalized = `/${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`;
  const spec = uriEscape(normalized).replace(/%2F/g, '/');
  const amplify = encodeURIComponent(path).replace(/%2F/g, '/');
  return spec === amplify ? [spec] : [spec, amplify];
}

function canonicalQueryString(query: QueryParam[]): string {
  return query
    .filter((p) => p.key.toLowerCase() !== 'x-amz-signature')
    .map((p) => [uriEscape(p.key), uriEscape(p.value)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/**
 * `name:value\n` for each signed header. WHATWG Headers join repeated headers with ", " where the
 * spec joins them with ","; both readings are tried when a value could be such a join.
 */
function canonicalHeaderBlocks(req: Request, signedHeaders: string[], host: string): string[] {
  const values = signedHeaders.map((name) => trimAll(name === 'host' || name === ':authority' ? host : (req.headers.get(name) ?? '')));
  const block = (vals: string[]) => signedHeaders.map((name, i) => `${name}:${vals[i]}\n`).join('');
  const primary = block(values);
  if (!values.some((v) => v.includes(', '))) return [primary];
  return [primary, block(values.map((v) => v.replace(/, /g, ',')))];
}

function trimAll(value: string): string {
  return value.replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').trim();
}

/** RFC 3986 unreserved characters stay; everything else is %XX (uppercase), as AWS requires. */
function uriEscape(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  let key = createHmac('sha256', `AWS4${secret}`).update(date).digest();
  for (const part of [region, service, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  return key;
}

/** Compares digests of both sides so neither the content nor the length leaks through timing. */
export function constantTimeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}
