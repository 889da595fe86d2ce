/**
 * AWS_LAMBDA authorization as AppSync runs it: the Authorization header goes to the API's authorizer
 * function with AppSync's event; its answer (`isAuthorized`, `resolverContext`, `deniedFields`,
 * `ttlOverride`) decides the request, and is cached per token for the authorizer's TTL.
 */
import type { BackendModel } from '../assembly/model.js';
import type { Clock } from '../core/clock.js';
import type { Peers } from '../core/registry.js';
import type { AppSyncErrorName } from './auth_modes.js';

/** What the authorizer decided for one token. */
export interface LambdaDecision {
  resolverContext: Record<string, unknown>;
  /** Fields the caller may not resolve, as `Type.field` (ARNs are reduced to that). */
  deniedFields: string[];
}

export type LambdaAuthResult =
  | ({ ok: true } & LambdaDecision)
  | { ok: false; status: number; errorType: AppSyncErrorName; message: string; detail: string };

export interface LambdaAuthDeps {
  model: BackendModel;
  registry: Peers;
  clock: Clock;
}

/** The GraphQL request the authorizer sees in `requestContext`. */
export interface AuthorizedRequest {
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
  headers: Record<string, string>;
  requestId: string;
}

const NOT_AUTHORIZED = 'You are not authorized to make this call.';
/** AppSync's default when the authorizer config names no TTL. */
const DEFAULT_TTL_SECONDS = 300;
/** AppSync's bound on `ttlOverride` and `AuthorizerResultTtlInSeconds`. */
const MAX_TTL_SECONDS = 3600;

const caches = new WeakMap<LambdaAuthDeps, Map<string, { decision: LambdaDecision; until: number }>>();

function refuse(detail: string): LambdaAuthResult {
  return { ok: false, status: 401, errorType: 'UnauthorizedException', message: NOT_AUTHORIZED, detail };
}

export async function authorizeWithLambda(token: string, request: AuthorizedRequest, deps: LambdaAuthDeps): Promise<LambdaAuthResult> {
  const data = deps.model.data;
  const config = data?.lambdaAuthorizer;
  if (!data || !config) return refuse('the API has no Lambda authorizer');
  if (config.identityValidationExpression && !new RegExp(config.identityValidationExpression).test(token)) {
    return refuse('the token does not match the identityValidationExpression');
  }
  const cache = caches.get(deps) ?? new Map<string, { decision: LambdaDecision; until: number }>();
  caches.set(deps, cache);
  const now = deps.clock.now();
  const hit = cache.get(token);
  if (hit && hit.until > now) return { ok: true, ...hit.decision };

  const invoker = deps.registry.tryGet('functions.invoker');
  if (!invoker?.has(config.functionLogicalId)) return refuse('the functions service is not running, so the authorizer cannot run');
  const event = {
    authorizationToken: token,
    requestContext: {
      apiId: data.apiId,
      accountId: deps.model.accountId,
      requestId: request.requestId,
      queryString: request.query,
      operationName: request.operationName ?? null,
      variables: request.variables ?? {},
    },
    requestHeaders: request.headers,
  };
  let payload: unknown;
  try {
    const result = await invoker.invoke(config.functionLogicalId, event);
    if (result.functionError) return refuse(`the authorizer failed: ${JSON.stringify(result.payload)}`);
    payload = result.payload;
  } catch (err) {
    return refuse(`the authorizer could not run: ${err instanceof Error ? err.message : String(err)}`);
  }
  const answer = (payload ?? {}) as { isAuthorized?: unknown; resolverContext?: unknown; deniedFields?: unknown; ttlOverride?: unknown };
  if (answer.isAuthorized !== true) return refuse('the authorizer answered isAuthorized: false');
  const decision: LambdaDecision = {
    resolverContext: isPlainObject(answer.resolverContext) ? answer.resolverContext : {},
    deniedFields: Array.isArray(answer.deniedFields) ? answer.deniedFields.filter((f): f is string => typeof f === 'string').map(shortFieldName) : [],
  };
  const ttl = typeof answer.ttlOverride === 'number' ? answer.ttlOverride : (config.ttlSeconds ?? DEFAULT_TTL_SECONDS);
  const seconds = Math.min(Math.max(0, ttl), MAX_TTL_SECONDS);
  if (seconds > 0) cache.set(token, { decision, until: now + seconds * 1000 });
  else cache.delete(token);
  return { ok: true, ...decision };
}

/** `arn:aws:appsync:<r>:<a>:apis/<id>/types/Post/fields/title` and `Post.title` both name `Post.title`. */
function shortFieldName(field: string): string {
  const m = /\/types\/([^/]+)\/fields\/([^/]+)$/.exec(field);
  return m ? `${m[1]}.${m[2]}` : field;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
