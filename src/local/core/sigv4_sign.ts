import { createHmac } from 'node:crypto';
import type { AccountKeys } from './account.js';
import { canonicalRequests, sha256Hex, signingKey } from './sigv4_canonical.js';
import { ALGORITHM, formatAmzDate, parseQuery } from './sigv4_parse.js';
import { sigV4Profile } from './sigv4_profile.js';

export interface SignInput {
  method: string;
  /** Absolute URL of the request. */
  url: string;
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** Signing name: `s3`, `cognito-idp`, `appsync`... */
  service: string;
  region: string;
  keys: AccountKeys;
  /** Epoch ms. */
  now: number;
}

/**
 * Signs a request with long-term keys (SigV4, header form), built on the same canonicalisation the
 * verifier uses so both sides cannot drift apart. The admin API uses it to act as the developer
 * user on behalf of the console: every call then goes through the services' own authorization.
 */
export function signRequest(input: SignInput): Request {
  const url = new URL(input.url);
  const amzDate = formatAmzDate(input.now);
  const scopeDate = amzDate.slice(0, 8);
  const payloadHash = input.service === 's3' ? 'UNSIGNED-PAYLOAD' : sha256Hex(input.body ?? new Uint8Array());
  const headers = new Headers(input.headers);
  headers.set('x-amz-date', amzDate);
  headers.set('x-amz-content-sha256', payloadHash);
  const names = new Set(['host']);
  headers.forEach((_value, name) => names.add(name.toLowerCase()));
  const signedHeaders = [...names].sort();
  const body = input.body && input.method !== 'GET' && input.method !== 'HEAD' ? input.body : undefined;
  const unsigned = new Request(url, { method: input.method, headers, body });
  const [canonical] = canonicalRequests(unsigned, {
    method: input.method,
    pathname: url.pathname,
    uriEncoding: sigV4Profile(input.service).uriEncoding,
    query: parseQuery(url.search),
    signedHeaders,
    host: url.host,
    payloadHash,
  });
  const scope = `${scopeDate}/${input.region}/${input.service}/aws4_request`;
  const stringToSign = [ALGORITHM, amzDate, scope, sha256Hex(canonical)].join('\n');
  const signature = createHmac('sha256', signingKey(input.keys.secretAccessKey, scopeDate, input.region, input.service))
    .update(stringToSign)
    .digest('hex');
  headers.set('authorization', `${ALGORITHM} Credential=${input.keys.accessKeyId}/${scope}, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`);
  return new Request(url, { method: input.method, headers, body });
}
