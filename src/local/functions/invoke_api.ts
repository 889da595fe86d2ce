import type { BackendModel, FunctionModel } from '../assembly/model.js';
import { newRequestId, type CommonErrorName } from '../core/aws_errors.js';
import { verifyCaller, type Caller } from '../core/caller.js';
import type { Clock } from '../core/clock.js';
import type { CredentialStore } from '../core/registry.js';
import { decodeUriComponentSafe } from '../core/uri.js';
import { handleFunctionQuery } from './function_config.js';
import { MAX_SYNC_PAYLOAD_BYTES } from './lambda_errors.js';

/** The Lambda Invoke API path: `POST /2015-03-31/functions/{FunctionName}/invocations`. */
const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/;
export const LAMBDA_PATH_PREFIX = '/2015-03-31/functions/';
/** Lambda's limit for an asynchronous (`Event`) invocation payload. */
const MAX_ASYNC_PAYLOAD_BYTES = 1024 * 1024;

/** Lambda's REST error body: `{"Type": "User", "message": ...}`, the name in `x-amzn-ErrorType`. */
/** The error types Lambda's Invoke answers with (the ones the local runtime can produce). */
export type LambdaErrorName =
  | CommonErrorName
  | 'ResourceNotFoundException'
  | 'RequestTooLargeException'
  | 'InvalidRequestContentException'
  | 'InvalidParameterValueException';

export function lambdaError(status: number, type: LambdaErrorName, message: string, requestId = newRequestId()): Response {
  return new Response(JSON.stringify({ Type: status >= 500 ? 'Service' : 'User', message }), {
    status,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': type, 'x-amzn-requestid': requestId },
  });
}

export interface InvokeApiDeps {
  model: BackendModel;
  clock: Clock;
  credentials(): CredentialStore | undefined;
  /** `https://127.0.0.1:<port>`, substituted into environment values that name the local endpoint. */
  endpoint(): string;
  /** Finds a function by name, ARN or partial ARN (qualifier already removed). */
  find(name: string): FunctionModel | undefined;
  invokeSync(fn: FunctionModel, event: unknown, clientContext: unknown): Promise<{
    requestId: string;
    payload: string;
    functionError?: string;
    logs: string;
  }>;
  invokeAsync(fn: FunctionModel, event: unknown): string;
  /** Every function of the backend (ListFunctions). */
  list(): readonly FunctionModel[];
}

/** Splits `name`, `name:qualifier`, `arn:aws:lambda:r:a:function:name[:qualifier]`, `a:function:name[:q]`. */
export function parseFunctionName(raw: string): { name: string; qualifier?: string } {
  const parts = raw.split(':');
  if (parts[0] === 'arn' && parts.length >= 7) return { name: parts[6], qualifier: parts[7] };
  if (parts.length >= 3 && parts[1] === 'function') return { name: parts[2], qualifier: parts[3] };
  return { name: parts[0], qualifier: parts[1] };
}

export function arnFor(model: BackendModel, name: string, qualifier?: string): string {
  return `arn:aws:lambda:${model.region}:${model.accountId}:function:${name}${qualifier ? `:${qualifier}` : ''}`;
}

function decodeClientContext(header: string | null): unknown {
  if (!header) return undefined;
  try {
    return JSON.parse(Buffer.from(header, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
}

/** SigV4 (`lambda`) for any Lambda API call: the caller, or Lambda's refusal. */
export async function lambdaCaller(req: Request, deps: Pick<InvokeApiDeps, 'model' | 'clock' | 'credentials'>): Promise<Caller | Response> {
  const verified = await verifyCaller(req, {
    service: 'lambda',
    model: deps.model,
    clock: deps.clock,
    credentials: deps.credentials(),
    body: { maxBytes: MAX_SYNC_PAYLOAD_BYTES },
  });
  if (verified.ok) return verified.caller;
  const rejection = verified.rejection;
  switch (rejection.reason) {
    case 'body-too-large':
      return lambdaError(413, 'RequestTooLargeException', `Request must be smaller than ${MAX_SYNC_PAYLOAD_BYTES} bytes for the InvokeFunction operation`);
    case 'body-unreadable':
      throw rejection.error;
    case 'no-credential-store':
      return lambdaError(403, 'UnrecognizedClientException', 'The security token included in the request is invalid. ((local: the identity service is not running, so no credentials can be verified))');
    case 'signature':
      return lambdaError(403, rejection.error.json.type, rejection.error.message);
  }
}

/** Lambda's `Invoke`: SigV4 (`lambda`), the caller's IAM policy, then the function. */
export async function handleInvoke(req: Request, url: URL, deps: InvokeApiDeps): Promise<Response> {
  const { model } = deps;
  const match = INVOKE_PATH.exec(url.pathname);
  if (!match || req.method !== 'POST') {
    if (req.method === 'GET') return handleFunctionQuery(req, url, deps);
    return lambdaError(
      404,
      'UnknownOperationException',
      `Unknown operation ${req.method} ${url.pathname} ((local: Lambda's Invoke, GetFunction, GetFunctionConfiguration and ListFunctions are emulated))`,
    );
  }

  const caller = await lambdaCaller(req, deps);
  if (caller instanceof Response) return caller;
  const body = caller.body;

  const { name, qualifier: pathQualifier } = parseFunctionName(decodeUriComponentSafe(match[1]) ?? match[1]);
  const qualifier = url.searchParams.get('Qualifier') ?? pathQualifier;
  const fn = deps.find(name);
  if (!fn || (qualifier !== undefined && qualifier !== '$LATEST')) {
    return lambdaError(404, 'ResourceNotFoundException', `Function not found: ${arnFor(model, name, qualifier)}`);
  }

  // Only $LATEST exists locally; it is authorized as the unqualified function.
  const authz = caller.authorize('lambda:InvokeFunction', fn.arn);
  if (!authz.allowed) return lambdaError(403, 'AccessDeniedException', authz.message);

  let event: unknown = {};
  const text = body.toString('utf8');
  if (text.trim() !== '') {
    try {
      event = JSON.parse(text);
    } catch (err) {
      return lambdaError(400, 'InvalidRequestContentException', `Could not parse request body into json: ${(err as Error).message}`);
    }
  }

  const type = req.headers.get('x-amz-invocation-type') ?? 'RequestResponse';
  if (type === 'DryRun') {
    return new Response(null, { status: 204, headers: { 'x-amzn-requestid': newRequestId() } });
  }
  if (type === 'Event') {
    if (body.length > MAX_ASYNC_PAYLOAD_BYTES) {
      return lambdaError(413, 'RequestTooLargeException', `Request must be smaller than ${MAX_ASYNC_PAYLOAD_BYTES} bytes for the InvokeFunction operation`);
    }
    const requestId = deps.invokeAsync(fn, event);
    return new Response(null, { status: 202, headers: { 'x-amzn-requestid': requestId } });
  }
  if (type !== 'RequestResponse') {
    return lambdaError(
      400,
      'InvalidParameterValueException',
      `1 validation error detected: Value '${type}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]`,
    );
  }

  const result = await deps.invokeSync(fn, event, decodeClientContext(req.headers.get('x-amz-client-context')));
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-amz-executed-version': '$LATEST',
    'x-amzn-requestid': result.requestId,
  };
  if (result.functionError) headers['x-amz-function-error'] = result.functionError;
  if (req.headers.get('x-amz-log-type') === 'Tail') {
    // Lambda returns the last 4 KB of the invocation's log, base64-encoded.
    const bytes = Buffer.from(result.logs, 'utf8');
    headers['x-amz-log-result'] = bytes.subarray(Math.max(0, bytes.length - 4096)).toString('base64');
  }
  return new Response(result.payload, { status: 200, headers });
}
