import { escapeXml, newRequestId } from '../core/aws_errors.js';

/**
 * SQS's error vocabulary: the name the JSON protocol puts in `__type` (`com.amazonaws.sqs#<name>`
 * for modelled errors), the code of the Query protocol (also sent as `x-amzn-query-error`, which
 * the SDKs read to name the error) and the status.
 */
const ERRORS = {
  QueueDoesNotExist: { code: 'AWS.SimpleQueueService.NonExistentQueue', status: 400, modelled: true },
  ReceiptHandleIsInvalid: { code: 'ReceiptHandleIsInvalid', status: 404, modelled: true },
  MessageNotInflight: { code: 'AWS.SimpleQueueService.MessageNotInflight', status: 400, modelled: true },
  InvalidAddress: { code: 'InvalidAddress', status: 404, modelled: true },
  InvalidAttributeName: { code: 'InvalidAttributeName', status: 400, modelled: true },
  InvalidMessageContents: { code: 'InvalidMessageContents', status: 400, modelled: true },
  InvalidBatchEntryId: { code: 'AWS.SimpleQueueService.InvalidBatchEntryId', status: 400, modelled: true },
  EmptyBatchRequest: { code: 'AWS.SimpleQueueService.EmptyBatchRequest', status: 400, modelled: true },
  TooManyEntriesInBatchRequest: { code: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest', status: 400, modelled: true },
  BatchEntryIdsNotDistinct: { code: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct', status: 400, modelled: true },
  BatchRequestTooLong: { code: 'AWS.SimpleQueueService.BatchRequestTooLong', status: 400, modelled: true },
  PurgeQueueInProgress: { code: 'AWS.SimpleQueueService.PurgeQueueInProgress', status: 403, modelled: true },
  UnsupportedOperation: { code: 'AWS.SimpleQueueService.UnsupportedOperation', status: 400, modelled: true },
  InvalidParameterValue: { code: 'InvalidParameterValue', status: 400, modelled: false },
  MissingParameter: { code: 'MissingParameter', status: 400, modelled: false },
  InvalidAction: { code: 'InvalidAction', status: 400, modelled: false },
  AccessDenied: { code: 'AccessDenied', status: 403, modelled: false },
  InvalidClientTokenId: { code: 'InvalidClientTokenId', status: 403, modelled: false },
  SignatureDoesNotMatch: { code: 'SignatureDoesNotMatch', status: 403, modelled: false },
  ExpiredToken: { code: 'ExpiredToken', status: 403, modelled: false },
  IncompleteSignature: { code: 'IncompleteSignature', status: 400, modelled: false },
  MissingAuthenticationToken: { code: 'MissingAuthenticationToken', status: 403, modelled: false },
  RequestEntityTooLarge: { code: 'RequestEntityTooLarge', status: 413, modelled: false },
  MalformedQueryString: { code: 'MalformedQueryString', status: 400, modelled: false },
} as const;

export type SqsErrorName = keyof typeof ERRORS;

export class SqsError extends Error {
  constructor(
    readonly type: SqsErrorName,
    message: string,
  ) {
    super(message);
    this.name = type;
  }

  get code(): string {
    return ERRORS[this.type].code;
  }

  get status(): number {
    return ERRORS[this.type].status;
  }

  /** `Sender` for the caller's mistakes; every error here is one. */
  get fault(): 'Sender' {
    return 'Sender';
  }
}

export const queueDoesNotExist = () => new SqsError('QueueDoesNotExist', 'The specified queue does not exist.');
export const missingParameter = (name: string) => new SqsError('MissingParameter', `The request must contain the parameter ${name}.`);
export const invalidParameter = (name: string, value: unknown, reason: string) =>
  new SqsError('InvalidParameterValue', `Value ${String(value)} for parameter ${name} is invalid. Reason: ${reason}`);

/** The AWS JSON 1.0 error body, with the header the SDKs read to name the error as the Query protocol does. */
export function jsonErrorResponse(err: SqsError, requestId = newRequestId()): Response {
  const type = ERRORS[err.type].modelled ? `com.amazonaws.sqs#${err.type}` : err.code;
  return new Response(JSON.stringify({ __type: type, message: err.message }), {
    status: err.status,
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-requestid': requestId,
      'x-amzn-query-error': `${err.code};${err.fault}`,
    },
  });
}

/** The Query protocol's `<ErrorResponse>`. */
export function xmlErrorResponse(err: SqsError, requestId = newRequestId()): Response {
  const body =
    '<?xml version="1.0"?><ErrorResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/">' +
    `<Error><Type>${err.fault}</Type><Code>${escapeXml(err.code)}</Code><Message>${escapeXml(err.message)}</Message><Detail/></Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`;
  return new Response(body, { status: err.status, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId } });
}
