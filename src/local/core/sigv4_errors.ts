import type { CommonErrorName } from './aws_errors.js';

/**
 * SigV4 failures and how each protocol family words them on the wire. `code`s come from the team
 * contract, plus four that S3 distinguishes:
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

/** The `<Code>`s S3 answers signature and presigning failures with. */
export type S3SignatureErrorCode =
  | 'InvalidAccessKeyId'
  | 'SignatureDoesNotMatch'
  | 'ExpiredToken'
  | 'RequestTimeTooSkewed'
  | 'AccessDenied'
  | 'AuthorizationHeaderMalformed'
  | 'InvalidToken'
  | 'AuthorizationQueryParametersError'
  | 'XAmzContentSHA256Mismatch';

const S3_WIRE: Record<SigV4ErrorCode, { status: number; code: S3SignatureErrorCode }> = {
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
const JSON_WIRE: Record<SigV4ErrorCode, { status: number; type: CommonErrorName }> = {
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
  get s3(): { status: number; code: S3SignatureErrorCode } {
    return S3_WIRE[this.code];
  }

  /** Status and `__type` a JSON-protocol service answers with. */
  get json(): { status: number; type: CommonErrorName } {
    return JSON_WIRE[this.code];
  }
}
