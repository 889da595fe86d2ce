import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from './clock.js';
import type { CredentialStore, IssuedCredentials } from './registry.js';

/**
 * Verifies AWS Signature Version 4 (header and presigned-query forms) against credentials the local
 * identity pool or the functions service issued. The canonicalisation follows the spec and what the
 * real clients send: `@smithy/signature-v4` (AWS SDK v3) and `@aws-amplify/core`'s signer (which signs
 * every header it sets and, for S3, does not re-encode the path).
 */

/**
 * `code`s from the team contract, plus four that S3 distinguishes:
 * - `AccessDeniedExpired`: a presigned URL past `X-Amz-Date + X-Amz-Expires` (S3: 403 AccessDenied "Request has expired");
 * - `AuthorizationQueryParametersError`: bad presigned parameters (S3: 400, same name);
 * - `XAmzContentSHA256Mismatch`: the body does not hash to `x-amz-content-sha256` (S3: 400, same name);
 * - `HeadersNotSigned`: an `x-amz-*` header sent to S3 but not signed (S3: 403 AccessDenied).
 * `s3` and `json` give the status and error name each protocol family answers with.
 */
export type SigV4ErrorCode =
  | 'InvalidAccessKeyId'
  | 'SignatureDoesNotMatch'
  | 'ExpiredToken'
  | 'RequestTimeTooSkewed'
  | 'MissingAuthenticationToken'
  | 'IncompleteSignature'
  | 'InvalidToken'
  | 'AccessDeniedExpired'
  | 'AuthorizationQueryParametersError'
  | 'XAmzContentSHA256Mismatch'
  | 'HeadersNotSigned';

const S3_WIRE: Record<SigV4ErrorCode, { status: number; code: string }> = {
  InvalidAccessKeyId: { status: 403, code: 'InvalidAccessKeyId' },
  SignatureDoesNotMatch: { status: 403, code: 'SignatureDoesNotMatch' },
  ExpiredToken: { status: 400, code: 'ExpiredToken' },
  RequestTimeTooSkewed: { status: 403, code: 'RequestTimeTooSkewed' },
  MissingAuthenticationToken: { status: 403, code: 'AccessDenied' },
  IncompleteSignature: { status: 400, code: 'AuthorizationHeaderMalformed' },
  InvalidToken: { status: 400, code: 'InvalidToken' },
  AccessDeniedExpired: { status: 403, code: 'AccessDenied' },
  AuthorizationQueryParametersError: { status: 400, code: 'AuthorizationQueryParametersError' },
  XAmzContentSHA256Mismatch: { status: 400, code: 'XAmzContentSHA256Mismatch' },
  HeadersNotSigned: { status: 403, code: 'AccessDenied' },
};

/** AWS JSON-protocol services (DynamoDB, Kinesis, Cognito...) answer signature failures with these. */
const JSON_WIRE: Record<SigV4ErrorCode, { status: number; type: string }> = {
  InvalidAccessKeyId: { status: 400, type: 'UnrecognizedClientException' },
  SignatureDoesNotMatch: { status: 400, type: 'InvalidSignatureException' },
  ExpiredToken: { status: 400, type: 'ExpiredTokenException' },
  RequestTimeTooSkewed: { status: 400, type: 'InvalidSignatureException' },
  MissingAuthenticationToken: { status: 400, type: 'MissingAuthenticationTokenException' },
  IncompleteSignature: { status: 400, type: 'IncompleteSignatureException' },
  InvalidToken: { status: 400, type: 'UnrecognizedClientException' },
  AccessDeniedExpired: { status: 403, type: 'AccessDeniedException' },
  AuthorizationQueryParametersError: { status: 400, type: 'IncompleteSignatureException' },
  XAmzContentSHA256Mismatch: { status: 400, type: 'InvalidSignatureException' },
  HeadersNotSigned: { status: 400, type: 'InvalidSignatureException' },
};

export class SigV4Error extends Error {
  override readonly name = 'SigV4Error';
  /** For SignatureDoesNotMatch: what we signed, so a client author can diff it (S3 returns these too). */
  canonicalRequest?: string;
  stringToSign?: string;

  constructor(
    readonly code: SigV4ErrorCode,
    message: string,
  ) {
    super(message);
  }

  /** S3's status and `<Code>` for this failure. */
  get s3(): { status: number; code: string } {
    return S3_WIRE[this.code];
  }

  /** Status and `__type` a JSON-protocol service answers with. */
  get json(): { status: number; type: string } {
    return JSON_WIRE[this.code];
  }
}

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

const ALGORITHM = 'AWS4-HMAC-SHA256';
const MAX_SKEW_MS = 15 * 60 * 1000;
const MAX_PRESIGNED_EXPIRES_S = 7 * 24 * 60 * 60;
/** Payload markers S3 accepts in `x-amz-content-sha256` instead of a hash. */
const PAYLOAD_MARKERS = new Set([
  'UNSIGNED-PAYLOAD',
  'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
]);

interface ParsedAuth {
  form: 'header' | 'query';
  accessKeyId: string;
  scopeDate: string;
  scopeRegion: string;
  scopeService: string;
  scopeTerminator: string;
  signedHeaders: string[];
  signature: string;
  amzDate: string;
  /** Epoch ms of `amzDate`. */
  time: number;
  expiresSeconds?: number;
  sessionToken?: string;
  /** `x-amz-content-sha256` as declared (header, or query for presigned). */
  declaredPayloadHash?: string;
}

interface QueryParam {
  key: string;
  value: string;
}

export async function verifySigV4(req: Request, opts: VerifySigV4Options): Promise<VerifiedSigV4> {
  const url = new URL(req.url);
  const isS3 = opts.service === 's3';
  const query = parseQuery(url.search);
  const auth = parseAuth(req, query, isS3);
  const now = opts.clock.now();

  checkTime(auth, now, isS3);

  const creds = opts.credentials.lookup(auth.accessKeyId);
  if (!creds) {
    throw new SigV4Error(
      'InvalidAccessKeyId',
      isS3 ? 'The AWS Access Key Id you provided does not exist in our records.' : 'The security token included in the request is invalid.',
    );
  }
  checkSessionToken(auth, creds, isS3);
  if (now >= creds.expiration) {
    throw new SigV4Error('ExpiredToken', isS3 ? 'The provided token has expired.' : 'The security token included in the request is expired');
  }
  checkScope(auth, opts, isS3);
  if (isS3) checkAmzHeadersSigned(req, auth);

  const payloadHash = await resolvePayloadHash(req, auth, opts, isS3);
  const host = req.headers.get('host') ?? url.host;
  const canonicalQuery = canonicalQueryString(query);
  const scope = `${auth.scopeDate}/${auth.scopeRegion}/${auth.scopeService}/${auth.scopeTerminator}`;
  const key = signingKey(creds.secretAccessKey, auth.scopeDate, auth.scopeRegion, auth.scopeService);

  // A request is accepted if any faithful canonicalisation matches: clients differ only where the
  // spec is loose (path normalisation outside S3, how repeated headers were joined).
  let first: { canonicalRequest: string; stringToSign: string } | undefined;
  for (const uri of canonicalUris(url.pathname, isS3)) {
    for (const headerBlock of canonicalHeaderBlocks(req, auth.signedHeaders, host)) {
      const canonicalRequest = [req.method.toUpperCase(), uri, canonicalQuery, headerBlock, auth.signedHeaders.join(';'), payloadHash].join('\n');
      const stringToSign = [ALGORITHM, auth.amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
      const expected = createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
      if (constantTimeEqual(expected, auth.signature)) {
        return { credentials: creds, payloadHash, form: auth.form, signedHeaders: auth.signedHeaders };
      }
      first ??= { canonicalRequest, stringToSign };
    }
  }
  const err = new SigV4Error(
    'SignatureDoesNotMatch',
    isS3
      ? 'The request signature we calculated does not match the signature you provided. Check your key and signing method.'
      : 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  );
  err.canonicalRequest = first?.canonicalRequest;
  err.stringToSign = first?.stringToSign;
  throw err;
}

// ── parsing ──────────────────────────────────────────────────────────────────

function parseAuth(req: Request, query: QueryParam[], isS3: boolean): ParsedAuth {
  const header = req.headers.get('authorization');
  const q = (name: string) => query.find((p) => p.key === name)?.value;
  const hasQueryAuth = q('X-Amz-Algorithm') !== undefined || q('X-Amz-Signature') !== undefined || q('X-Amz-Credential') !== undefined;
  if (header !== null && hasQueryAuth) {
    throw new SigV4Error(
      'IncompleteSignature',
      'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
    );
  }
  if (hasQueryAuth) return parseQueryAuth(req, query);
  if (header === null || header.trim() === '') {
    throw new SigV4Error('MissingAuthenticationToken', isS3 ? 'Access Denied' : 'Missing Authentication Token');
  }
  return parseHeaderAuth(req, header);
}

function parseHeaderAuth(req: Request, header: string): ParsedAuth {
  const trimmed = header.trim();
  const space = trimmed.indexOf(' ');
  const algorithm = space < 0 ? trimmed : trimmed.slice(0, space);
  if (algorithm !== ALGORITHM) {
    throw new SigV4Error(
      'IncompleteSignature',
      `Unsupported Authorization Type '${algorithm}' ((local: only ${ALGORITHM} signatures are accepted))`,
    );
  }
  const fields = new Map<string, string>();
  for (const part of trimmed.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((f) => !fields.get(f));
  if (missing.length) {
    throw new SigV4Error(
      'IncompleteSignature',
      `${missing.map((f) => `Authorization header requires '${f}' parameter.`).join(' ')} Authorization=${trimmed}`,
    );
  }
  const credential = parseCredential(fields.get('Credential')!, 'IncompleteSignature');
  const amzDateHeader = req.headers.get('x-amz-date');
  let amzDate: string;
  let time: number;
  if (amzDateHeader !== null) {
    amzDate = amzDateHeader.trim();
    time = parseAmzDate(amzDate);
    if (Number.isNaN(time)) {
      throw new SigV4Error(
        'IncompleteSignature',
        `Date must be in ISO-8601 'basic format'. Got '${amzDate}'. See http://en.wikipedia.org/wiki/ISO_8601`,
      );
    }
  } else {
    const date = req.headers.get('date');
    time = date === null ? NaN : Date.parse(date);
    if (Number.isNaN(time)) {
      throw new SigV4Error('IncompleteSignature', "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
    }
    amzDate = formatAmzDate(time);
  }
  const tokenHeader = req.headers.get('x-amz-security-token');
  return {
    form: 'header',
    ...credential,
    signedHeaders: parseSignedHeaders(fields.get('SignedHeaders')!, 'IncompleteSignature'),
    signature: fields.get('Signature')!,
    amzDate,
    time,
    sessionToken: tokenHeader ?? undefined,
    declaredPayloadHash: req.headers.get('x-amz-content-sha256')?.trim(),
  };
}

function parseQueryAuth(req: Request, query: QueryParam[]): ParsedAuth {
  const q = (name: string) => query.find((p) => p.key === name)?.value;
  const qi = (lower: string) => query.find((p) => p.key.toLowerCase() === lower)?.value;
  const required = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Expires'];
  if (required.some((name) => !q(name))) {
    throw new SigV4Error(
      'AuthorizationQueryParametersError',
      'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
    );
  }
  if (q('X-Amz-Algorithm') !== ALGORITHM) {
    throw new SigV4Error('AuthorizationQueryParametersError', `X-Amz-Algorithm only supports "${ALGORITHM}"`);
  }
  const amzDate = q('X-Amz-Date')!;
  const time = parseAmzDate(amzDate);
  if (Number.isNaN(time)) {
    throw new SigV4Error('AuthorizationQueryParametersError', `X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`);
  }
  const expiresText = q('X-Amz-Expires')!;
  if (!/^-?\d+$/.test(expiresText)) {
    throw new SigV4Error('AuthorizationQueryParametersError', 'X-Amz-Expires should be a number');
  }
  const expiresSeconds = Number(expiresText);
  if (expiresSeconds < 0) throw new SigV4Error('AuthorizationQueryParametersError', 'X-Amz-Expires must be non-negative');
  if (expiresSeconds > MAX_PRESIGNED_EXPIRES_S) {
    throw new SigV4Error('AuthorizationQueryParametersError', `X-Amz-Expires must be less than a week (in seconds) that is ${MAX_PRESIGNED_EXPIRES_S}`);
  }
  return {
    form: 'query',
    ...parseCredential(q('X-Amz-Credential')!, 'AuthorizationQueryParametersError'),
    signedHeaders: parseSignedHeaders(q('X-Amz-SignedHeaders')!, 'AuthorizationQueryParametersError'),
    signature: q('X-Amz-Signature')!,
    amzDate,
    time,
    expiresSeconds,
    sessionToken: q('X-Amz-Security-Token') ?? req.headers.get('x-amz-security-token') ?? undefined,
    // The S3 presigner hoists `x-amz-content-sha256` into the query (the name's case varies by SDK).
    declaredPayloadHash: (qi('x-amz-content-sha256') ?? req.headers.get('x-amz-content-sha256'))?.trim() ?? undefined,
  };
}

function parseCredential(
  credential: string,
  code: SigV4ErrorCode,
): Pick<ParsedAuth, 'accessKeyId' | 'scopeDate' | 'scopeRegion' | 'scopeService' | 'scopeTerminator'> {
  const parts = credential.split('/');
  if (parts.length !== 5 || parts.some((p) => p === '')) {
    throw new SigV4Error(
      code,
      `Incorrect credential scope format '${credential}' ((local: expected <access key id>/<YYYYMMDD>/<region>/<service>/aws4_request))`,
    );
  }
  const [accessKeyId, scopeDate, scopeRegion, scopeService, scopeTerminator] = parts;
  return { accessKeyId, scopeDate, scopeRegion, scopeService, scopeTerminator };
}

function parseSignedHeaders(list: string, code: SigV4ErrorCode): string[] {
  const names = list.split(';').map((h) => h.trim().toLowerCase());
  if (names.some((n) => n === '')) throw new SigV4Error(code, `Invalid SignedHeaders '${list}'`);
  if (!names.includes('host')) {
    throw new SigV4Error(code, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }
  return names;
}

/** `YYYYMMDDTHHMMSSZ` → epoch ms, NaN when malformed. */
function parseAmzDate(text: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return NaN;
  const [, y, mo, d, h, mi, s] = m.map(Number);
  const t = Date.UTC(y, mo - 1, d, h, mi, s);
  // Reject dates Date.UTC silently rolled over (month 13, second 61...).
  return formatAmzDate(t) === text ? t : NaN;
}

function formatAmzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

/** Raw query → decoded pairs. `+` is a space, as AWS's form-style decoding reads it. */
function parseQuery(search: string): QueryParam[] {
  const out: QueryParam[] = [];
  for (const part of search.replace(/^\?/, '').split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawKey = eq < 0 ? part : part.slice(0, eq);
    const rawValue = eq < 0 ? '' : part.slice(eq + 1);
    out.push({ key: safeDecode(rawKey), value: safeDecode(rawValue) });
  }
  return out;
}

function safeDecode(text: string): string {
  const spaced = text.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    // A malformed escape cannot have been produced by a signer; keep it verbatim so the signature fails.
    return spaced;
  }
}

// ── checks ───────────────────────────────────────────────────────────────────

function checkTime(auth: ParsedAuth, now: number, isS3: boolean): void {
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
  if (isS3) {
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

function checkSessionToken(auth: ParsedAuth, creds: IssuedCredentials, isS3: boolean): void {
  if (!creds.sessionToken) return;
  if (auth.sessionToken === undefined || auth.sessionToken === '') {
    throw new SigV4Error(
      'InvalidToken',
      `${isS3 ? 'The provided token is malformed or otherwise invalid.' : 'The security token included in the request is invalid.'} ((local: these are temporary credentials; send their session token as ${auth.form === 'query' ? 'X-Amz-Security-Token' : 'x-amz-security-token'}))`,
    );
  }
  if (!constantTimeEqual(auth.sessionToken, creds.sessionToken)) {
    throw new SigV4Error(
      'InvalidToken',
      isS3 ? 'The provided token is malformed or otherwise invalid.' : 'The security token included in the request is invalid.',
    );
  }
}

function checkScope(auth: ParsedAuth, opts: VerifySigV4Options, isS3: boolean): void {
  const code: SigV4ErrorCode = auth.form === 'query' ? 'AuthorizationQueryParametersError' : 'IncompleteSignature';
  if (auth.scopeTerminator !== 'aws4_request') {
    throw new SigV4Error(code, `Credential should be scoped with a valid terminator: 'aws4_request', not '${auth.scopeTerminator}'.`);
  }
  if (auth.scopeRegion !== opts.region) {
    throw new SigV4Error(
      isS3 ? code : 'SignatureDoesNotMatch',
      isS3
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

/** S3 refuses `x-amz-*` headers the signature does not cover (they change what is stored). */
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

async function resolvePayloadHash(req: Request, auth: ParsedAuth, opts: VerifySigV4Options, isS3: boolean): Promise<string> {
  const declared = auth.declaredPayloadHash;
  if (declared !== undefined && PAYLOAD_MARKERS.has(declared)) {
    // S3 presigned URLs never sign the payload, whatever the caller allows for header auth.
    const presignedS3 = isS3 && auth.form === 'query' && declared === 'UNSIGNED-PAYLOAD';
    if (!opts.allowUnsignedPayload && !presignedS3) {
      throw new SigV4Error(
        'SignatureDoesNotMatch',
        `The request signature we calculated does not match the signature you provided. ((local: this service needs a signed payload, not '${declared}'))`,
      );
    }
    return declared;
  }
  if (isS3) {
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

// ── canonical request ────────────────────────────────────────────────────────

/**
 * S3 signs the path exactly as sent (already percent-encoded once). Other services sign the
 * normalised path encoded a second time; Amplify's own signer skips the normalisation, so its
 * variant is accepted too.
 */
function canonicalUris(pathname: string, isS3: boolean): string[] {
  const path = pathname || '/';
  if (isS3) return [path];
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
  const values = signedHeaders.map((name) => trimAll(name === 'host' ? host : (req.headers.get(name) ?? '')));
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

// ── crypto ───────────────────────────────────────────────────────────────────

function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  let key = createHmac('sha256', `AWS4${secret}`).update(date).digest();
  for (const part of [region, service, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  return key;
}

/** Compares digests of both sides so neither the content nor the length leaks through timing. */
function constantTimeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}
