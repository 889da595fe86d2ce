import { escapeXml, newRequestId } from '../core/aws_errors.js';
import type { SigV4Error } from '../core/sigv4_errors.js';

/**
 * STS's Query protocol: form-encoded parameters (`Action=…&Version=2011-06-15`) in a POST body or
 * a GET query string, XML answers in the `https://sts.amazonaws.com/doc/2011-06-15/` namespace and
 * `<ErrorResponse>` errors whose `<Code>` the SDK turns into the error's name.
 */

export const STS_VERSION = '2011-06-15';
const NAMESPACE = `https://sts.amazonaws.com/doc/${STS_VERSION}/`;

/** The codes STS answers with (those the SDK models become `…Exception` classes). */
export type StsErrorCode =
  | 'AccessDenied'
  | 'ExpiredToken'
  | 'ExpiredTokenException'
  | 'IDPRejectedClaim'
  | 'IncompleteSignature'
  | 'InvalidAction'
  | 'InvalidClientTokenId'
  | 'InvalidIdentityToken'
  | 'MalformedPolicyDocument'
  | 'MissingAuthenticationToken'
  | 'SignatureDoesNotMatch'
  | 'ValidationError';

export class StsError extends Error {
  override readonly name = 'StsError';
  constructor(
    readonly status: number,
    readonly code: StsErrorCode,
    message: string,
  ) {
    super(message);
  }

  toResponse(): Response {
    const requestId = newRequestId();
    const type = this.status >= 500 ? 'Receiver' : 'Sender';
    const xml =
      `<ErrorResponse xmlns="${NAMESPACE}">\n  <Error>\n    <Type>${type}</Type>\n    <Code>${this.code}</Code>\n` +
      `    <Message>${escapeXml(this.message)}</Message>\n  </Error>\n  <RequestId>${requestId}</RequestId>\n</ErrorResponse>\n`;
    return new Response(xml, { status: this.status, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId } });
  }
}

/** `1 validation error detected: Value … at '<field>' failed to satisfy constraint: …`, as STS words it. */
export function validationError(field: string, value: string | undefined, constraint: string): StsError {
  const shown = value === undefined ? 'null' : `'${value}'`;
  return new StsError(400, 'ValidationError', `1 validation error detected: Value ${shown} at '${field}' failed to satisfy constraint: ${constraint}`);
}

/** How STS answers each SigV4 failure (403 for credential problems, as the Query services do). */
export function signatureError(err: SigV4Error): StsError {
  switch (err.code) {
    case 'InvalidAccessKeyId':
    case 'InvalidToken':
      return new StsError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
    case 'ExpiredToken':
      return new StsError(403, 'ExpiredToken', 'The security token included in the request is expired');
    case 'MissingAuthenticationToken':
      return new StsError(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
    case 'SignatureDoesNotMatch':
    case 'RequestTimeTooSkewed':
    case 'AccessDeniedExpired':
    case 'XAmzContentSHA256Mismatch':
    case 'HeadersNotSigned':
      return new StsError(403, 'SignatureDoesNotMatch', err.message);
    default:
      return new StsError(400, 'IncompleteSignature', err.message);
  }
}

/** The request's parameters: the query string's, then the form body's (a POST's body wins). */
export function queryParameters(url: URL, body: string, contentType: string | null): Map<string, string> {
  const params = new Map<string, string>();
  for (const [k, v] of url.searchParams) params.set(k, v);
  if (body && (contentType ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(body)) params.set(k, v);
  }
  return params;
}

type XmlValue = string | number | undefined | { [key: string]: XmlValue };

function xmlFields(fields: Record<string, XmlValue>, indent: string): string {
  let out = '';
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (typeof value === 'object') out += `${indent}<${name}>\n${xmlFields(value, `${indent}  `)}${indent}</${name}>\n`;
    else out += `${indent}<${name}>${escapeXml(String(value))}</${name}>\n`;
  }
  return out;
}

/** `<ActionResponse><ActionResult>…</ActionResult><ResponseMetadata><RequestId>…`. */
export function xmlResult(action: string, result: Record<string, XmlValue>): Response {
  const requestId = newRequestId();
  const xml =
    `<${action}Response xmlns="${NAMESPACE}">\n  <${action}Result>\n${xmlFields(result, '    ')}  </${action}Result>\n` +
    `  <ResponseMetadata>\n    <RequestId>${requestId}</RequestId>\n  </ResponseMetadata>\n</${action}Response>\n`;
  return new Response(xml, { status: 200, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId } });
}

/** STS writes expirations to the second: `2026-01-05T13:00:00Z`. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
