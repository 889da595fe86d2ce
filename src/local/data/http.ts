import { BodyTooLargeError, readBody } from '../core/aws_errors.js';
import type { IdSource } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { getRequestInfo, labelRequest } from '../core/request_info.js';
import { authenticate, fieldAuthorizer, type AppSyncErrorName, type AuthDeps } from './auth_modes.js';
import type { GraphqlEngine, GraphqlResult } from './engine/types.js';
import type { DataRecorder, OperationType, RequestRecord } from './metrics.js';
import { operationLabel, selectOperation, summarizeDocument, type OperationSummary } from './operation_info.js';

/**
 * `POST /graphql`: AppSync's HTTP contract in front of the engine. Request problems get AppSync's
 * exact status codes and `{ errors: [{ errorType, message }] }` bodies; GraphQL-level problems
 * (validation, resolver errors) are 200s with `{ data, errors }`, as AppSync answers them.
 */

/**
 * AppSync's documented limits are on responses and subscriptions, not requests; the local
 * endpoint caps request bodies at 1 MiB so a runaway client cannot exhaust memory.
 */
const MAX_REQUEST_BYTES = 1024 * 1024;

export interface HttpDeps extends AuthDeps {
  /** Undefined until the service has started. */
  engine(): GraphqlEngine | undefined;
  /** Why the engine could not start, if it could not. */
  engineProblem?(): string | undefined;
  recorder: DataRecorder;
  ids: IdSource;
  log: Logger;
  maxRequestBytes?: number;
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=UTF-8' };

function respond(status: number, body: unknown, requestId: string, errorType?: string): Response {
  const headers: Record<string, string> = { ...JSON_HEADERS, 'x-amzn-requestid': requestId };
  if (errorType) headers['x-amzn-errortype'] = errorType;
  return new Response(JSON.stringify(body), { status, headers });
}

export function sourceIpOf(req: Request): string {
  const addr = getRequestInfo(req)?.remoteAddress ?? '127.0.0.1';
  return addr.startsWith('::ffff:') ? addr.slice(7) : addr;
}

interface ParsedBody {
  query: string;
  variables: Record<string, unknown> | null;
  operationName: string | null;
}

function parseBody(text: string): ParsedBody | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const { query, operationName } = body as Record<string, unknown>;
  let { variables } = body as Record<string, unknown>;
  if (typeof query !== 'string' || query.trim() === '') return undefined;
  // Some clients send variables as a JSON string; AppSync accepts both.
  if (typeof variables === 'string') {
    try {
      variables = variables.trim() === '' ? null : (JSON.parse(variables) as unknown);
    } catch {
      return undefined;
    }
  }
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) return undefined;
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return undefined;
  return {
    query,
    variables: (variables as Record<string, unknown> | null | undefined) ?? null,
    operationName: (operationName as string | null | undefined) ?? null,
  };
}

function lowerCaseHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((v, k) => {
    out[k] = v;
  });
  return out;
}

export async function handleGraphqlHttp(req: Request, deps: HttpDeps): Promise<Response> {
  const started = performance.now();
  const requestId = deps.ids.uuid();
  const record: RequestRecord = {
    id: requestId,
    at: deps.clock.now(),
    transport: 'http',
    operationType: 'unknown',
    operationName: null,
    authMode: null,
    principal: null,
    status: 200,
    latencyMs: 0,
    errors: [],
  };
  const finish = (res: Response, errors: { errorType?: string | null; message: string }[] = []): Response => {
    record.status = res.status;
    record.latencyMs = performance.now() - started;
    record.errors = errors.slice(0, 5).map((e) => ({ errorType: e.errorType ?? null, message: e.message }));
    deps.recorder.recordRequest(record);
    labelRequest(req, { operation: record.operationName ?? undefined, caller: record.principal ?? undefined });
    return res;
  };
  const fail = (status: number, errorType: AppSyncErrorName, message: string, logged = message, extra: Record<string, unknown> = {}) =>
    finish(respond(status, { errors: [{ errorType, message, ...extra }] }, requestId, errorType), [{ errorType, message: logged }]);

  let bytes: Buffer;
  try {
    bytes = await readBody(req, deps.maxRequestBytes ?? MAX_REQUEST_BYTES);
  } catch (err) {
    if (err instanceof BodyTooLargeError) {
      return fail(413, 'PayloadTooLargeException', `Request payload is too large. ((local: the limit is ${err.limitBytes} bytes))`);
    }
    return fail(400, 'MalformedHttpRequestException', 'Unable to read the request body.');
  }
  if (bytes.length === 0) return fail(400, 'MalformedHttpRequestException', 'Request body is empty.');

  const sourceIp = sourceIpOf(req);
  const auth = await authenticate(
    {
      header: (name) => req.headers.get(name) ?? undefined,
      signedRequest: () => ({ request: req, body: bytes }),
      sourceIp,
      requestId,
    },
    deps,
  );
  if (!auth.ok) {
    return fail(auth.status, auth.errorType, auth.message, `${auth.message} ((local: ${auth.detail}))`);
  }
  record.authMode = auth.mode;
  record.principal = auth.principal;

  const body = parseBody(bytes.toString('utf8'));
  if (!body) return fail(400, 'MalformedHttpRequestException', 'Unable to parse GraphQL query.');

  const summary = summarizeDocument(body.query);
  if (!summary.ok) {
    const where = summary.locations[0];
    return fail(
      400,
      'MalformedHttpRequestException',
      `Unable to parse GraphQL query. ((local: ${summary.message}${where ? ` at line ${where.line} column ${where.column}` : ''}))`,
    );
  }
  const op = selectOperation(summary, body.operationName);
  record.operationType = (op?.type ?? 'unknown') as OperationType;
  record.operationName = body.operationName ?? operationLabel(op);

  // AppSync checks an IAM caller's appsync:GraphQL permission on the operation's top-level fields
  // first: when the policy allows none of them the request is refused as a whole (401), not run
  // with a field error each. A partly allowed operation runs; the denied fields fail on their own.
  const authorizeField = fieldAuthorizer(auth, deps.model);
  const denied = auth.mode === 'AWS_IAM' && authorizeField && op ? wholeOperationDenied(op, authorizeField) : undefined;
  if (denied) {
    return fail(401, 'UnauthorizedException', `Not Authorized to access ${denied.field} on type ${denied.type}`, `Not Authorized to access ${denied.field} on type ${denied.type} ((local: the caller's IAM policy allows appsync:GraphQL on none of this operation's fields))`);
  }

  const engine = deps.engine();
  if (!engine) {
    const problem = deps.engineProblem?.();
    return fail(
      503,
      'ServiceUnavailableException',
      problem ? `The GraphQL API is not available. ((local: ${problem}))` : 'The data service is starting. ((local: retry in a moment))',
    );
  }
  let result: GraphqlResult;
  try {
    result = await engine.execute({
      query: body.query,
      variables: body.variables,
      operationName: body.operationName,
      authMode: auth.mode,
      identity: auth.identity,
      headers: lowerCaseHeaders(req.headers),
      requestId,
      domainName: req.headers.get('host'),
      authorizeField,
    });
  } catch (err) {
    // The engine returns request problems as GraphQL errors; a throw is a fault of ours.
    deps.log.error(`GraphQL request ${requestId} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return fail(500, 'InternalFailure', 'An internal failure occurred. ((local: a fault in the local data engine, see its console))');
  }
  return finish(respond(200, result, requestId), result.errors ?? []);
}

const ROOT_TYPE_OF = { query: 'Query', mutation: 'Mutation', subscription: 'Subscription' } as const;

/** The first top-level field when the IAM policy allows none of the operation's (introspection aside). */
function wholeOperationDenied(op: OperationSummary, authorize: (typeName: string, fieldName: string) => boolean): { type: string; field: string } | undefined {
  const type = ROOT_TYPE_OF[op.type];
  const fields = op.fields.filter((f) => !f.name.startsWith('__'));
  if (fields.length === 0 || fields.some((f) => authorize(type, f.name))) return undefined;
  return { type, field: fields[0].name };
}
