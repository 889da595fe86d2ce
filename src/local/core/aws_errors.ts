import { randomUUID } from 'node:crypto';
import type { S3SignatureErrorCode } from './sigv4_errors.js';

/**
 * AWS-shaped error responses. Each AWS protocol has its own error body; services pick the one
 * their real counterpart uses so SDK error parsing (`error.name`, `$metadata`) works unchanged.
 */

/**
 * Error names every AWS JSON and REST-JSON service shares: request signing, authorization and
 * request-level failures. Each service's own vocabulary is this plus the names its API documents.
 */
export type CommonErrorName =
  | 'UnrecognizedClientException'
  | 'InvalidSignatureException'
  | 'ExpiredTokenException'
  | 'IncompleteSignatureException'
  | 'MissingAuthenticationTokenException'
  | 'AccessDeniedException'
  | 'SerializationException'
  | 'UnknownOperationException'
  | 'ValidationException';

/** What the frame itself (router, admin API) answers with. */
export type FrameErrorName = CommonErrorName | 'ResourceNotFoundException' | 'MethodNotAllowedException' | 'InternalFailure';

/** Request ids only label responses; they never drive behaviour, so they need not be injected. */
export function newRequestId(): string {
  return randomUUID();
}

/**
 * AWS JSON 1.0/1.1 (Cognito, DynamoDB, Kinesis, Lambda...):
 * `{"__type": "NotAuthorizedException", "message": "..."}` with `x-amzn-ErrorType`.
 * `Name` is the caller's vocabulary (a service passes its own union; the frame's is the default),
 * never inferred from the argument, so a misspelt name does not compile.
 */
export function jsonError<Name extends string = FrameErrorName>(
  status: number,
  type: NoInfer<Name>,
  message: string,
  extra: Record<string, unknown> = {},
  opts: { requestId?: string; contentType?: string; headers?: Record<string, string> } = {},
): Response {
  const requestId = opts.requestId ?? newRequestId();
  return new Response(JSON.stringify({ __type: type, message, ...extra }), {
    status,
    headers: {
      'content-type': opts.contentType ?? 'application/x-amz-json-1.1',
      'x-amzn-errortype': type,
      'x-amzn-requestid': requestId,
      ...opts.headers,
    },
  });
}

/** REST-JSON (Pinpoint, AppSync...): `{"Message": "...", "RequestID": "..."}` with `x-amzn-ErrorType`. */
export function restJsonError<Name extends string = FrameErrorName>(
  status: number,
  type: NoInfer<Name>,
  message: string,
  extra: Record<string, unknown> = {},
  opts: { requestId?: string; headers?: Record<string, string> } = {},
): Response {
  const requestId = opts.requestId ?? newRequestId();
  return new Response(JSON.stringify({ Message: message, RequestID: requestId, ...extra }), {
    status,
    headers: {
      'content-type': 'application/json',
      'x-amzn-errortype': type,
      'x-amzn-requestid': requestId,
      ...opts.headers,
    },
  });
}

/** Escapes text for an XML element; line breaks and tabs become character references so they survive parsing. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&'"\r\n\t]/g, (c) =>
    ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;', '\r': '&#13;', '\n': '&#10;', '\t': '&#9;' })[c]!,
  );
}

/**
 * S3 REST-XML: `<Error><Code/><Message/><Resource/><RequestId/></Error>`, with no namespace. `extra`
 * adds elements (e.g. `Key`, `BucketName`, `Condition`). HEAD requests get no body (and so no
 * content type), as S3 does. The one renderer of this document: storage's errors go through it.
 */
export function xmlError<Code extends string = S3SignatureErrorCode>(
  status: number,
  code: NoInfer<Code>,
  message: string,
  opts: { resource?: string; requestId?: string; extra?: Record<string, string>; method?: string; headers?: Record<string, string> } = {},
): Response {
  const requestId = opts.requestId ?? newRequestId().replace(/-/g, '').slice(0, 16).toUpperCase();
  const extra = Object.entries(opts.extra ?? {})
    .map(([k, v]) => `<${k}>${escapeXml(v)}</${k}>`)
    .join('');
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message>${extra}` +
    (opts.resource !== undefined ? `<Resource>${escapeXml(opts.resource)}</Resource>` : '') +
    `<RequestId>${escapeXml(requestId)}</RequestId></Error>`;
  const head = opts.method === 'HEAD';
  return new Response(head ? null : body, {
    status,
    headers: { ...(head ? {} : { 'content-type': 'application/xml' }), 'x-amz-request-id': requestId, ...opts.headers },
  });
}

export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
  constructor(readonly limitBytes: number) {
    super(`Request body exceeds the ${limitBytes}-byte limit ((local: send a smaller request))`);
  }
}

/**
 * Reads a request body into memory, refusing (BodyTooLargeError) as soon as it would exceed
 * `limitBytes` — before reading anything when Content-Length already says so. For small bodies only
 * (JSON APIs); streaming services (S3 PUT) read `req.body` themselves.
 */
export async function readBody(req: Request, limitBytes: number): Promise<Buffer> {
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limitBytes) {
    await req.body?.cancel().catch(() => {});
    throw new BodyTooLargeError(limitBytes);
  }
  if (!req.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limitBytes) {
      await reader.cancel().catch(() => {});
      throw new BodyTooLargeError(limitBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}

/** An AWS JSON-protocol error: `type` is the `__type` the SDKs surface as `error.name`. */
export class AwsJsonError<Name extends string = CommonErrorName> extends Error {
  constructor(
    readonly type: Name,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = type;
  }

  toResponse(): Response {
    return jsonError<Name>(this.status, this.type, this.message);
  }
}
