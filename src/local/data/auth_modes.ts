import { userPoolById, type AppSyncAuthMode, type BackendModel, type PolicyStatementModel } from '../assembly/model.js';
import { randomUUID } from 'node:crypto';
import type { CommonErrorName } from '../core/aws_errors.js';
import { verifyCaller, type CallerRejection } from '../core/caller.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { assumedRoleArn, callerUserId, iamRequestContext, isIdentityPoolCredentials, principalStatements, roleName, sessionName } from '../core/iam_authorize.js';
import { evaluatePolicy } from '../core/iam_policy.js';
import { poolVerifier, TokenRejectedError, type IssuedCredentials, type Peers } from '../core/registry.js';
import type { VerifySigV4 } from '../core/sigv4_verify.js';
import type { AppSyncIdentity, IamIdentity, UserPoolIdentity } from './engine/types.js';
import { authorizeWithLambda } from './lambda_authorizer.js';
import { authenticateOidcToken, tokenNamesOidcIssuer } from './oidc_auth.js';

/**
 * AppSync's authorization-mode selection and credential checks, shared by `POST /graphql` and the
 * realtime endpoint (connection header and each `start`'s `extensions.authorization`).
 *
 * AppSync picks the mode from the request itself, not from the API's default: an `Authorization`
 * header that is SigV4 means AWS_IAM, any other `Authorization` value is a token (user pool / OIDC /
 * Lambda), and `x-api-key` means API_KEY. A mode that is not enabled on the API is a 401.
 */


export interface AuthDeps {
  model: BackendModel;
  registry: Peers;
  clock: Clock;
  /** Injected so tests can stub signature checks. */
  verifySigV4: VerifySigV4;
  /** For warnings about the configuration (e.g. an OIDC issuer that is not served locally). */
  log?: Logger;
}

/** What a caller presented, independent of transport. */
export interface PresentedCredentials {
  /** Header lookup, case-insensitive. */
  header(name: string): string | undefined;
  /** For SigV4 and the Lambda authorizer: the request as sent (and signed), and its body. */
  signedRequest(): { request: Request; body: Uint8Array | string };
  sourceIp: string;
  /** The response's request id (the Lambda authorizer's `requestContext.requestId`). */
  requestId?: string;
}

export interface AuthSuccess {
  ok: true;
  mode: AppSyncAuthMode;
  identity: AppSyncIdentity | null;
  /** Who, for the request log: a user-pool `sub`, `<role>/<session>` for IAM, `api-key`. */
  principal: string;
  /** IAM only: the role's statements, for AppSync's `appsync:GraphQL` policy check per field. */
  iam?: { statements: readonly PolicyStatementModel[]; credentials: IssuedCredentials };
  /** AWS_LAMBDA only: the fields the authorizer denied, as `Type.field`. */
  deniedFields?: readonly string[];
}

export interface AuthFailure {
  ok: false;
  status: number;
  errorType: AppSyncErrorName;
  /** Exactly AppSync's message (clients and tests compare it). */
  message: string;
  /** Why, for the local request log only. */
  detail: string;
}

export type AuthResult = AuthSuccess | AuthFailure;

export const NOT_PROVIDED = 'Valid authorization header not provided.';
const NOT_AUTHORIZED_CALL = 'You are not authorized to make this call.';

/** The `errorType`s AppSync's GraphQL endpoint answers request-level failures with. */
export type AppSyncErrorName = CommonErrorName | 'UnauthorizedException' | 'BadRequestException' | 'MalformedHttpRequestException' | 'PayloadTooLargeException' | 'ServiceUnavailableException' | 'InternalFailure';

function fail(status: number, errorType: AppSyncErrorName, message: string, detail: string): AuthFailure {
  return { ok: false, status, errorType, message, detail };
}

function enabledModes(model: BackendModel): Set<AppSyncAuthMode> {
  const data = model.data;
  if (!data) return new Set();
  return new Set([data.defaultAuthMode, ...data.additionalAuthModes]);
}

type Presented = 'sigv4' | 'token' | 'apiKey' | 'none';

/** Which mode the request asks for, as AppSync decides it. */
function presentedMode(creds: Pick<PresentedCredentials, 'header'>): Presented {
  const authorization = creds.header('authorization')?.trim();
  if (authorization) return authorization.startsWith('AWS4-HMAC-SHA256') ? 'sigv4' : 'token';
  if (creds.header('x-api-key')) return 'apiKey';
  return 'none';
}

export async function authenticate(creds: PresentedCredentials, deps: AuthDeps): Promise<AuthResult> {
  const modes = enabledModes(deps.model);
  switch (presentedMode(creds)) {
    case 'sigv4':
      if (!modes.has('AWS_IAM')) return fail(401, 'UnauthorizedException', NOT_PROVIDED, 'AWS_IAM is not an authorization mode of this API');
      return authenticateIam(creds, deps);
    case 'token': {
      // A token the user pool accepts is a user-pool request; one naming the OIDC issuer is an OIDC
      // request; any other goes to the Lambda authorizer, else is refused by the mode that tried it.
      const pool = modes.has('AMAZON_COGNITO_USER_POOLS') ? await authenticateUserPool(creds, deps) : undefined;
      if (pool?.ok) return pool;
      const oidc = modes.has('OPENID_CONNECT');
      if (oidc && tokenNamesOidcIssuer(bearerToken(creds), deps)) return authenticateOidc(creds, deps);
      if (modes.has('AWS_LAMBDA')) return authenticateLambda(creds, deps);
      if (pool) return pool;
      if (oidc) return authenticateOidc(creds, deps);
      return fail(401, 'UnauthorizedException', NOT_PROVIDED, 'no token-based authorization mode is enabled on this API');
    }
    case 'apiKey': {
      const apiKey = deps.model.data?.apiKey;
      if (!modes.has('API_KEY') || !apiKey) return fail(401, 'UnauthorizedException', NOT_AUTHORIZED_CALL, 'API_KEY is not an authorization mode of this API');
      if (creds.header('x-api-key') !== apiKey) return fail(401, 'UnauthorizedException', NOT_AUTHORIZED_CALL, 'unknown API key');
      return { ok: true, mode: 'API_KEY', identity: null, principal: 'api-key' };
    }
    case 'none':
      return fail(
        401,
        'UnauthorizedException',
        deps.model.data?.defaultAuthMode === 'API_KEY' ? NOT_AUTHORIZED_CALL : NOT_PROVIDED,
        'the request carries no Authorization or x-api-key header',
      );
  }
}

/** AWS_LAMBDA: the Authorization header, as is, decided by the API's authorizer function. */
async function authenticateLambda(creds: PresentedCredentials, deps: AuthDeps): Promise<AuthResult> {
  const { request, body } = creds.signedRequest();
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  let parsed: { query?: unknown; operationName?: unknown; variables?: unknown } = {};
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    // an unparsable body is refused after authorization, as AppSync does
  }
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => (headers[name] = value));
  const decided = await authorizeWithLambda(
    creds.header('authorization')!.trim(),
    {
      query: typeof parsed.query === 'string' ? parsed.query : '',
      operationName: typeof parsed.operationName === 'string' ? parsed.operationName : null,
      variables: typeof parsed.variables === 'object' ? (parsed.variables as Record<string, unknown> | null) : null,
      headers,
      requestId: creds.requestId ?? randomUUID(),
    },
    deps,
  );
  if (!decided.ok) return decided;
  return {
    ok: true,
    mode: 'AWS_LAMBDA',
    identity: { resolverContext: decided.resolverContext },
    principal: 'lambda-authorizer',
    deniedFields: decided.deniedFields,
  };
}

/**
 * Three base64url parts: anything else is "Unable to parse JWT token." before any crypto. Whether
 * the parts decode is left to the verifier (its `malformed` rejection maps to the same message).
 */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** The Authorization header's token, without a `Bearer ` prefix. */
function bearerToken(creds: Pick<PresentedCredentials, 'header'>): string {
  return (creds.header('authorization') ?? '').trim().replace(/^Bearer\s+/i, '');
}

/** OPENID_CONNECT: an ID token of the configured issuer, verified against the issuer's keys. */
function authenticateOidc(creds: PresentedCredentials, deps: AuthDeps): AuthResult {
  const token = bearerToken(creds);
  if (!JWT_SHAPE.test(token)) return fail(401, 'UnauthorizedException', 'Unable to parse JWT token.', 'the Authorization header is not a JWT');
  const result = authenticateOidcToken(token, deps);
  if (!result.ok) return result;
  return { ok: true, mode: 'OPENID_CONNECT', identity: result.identity, principal: result.identity.sub };
}

/** AMAZON_COGNITO_USER_POOLS: a Cognito ID or access token in Authorization, verified by the auth service. */
async function authenticateUserPool(creds: PresentedCredentials, deps: AuthDeps): Promise<AuthResult> {
  const token = bearerToken(creds);
  if (!JWT_SHAPE.test(token)) return fail(401, 'UnauthorizedException', 'Unable to parse JWT token.', 'the Authorization header is not a JWT');
  // The API's own pool (UserPoolConfig) verifies: a token of another local pool is not accepted.
  const userPoolId = deps.model.data?.userPoolId ?? deps.model.auth?.userPool.id;
  const tokens = deps.registry.tryGet('auth.tokens');
  if (!tokens) return fail(401, 'UnauthorizedException', NOT_PROVIDED, 'the auth service is not running, so no token can be verified');
  const verifier = userPoolId ? poolVerifier(tokens, userPoolId) : tokens;
  if (!verifier) return fail(401, 'UnauthorizedException', NOT_PROVIDED, `the API's user pool ${String(userPoolId)} is not a local user pool`);
  let claims: Record<string, unknown>;
  try {
    claims = await verifier.verify(token);
  } catch (err) {
    if (err instanceof TokenRejectedError || (err instanceof Error && err.name === 'TokenRejectedError')) {
      const reason = (err as TokenRejectedError).reason;
      if (reason === 'expired') return fail(401, 'UnauthorizedException', 'Token has expired.', err.message);
      if (reason === 'malformed') return fail(401, 'UnauthorizedException', 'Unable to parse JWT token.', err.message);
      return fail(401, 'UnauthorizedException', NOT_PROVIDED, `${reason}: ${err.message}`);
    }
    throw err;
  }
  // AppSync accepts ID and access tokens of any client of the configured pool (no AppIdClientRegex locally).
  const clientId = claims.token_use === 'id' ? claims.aud : claims.client_id;
  const clients = (userPoolById(deps.model, verifier.userPoolId)?.clients ?? []).map((c) => c.id);
  if (typeof clientId !== 'string' || (clients.length > 0 && !clients.includes(clientId))) {
    return fail(401, 'UnauthorizedException', NOT_PROVIDED, `token issued to unknown client ${String(clientId)}`);
  }
  const groups = claims['cognito:groups'];
  const identity: UserPoolIdentity = {
    sub: String(claims.sub),
    issuer: String(claims.iss),
    username: String(claims['cognito:username'] ?? claims.username ?? claims.sub),
    claims,
    sourceIp: [creds.sourceIp],
    defaultAuthStrategy: 'ALLOW',
    groups: Array.isArray(groups) ? groups.map(String) : null,
  };
  return { ok: true, mode: 'AMAZON_COGNITO_USER_POOLS', identity, principal: identity.sub };
}

const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

/** AppSync's answer to each SigV4 failure (403, like every AWS JSON service behind SigV4). */
function sigv4Failure(err: unknown): AuthFailure | undefined {
  if (!(err instanceof Error) || err.name !== 'SigV4Error') return undefined;
  const code = (err as Error & { code?: string }).code;
  switch (code) {
    case 'SignatureDoesNotMatch':
      return fail(403, 'InvalidSignatureException', SIGNATURE_MISMATCH, err.message);
    case 'InvalidAccessKeyId':
    case 'InvalidToken':
      return fail(403, 'UnrecognizedClientException', 'The security token included in the request is invalid.', err.message);
    case 'ExpiredToken':
      return fail(403, 'ExpiredTokenException', 'The security token included in the request is expired', err.message);
    case 'RequestTimeTooSkewed':
      return fail(403, 'InvalidSignatureException', err.message, err.message);
    case 'MissingAuthenticationToken':
      return fail(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token', err.message);
    default:
      return fail(403, 'IncompleteSignatureException', err.message, err.message);
  }
}

export function iamIdentity(c: IssuedCredentials, model: BackendModel, sourceIp: string): IamIdentity {
  const fromPool = isIdentityPoolCredentials(c) && !!c.identityPoolId;
  const userPoolId = c.userPoolId ?? model.auth?.userPool.id;
  const idp = userPoolId ? `cognito-idp.${model.region}.amazonaws.com/${userPoolId}` : undefined;
  return {
    accountId: model.accountId,
    cognitoIdentityPoolId: fromPool ? (c.identityPoolId ?? null) : null,
    cognitoIdentityId: fromPool ? (c.identityId ?? null) : null,
    sourceIp: [sourceIp],
    username: callerUserId(model, c),
    userArn: assumedRoleArn(model, c),
    cognitoIdentityAuthType: fromPool ? (c.kind as 'authenticated' | 'unauthenticated') : null,
    cognitoIdentityAuthProvider:
      fromPool && c.kind === 'authenticated' && idp && c.userSub ? `"${idp}","${idp}:CognitoSignIn:${c.userSub}"` : null,
  };
}

async function authenticateIam(creds: PresentedCredentials, deps: AuthDeps): Promise<AuthResult> {
  const store = deps.registry.tryGet('identity.credentials');
  // Checked before asking the transport for the signed request, which may copy the body.
  if (!store) return callerFailure({ reason: 'no-credential-store' });
  const { request, body } = creds.signedRequest();
  const verified = await verifyCaller(request, {
    service: 'appsync',
    model: deps.model,
    clock: deps.clock,
    credentials: store,
    body: { given: body },
    verify: deps.verifySigV4,
  });
  if (!verified.ok) return callerFailure(verified.rejection);
  const issued = verified.caller.credentials;
  const identity = iamIdentity(issued, deps.model, creds.sourceIp);
  const statements = principalStatements(deps.model, issued);
  return {
    ok: true,
    mode: 'AWS_IAM',
    identity,
    principal: issued.kind === 'account' ? `user/${roleName(issued.roleArn)}` : `${roleName(issued.roleArn)}/${sessionName(issued)}`,
    iam: { statements, credentials: issued },
  };
}

/** AppSync's answer when the caller could not be verified. */
function callerFailure(rejection: CallerRejection): AuthFailure {
  switch (rejection.reason) {
    case 'signature':
      return sigv4Failure(rejection.error)!;
    case 'no-credential-store':
      return fail(403, 'UnrecognizedClientException', 'The security token included in the request is invalid.', 'the identity service is not running');
    default:
      // The transport read the body before authentication, so these cannot happen here.
      throw new Error(`AppSync IAM: unexpected ${rejection.reason}`);
  }
}

const ROOT_TYPES = new Set(['Query', 'Mutation', 'Subscription']);

/**
 * The per-field check AppSync adds to the schema's own rules: for IAM, the caller's role must allow
 * `appsync:GraphQL` on `arn:aws:appsync:<region>:<account>:apis/<apiId>/types/<Type>/fields/<field>`
 * for each top-level field (nested fields are covered by the resolvers' own rules); for a Lambda
 * authorizer, its `deniedFields` fail. Undefined when neither applies.
 */
export function fieldAuthorizer(auth: AuthSuccess, model: BackendModel): ((typeName: string, fieldName: string) => boolean) | undefined {
  if (auth.deniedFields?.length) {
    const denied = new Set(auth.deniedFields);
    return (typeName, fieldName) => !denied.has(`${typeName}.${fieldName}`);
  }
  const iam = auth.iam;
  if (!iam || !model.data) return undefined;
  const prefix = `arn:aws:appsync:${model.region}:${model.accountId}:apis/${model.data.apiId}/types/`;
  const context = iamRequestContext(iam.credentials);
  const decided = new Map<string, boolean>();
  return (typeName, fieldName) => {
    if (!ROOT_TYPES.has(typeName)) return true;
    const resource = `${prefix}${typeName}/fields/${fieldName}`;
    let allowed = decided.get(resource);
    if (allowed === undefined) {
      allowed = evaluatePolicy(iam.statements, { action: 'appsync:GraphQL', resource, context }) === 'allow';
      decided.set(resource, allowed);
    }
    return allowed;
  };
}
