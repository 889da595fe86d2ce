import { jsonError } from '../core/aws_errors.js';
import { verifyCaller } from '../core/caller.js';
import type { IdSource } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { SigV4Error } from '../core/sigv4_errors.js';
import { iamIdentity, type AuthDeps } from './auth_modes.js';
import type { DynamoEngine } from './engine/types.js';
import type { DynamoDbErrorName } from './dynamo/dynalite.js';
import type { DataRecorder } from './metrics.js';
import { sourceIpOf } from './http.js';

/**
 * `X-Amz-Target: DynamoDB_20120810.<Op>`: functions' SDK calls (their env points
 * `AWS_ENDPOINT_URL_DYNAMODB` here) reach the engine's tables through DynamoDB's JSON protocol.
 * Like DynamoDB, the caller must sign with SigV4 (service `dynamodb`) and its role must allow
 * `dynamodb:<Op>` on the table (or index) ARN.
 */

/** DynamoDB's own request size limit. */
const MAX_DYNAMODB_REQUEST_BYTES = 16 * 1024 * 1024;
const CONTENT_TYPE = 'application/x-amz-json-1.0';

export interface DynamoProxyDeps extends AuthDeps {
  dynamodb(): DynamoEngine | undefined;
  recorder: DataRecorder;
  ids: IdSource;
  log: Logger;
}

function dynamoError(status: number, type: DynamoDbErrorName, message: string): Response {
  const prefix = type === 'ResourceNotFoundException' || type === 'ValidationException' ? 'com.amazonaws.dynamodb.v20120810' : 'com.amazon.coral.service';
  return jsonError<`${typeof prefix}#${DynamoDbErrorName}`>(status, `${prefix}#${type}`, message, {}, { contentType: CONTENT_TYPE });
}

/** The ARNs an operation touches (table, or index for Query/Scan with IndexName). */
function resourcesOf(body: Record<string, unknown>, deps: DynamoProxyDeps): string[] {
  const tableArn = (name: string) =>
    deps.model.data?.tables.find((t) => t.tableName === name)?.arn ?? `arn:aws:dynamodb:${deps.model.region}:${deps.model.accountId}:table/${name}`;
  const names = new Set<string>();
  if (typeof body.TableName === 'string') names.add(body.TableName);
  for (const key of ['RequestItems', 'TransactItems']) {
    const v = body[key];
    if (v && typeof v === 'object' && !Array.isArray(v)) for (const n of Object.keys(v)) names.add(n);
    if (Array.isArray(v)) {
      for (const item of v) {
        for (const op of Object.values((item ?? {}) as Record<string, { TableName?: unknown }>)) {
          if (typeof op?.TableName === 'string') names.add(op.TableName);
        }
      }
    }
  }
  if (names.size === 0) return [`arn:aws:dynamodb:${deps.model.region}:${deps.model.accountId}:table/*`];
  return [...names].map((n) => (typeof body.IndexName === 'string' ? `${tableArn(n)}/index/${body.IndexName}` : tableArn(n)));
}

export async function handleDynamoDb(req: Request, deps: DynamoProxyDeps): Promise<Response> {
  const started = performance.now();
  const target = req.headers.get('x-amz-target') ?? '';
  const operation = target.slice(target.indexOf('.') + 1);
  const requestId = deps.ids.uuid();
  let principal: string | null = null;
  const finish = (res: Response): Response => {
    deps.recorder.remember({
      id: requestId,
      at: deps.clock.now(),
      transport: 'http',
      operationType: 'dynamodb',
      operationName: operation,
      authMode: 'AWS_IAM',
      principal,
      status: res.status,
      latencyMs: performance.now() - started,
      errors: res.ok ? [] : [{ errorType: res.headers.get('x-amzn-errortype'), message: '' }],
    });
    return res;
  };

  const verified = await verifyCaller(req, {
    service: 'dynamodb',
    model: deps.model,
    clock: deps.clock,
    credentials: deps.registry.tryGet('identity.credentials'),
    body: { maxBytes: MAX_DYNAMODB_REQUEST_BYTES },
    verify: deps.verifySigV4,
  });
  if (!verified.ok) {
    const rejection = verified.rejection;
    switch (rejection.reason) {
      case 'body-too-large':
        return finish(dynamoError(413, 'RequestEntityTooLarge', 'Request must be smaller than 16777216 bytes for the operation.'));
      case 'body-unreadable':
        return finish(dynamoError(400, 'SerializationException', 'Unable to read the request body.'));
      case 'no-credential-store':
        return finish(dynamoError(400, 'UnrecognizedClientException', 'The security token included in the request is invalid.'));
      case 'signature': {
        // A stubbed verifier's look-alike error may carry no wire mapping.
        const wire: SigV4Error['json'] = (rejection.error.json as SigV4Error['json'] | undefined) ?? { status: 400, type: 'UnrecognizedClientException' };
        return finish(dynamoError(wire.status, wire.type, rejection.error.message));
      }
    }
  }
  const { caller } = verified;
  const bytes = caller.body;
  const identity = iamIdentity(caller.credentials, deps.model, sourceIpOf(req));
  principal = identity.userArn.slice(identity.userArn.indexOf('/') + 1);

  let body: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(bytes.length ? bytes.toString('utf8') : '{}');
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    body = parsed as Record<string, unknown>;
  } catch {
    return finish(dynamoError(400, 'SerializationException', 'Start of structure or map found where not expected'));
  }

  const action = `dynamodb:${operation}`;
  for (const resource of resourcesOf(body, deps)) {
    const authz = caller.authorize(action, resource);
    if (!authz.allowed) return finish(dynamoError(400, 'AccessDeniedException', authz.message));
  }

  const dynamodb = deps.dynamodb();
  if (!dynamodb) return finish(dynamoError(500, 'ServiceUnavailable', 'The data service is starting. ((local: retry in a moment))'));
  const out = await dynamodb.handleJson(target, bytes.toString('utf8'));
  return finish(new Response(out.body, { status: out.status, headers: { 'content-type': CONTENT_TYPE, 'x-amzn-requestid': requestId, ...out.headers } }));
}
