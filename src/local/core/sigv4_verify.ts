import { createHmac } from 'node:crypto';
import type { Clock } from './clock.js';
import type { CredentialStore, IssuedCredentials } from './registry.js';
import { canonicalRequests, constantTimeEqual, sha256Hex, signingKey } from './sigv4_canonical.js';
import { SigV4Error, type SigV4ErrorCode } from './sigv4_errors.js';
import { ALGORITHM, formatAmzDate, parseAuth, parseQuery, type ParsedAuth } from './sigv4_parse.js';
import { sigV4Profile, type SigV4Profile } from './sigv4_profile.js';
import { signedRequestPath } from './request_info.js';

/**
 * Verifies AWS Signature Version 4 (header and presigned-query forms) against credentials the local
 * identity pool or the functions service issued. The canonicalisation follows the spec and what the
 * real clients send: `@smithy/signature-v4` (AWS SDK v3) and `@aws-amplify/core`'s signer (which signs
 * every header it sets and, for S3, does not re-encode the path).
 */

export interface VerifySigV4Options {
  /** Signing name: `s3`, `appsync`, `kinesis`, `mobiletargeting`, `lambda`, `dynamodb`... */
  service: string;
  region: string;
  credentials: CredentialStore;
  clock: Clock;
  /**
   * The request body when the caller has already read it. Omitted: S3 trusts `x-amz-content-sha256`
   * (the storage service checks the streamed body against it); other services read a clone of `req`.
   */
  body?: Uint8Array | string;
  /** Accept `UNSIGNED-PAYLOAD` and the `STREAMING-*` payload markers (S3). */
  allowUnsignedPayload?: boolean;
}

export interface VerifiedSigV4 {
  credentials: IssuedCredentials;
  /** The payload hash that was signed (hex, `UNSIGNED-PAYLOAD` or a `STREAMING-*` marker). */
  payloadHash: string;
  /** `query` for presigned URLs. */
  form: 'header' | 'query';
  signedHeaders: string[];
}

/** `verifySigV4`'s shape, for callers that inject a stub in tests. */
export type VerifySigV4 = (req: Request, opts: VerifySigV4Options) => Promise<VerifiedSigV4>;

const MAX_SKEW_MS = 15 * 60 * 1000;
/** Payload markers S3 accepts in `x-amz-content-sha256` instead of a hash. */
const PAYLOAD_MARKERS = new Set([
  'UNSIGNED-PAYLOAD',
  'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
]);

export async function verifySigV4(req: Request, opts: VerifySigV4Options): Promise<VerifiedSigV4> {
  const url = new URL(req.url);
  const profile = sigV4Profile(opts.service);
  const query = parseQuery(url.search);
  const auth = parseAuth(req, query, profile.messages.missingAuthentication);
  const now = opts.clock.now();

  checkTime(auth, now, profile);

  const creds = opts.credentials.lookup(auth.accessKeyId);
  if (!creds) throw new SigV4Error('InvalidAccessKeyId', profile.messages.unknownAccessKey);
  checkSessionToken(auth, creds, profile);
  if (now >= creds.expiration) throw new SigV4Error('ExpiredToken', profile.messages.expiredToken);
  checkScope(auth, opts, profile);
  if (profile.requireSignedAmzHeaders) checkAmzHeadersSigned(req, auth);

  const payloadHash = await resolvePayloadHash(req, auth, opts, profile);
  const scope = `${auth.scopeDate}/${auth.scopeRegion}/${auth.scopeService}/${auth.scopeTerminator}`;
  const key = signingKey(creds.secretAccessKey, auth.scopeDate, auth.scopeRegion, auth.scopeService);
  const candidates = canonicalRequests(req, {
    method: req.method,
    // The path as the client sent and signed it: S3 signs `.`/`..` segments as they are.
    pathname: signedRequestPath(req, url),
    uriEncoding: profile.uriEncoding,
    query,
    signedHeaders: auth.signedHeaders,
    host: req.headers.get('host') ?? url.host,
    payloadHash,
  });

  let first: { canonicalRequest: string; stringToSign: string } | undefined;
  for (const canonicalRequest of candidates) {
    const stringToSign = [ALGORITHM, auth.amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
    const expected = createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
    if (constantTimeEqual(expected, auth.signature)) {
      return { credentials: creds, payloadHash, form: auth.form, signedHeaders: auth.signedHeaders };
    }
    first ??= { canonicalRequest, stringToSign };
  }
  const err = new SigV4Error('SignatureDoesNotMatch', profile.messages.signatureMismatch);
  err.canonicalRequest = first?.canonicalRequest;
  err.stringToSign = first?.stringToSign;
  throw err;
}

function checkTime(auth: ParsedAuth, now: number, profile: SigV4Profile): void {
  if (auth.form === 'query') {
    if (auth.time - now > MAX_SKEW_MS) {
      throw new SigV4Error('RequestTimeTooSkewed', `Request is not valid yet ((local: X-Amz-Date ${auth.amzDate} is more than 15 minutes ahead of ${formatAmzDate(now)}))`);
    }
    if (now > auth.time + auth.expiresSeconds! * 1000) {
      throw new SigV4Error('AccessDeniedExpired', 'Request has expired');
    }
    return;
  }
  const skew = now - auth.time;
  if (Math.abs(skew) <= MAX_SKEW_MS) return;
  if (profile.skewWording === 's3') {
    throw new SigV4Error(
      'RequestTimeTooSkewed',
      `The difference between the request time and the current time is too large. ((local: request time ${auth.amzDate}, server time ${formatAmzDate(now)}))`,
    );
  }
  throw new SigV4Error(
    'RequestTimeTooSkewed',
    skew > 0
      ? `Signature expired: ${auth.amzDate} is now earlier than ${formatAmzDate(now - MAX_SKEW_MS)} (${formatAmzDate(now)} - 15 min.)`
      : `Signature not yet current: ${auth.amzDate} is still later than ${formatAmzDate(now + MAX_SKEW_MS)} (${formatAmzDate(now)} + 15 min.)`,
  );
}

function checkSessionToken(auth: ParsedAuth, creds: IssuedCredentials, profile: SigV4Profile): void {
  if (!creds.sessionToken) return;
  if (auth.sessionToken === undefined || auth.sessionToken === '') {
    throw new SigV4Error(
      'InvalidToken',
      `${profile.messages.invalidToken} ((local: these are temporary credentials; send their session token as ${auth.form === 'query' ? 'X-Amz-Security-Token' : 'x-amz-security-token'}))`,
    );
  }
  if (!constantTimeEqual(auth.sessionToken, creds.sessionToken)) {
    throw new SigV4Error('InvalidToken', profile.messages.invalidToken);
  }
}

function checkScope(auth: ParsedAuth, opts: VerifySigV4Options, profile: SigV4Profile): void {
  const code: SigV4ErrorCode = auth.form === 'query' ? 'AuthorizationQueryParametersError' : 'IncompleteSignature';
  if (auth.scopeTerminator !== 'aws4_request') {
    throw new SigV4Error(code, `Credential should be scoped with a valid terminator: 'aws4_request', not '${auth.scopeTerminator}'.`);
  }
  if (auth.scopeRegion !== opts.region) {
    const malformed = profile.regionMismatch === 'malformed';
    throw new SigV4Error(
      malformed ? code : 'SignatureDoesNotMatch',
      malformed
        ? `The authorization ${auth.form === 'query' ? 'query parameters are' : 'header is'} malformed; the region '${auth.scopeRegion}' is wrong; expecting '${opts.region}'`
        : `Credential should be scoped to a valid region. ((local: got '${auth.scopeRegion}', this local cloud runs '${opts.region}'))`,
    );
  }
  if (auth.scopeService !== opts.service) {
    throw new SigV4Error('SignatureDoesNotMatch', `Credential should be scoped to correct service: '${opts.service}'.`);
  }
  const day = auth.amzDate.slice(0, 8);
  if (auth.scopeDate !== day) {
    throw new SigV4Error(
      'SignatureDoesNotMatch',
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.scopeDate}' != '${day}', from '${auth.amzDate}'.`,
    );
  }
}

function checkAmzHeadersSigned(req: Request, auth: ParsedAuth): void {
  const signed = new Set(auth.signedHeaders);
  const unsigned: string[] = [];
  req.headers.forEach((_value, name) => {
    if (name.startsWith('x-amz-') && !signed.has(name)) unsigned.push(name);
  });
  if (unsigned.length) {
    throw new SigV4Error('HeadersNotSigned', `There were headers present in the request which were not signed ((local: ${unsigned.join(', ')}))`);
  }
}

async function resolvePayloadHash(req: Request, auth: ParsedAuth, opts: VerifySigV4Options, profile: SigV4Profile): Promise<string> {
  const declared = auth.declaredPayloadHash;
  if (declared !== undefined && PAYLOAD_MARKERS.has(declared)) {
    // S3 presigned URLs never sign the payload, whatever the caller allows for header auth.
    const presignedS3 = profile.payloadHashing === 'declared' && auth.form === 'query' && declared === 'UNSIGNED-PAYLOAD';
    if (!opts.allowUnsignedPayload && !presignedS3) {
      throw new SigV4Error(
        'SignatureDoesNotMatch',
        `The request signature we calculated does not match the signature you provided. ((local: this service needs a signed payload, not '${declared}'))`,
      );
    }
    return declared;
  }
  if (profile.payloadHashing === 'declared') {
    if (auth.form === 'query' && declared === undefined) return 'UNSIGNED-PAYLOAD';
    if (declared !== undefined && !/^[0-9a-f]{64}$/.test(declared)) {
      throw new SigV4Error(
        'IncompleteSignature',
        'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, or a valid sha256 value.',
      );
    }
    if (opts.body === undefined) {
      if (declared === undefined) {
        throw new SigV4Error('IncompleteSignature', 'Missing required header for this request: x-amz-content-sha256');
      }
      return declared;
    }
    const actual = sha256Hex(opts.body);
    if (declared !== undefined && declared !== actual) {
      throw new SigV4Error('XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.");
    }
    return actual;
  }
  // Other services hash the body themselves; a wrong declared hash then fails the signature.
  return sha256Hex(opts.body ?? (await readClone(req)));
}

async function readClone(req: Request): Promise<Uint8Array> {
  if (!req.body) return new Uint8Array(0);
  if (req.bodyUsed) {
    throw new Error('verifySigV4: the request body was already read; pass it as opts.body');
  }
  return new Uint8Array(await req.clone().arrayBuffer());
}
