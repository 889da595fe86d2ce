import { SigV4Error, type SigV4ErrorCode } from './sigv4_errors.js';

/** The `Authorization` header or the presigned query, read into one shape before anything is checked. */

export const ALGORITHM = 'AWS4-HMAC-SHA256';
const MAX_PRESIGNED_EXPIRES_S = 7 * 24 * 60 * 60;

export interface ParsedAuth {
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

export interface QueryParam {
  key: string;
  value: string;
}

/** `missingMessage` is how the service words a request with no signature at all. */
export function parseAuth(req: Request, query: QueryParam[], missingMessage: string): ParsedAuth {
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
    throw new SigV4Error('MissingAuthenticationToken', missingMessage);
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
  // Over HTTP/2 clients sign the host as the `:authority` pseudo header.
  if (!names.includes('host') && !names.includes(':authority')) {
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

export function formatAmzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

/** Raw query → decoded pairs. `+` is a space, as AWS's form-style decoding reads it. */
export function parseQuery(search: string): QueryParam[] {
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
