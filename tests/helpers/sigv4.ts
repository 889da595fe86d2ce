import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

/** Signs requests with `@smithy/signature-v4`, the signer every AWS SDK v3 client uses. */

export interface TestCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SignForTestInput {
  /** Full URL; the path must already be percent-encoded the way the client would send it. */
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  credentials: TestCredentials;
  service: string;
  region?: string;
  signingDate: Date;
  /** Defaults to the SDK's rule: every service but S3 encodes the path a second time. */
  uriEscapePath?: boolean;
  /** Presign into the query string instead of the Authorization header. */
  presignExpiresIn?: number;
}

/** Returns a WHATWG Request carrying exactly what the SDK would send. S3 signs the path unencoded-again. */
export async function signForTest(input: SignForTestInput): Promise<Request> {
  const url = new URL(input.url);
  const signer = new SignatureV4({
    credentials: input.credentials,
    region: input.region ?? 'us-east-1',
    service: input.service,
    sha256: Sha256,
    uriEscapePath: input.uriEscapePath ?? input.service !== 's3',
  });
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) {
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const request = {
    method: input.method ?? 'GET',
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: url.pathname,
    query,
    headers: { host: url.host, ...input.headers },
    body: input.body,
  };
  const signed =
    input.presignExpiresIn !== undefined
      ? await signer.presign(request, { signingDate: input.signingDate, expiresIn: input.presignExpiresIn })
      : await signer.sign(request, { signingDate: input.signingDate });
  return toRequest(url, signed as unknown as SignedShape);
}

interface SignedShape {
  method: string;
  path: string;
  query?: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

function toRequest(url: URL, signed: SignedShape): Request {
  const escape = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const parts: string[] = [];
  for (const [k, v] of Object.entries(signed.query ?? {})) {
    if (v === null) continue;
    for (const one of Array.isArray(v) ? v : [v]) parts.push(`${escape(k)}=${escape(one)}`);
  }
  const target = `${url.protocol}//${url.host}${signed.path}${parts.length ? `?${parts.join('&')}` : ''}`;
  return new Request(target, {
    method: signed.method,
    headers: signed.headers,
    body: signed.method === 'GET' || signed.method === 'HEAD' ? undefined : signed.body,
  });
}

/** Encodes an S3 key the way the SDKs put it in a path-style URL (each segment escaped, `/` kept). */
export function s3KeyPath(bucket: string, key: string): string {
  const escape = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `/${bucket}/${key.split('/').map(escape).join('/')}`;
}
