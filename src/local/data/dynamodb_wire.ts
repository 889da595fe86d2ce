/**
 * DynamoDB's JSON 1.0 wire format (`X-Amz-Target: DynamoDB_20120810.<Op>`, the protocol of
 * functions' SDK calls, see dynamodb_proxy.ts): parses a request body into an operation's input,
 * and marshals its output or DynamoDbError into a response body with DynamoDB's `x-amz-crc32`
 * checksum and `x-amzn-errortype` headers.
 */
import zlib from 'node:zlib';
import type { Logger } from '../core/logger.js';
import { DynamoDbError } from './dynamo/dynalite.js';

type Input = Record<string, unknown>;

const TARGET_PREFIX = 'DynamoDB_20120810.';

export interface DynamoDbJsonResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The operations a JSON request is dispatched to. */
export interface DynamoDbOperations {
  supports(op: string): boolean;
  /** Throws DynamoDbError for a request DynamoDB would reject. */
  request(op: string, input: Input): Promise<Input>;
}

/** `target` is the full header value or just the operation name. Never throws for bad input. */
export async function handleDynamoDbJson(ops: DynamoDbOperations, target: string, body: string, log: Logger): Promise<DynamoDbJsonResponse> {
  let op = target;
  if (target.includes('.')) {
    if (!target.startsWith(TARGET_PREFIX)) return wireError(new DynamoDbError('UnknownOperationException', ''));
    op = target.slice(TARGET_PREFIX.length);
  }
  if (!ops.supports(op)) return wireError(new DynamoDbError('UnknownOperationException', ''));
  let input: unknown;
  try {
    input = body.trim() === '' ? {} : JSON.parse(body);
  } catch {
    return wireError(new DynamoDbError('SerializationException', 'Start of structure or map found where not expected'));
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return wireError(new DynamoDbError('SerializationException', 'Start of structure or map found where not expected'));
  }
  try {
    const out = await ops.request(op, input as Input);
    return wire(200, out);
  } catch (err) {
    if (err instanceof DynamoDbError) return wireError(err);
    log.error(`DynamoDB ${op} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return wireError(new DynamoDbError('InternalServerError', 'Internal server error', 500));
  }
}

function wire(status: number, payload: unknown): DynamoDbJsonResponse {
  const body = JSON.stringify(payload);
  return { status, headers: { 'x-amz-crc32': String(zlib.crc32(body)) }, body };
}

function wireError(err: DynamoDbError): DynamoDbJsonResponse {
  const payload: Input = { __type: err.wireType, ...err.extra };
  if (err.message) payload.message = err.message;
  const out = wire(err.statusCode, payload);
  out.headers['x-amzn-errortype'] = err.type;
  return out;
}
