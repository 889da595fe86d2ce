import { randomBytes } from 'node:crypto';
import { xmlError } from '../core/aws_errors.js';
import type { S3SignatureErrorCode } from '../core/sigv4_errors.js';

/** The `<Code>`s S3 answers with (the ones the local buckets can produce). */
export type S3ErrorCode =
  | S3SignatureErrorCode
  | 'BadDigest'
  | 'EntityTooLarge'
  | 'EntityTooSmall'
  | 'IncompleteBody'
  | 'InternalError'
  | 'InvalidArgument'
  | 'InvalidPart'
  | 'InvalidPartOrder'
  | 'InvalidRange'
  | 'InvalidRequest'
  | 'InvalidURI'
  | 'MalformedXML'
  | 'MethodNotAllowed'
  | 'MissingContentLength'
  | 'NoSuchBucket'
  | 'NoSuchKey'
  | 'NoSuchUpload'
  | 'NotImplemented'
  | 'PreconditionFailed';

/** An S3 error: code and status exactly as S3 answers. */
export class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: S3ErrorCode,
    message: string,
    readonly extra: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const s3Errors = {
  accessDenied: (msg = 'Access Denied') => new S3Error(403, 'AccessDenied', msg),
  noSuchKey: (key: string) => new S3Error(404, 'NoSuchKey', 'The specified key does not exist.', { Key: key }),
  noSuchBucket: (bucket: string) => new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket }),
  noSuchUpload: (id: string) =>
    new S3Error(404, 'NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', { UploadId: id }),
  malformedXml: () =>
    new S3Error(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema'),
  invalidArgument: (msg: string, name?: string, value?: string) =>
    new S3Error(400, 'InvalidArgument', msg, name ? { ArgumentName: name, ArgumentValue: value ?? '' } : {}),
  entityTooLarge: (max: number) =>
    new S3Error(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', { MaxSizeAllowed: String(max) }),
  entityTooSmall: () => new S3Error(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.'),
  invalidPart: () =>
    new S3Error(400, 'InvalidPart', "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag."),
  invalidPartOrder: () =>
    new S3Error(400, 'InvalidPartOrder', 'The list of parts was not in ascending order. Parts must be ordered by part number.'),
  invalidRange: (size: number) =>
    new S3Error(416, 'InvalidRange', 'The requested range is not satisfiable', { ActualObjectSize: String(size) }),
  badDigest: (what: string) => new S3Error(400, 'BadDigest', `The ${what} you specified did not match the calculated checksum.`),
  sha256Mismatch: () =>
    new S3Error(400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed."),
  methodNotAllowed: (method: string) =>
    new S3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.', { Method: method }),
  notImplemented: (what: string) =>
    new S3Error(501, 'NotImplemented', `A header or query you provided implies functionality that is not implemented. ((local: ${what}))`),
  preconditionFailed: () => new S3Error(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold'),
  invalidUri: () => new S3Error(400, 'InvalidURI', "Couldn't parse the specified URI."),
  missingContentLength: () => new S3Error(411, 'MissingContentLength', 'You must provide the Content-Length HTTP header.'),
};

export function requestId(): string {
  return randomBytes(8).toString('hex').toUpperCase();
}

/** The S3 error document for `err`, rendered by core's S3 XML error renderer. */
export function errorResponse(err: S3Error, resource: string, method: string, reqId = requestId()): Response {
  return xmlError<S3ErrorCode>(err.status, err.code, err.message, { resource, requestId: reqId, extra: err.extra, method, headers: { 'x-amz-id-2': reqId } });
}
