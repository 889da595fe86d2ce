import { BodyTooLargeError, newRequestId, readBody } from '../core/aws_errors.js';
import type { LocalService, ServiceContext } from '../core/service.js';
import { authorizeAdminCall } from './admin_auth.js';
import { CognitoError, errors } from './errors.js';
import { adminHandlers } from './handlers/admin.js';
import { mfaHandlers } from './handlers/mfa.js';
import { passwordHandlers } from './handlers/password.js';
import { signInHandlers } from './handlers/sign_in.js';
import { signUpHandlers } from './handlers/sign_up.js';
import { tokenHandlers } from './handlers/tokens.js';
import type { HandlerMap } from './handlers/types.js';
import { userHandlers } from './handlers/user.js';
import { jwksDocument, openIdConfiguration, wellKnownPath } from './jwks.js';
import { loadOrCreateSigningKey, type SigningKey } from './keys.js';
import { MessageSender } from './messages.js';
import { AuthPool } from './pool.js';
import { ChallengeStore } from './srp_session.js';
import { TokenIssuer } from './token_issuer.js';
import { TokenSessionStore } from './token_sessions.js';
import { PoolTokenVerifier } from './token_verifier.js';
import { TriggerRunner } from './triggers.js';
import { UserStore } from './user_store.js';

const TARGET_PREFIX = 'AWSCognitoIdentityProviderService.';
const MAX_BODY_BYTES = 1024 * 1024;

const PUBLIC: HandlerMap = { ...signUpHandlers, ...signInHandlers, ...tokenHandlers, ...userHandlers, ...passwordHandlers, ...mfaHandlers };
const ADMIN: HandlerMap = adminHandlers;

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': newRequestId() },
  });
}

interface Running {
  pool: AuthPool;
  key: SigningKey;
  verifier: PoolTokenVerifier;
}

/**
 * The Cognito user pool of the model (`model.auth.userPool` and its app clients): the JSON 1.1
 * `AWSCognitoIdentityProviderService.*` API at the endpoint root, and the pool's JWKS and OpenID
 * discovery documents under `/<poolId>/.well-known/`. Offers `auth.tokens` to the other services.
 */
export function createAuthService(ctx: ServiceContext): LocalService {
  const auth = ctx.model.auth;
  let running: Running | undefined;

  const issuerUrl = () => `${ctx.endpoint}/${auth?.userPool.id ?? ''}`;

  async function handleApi(req: Request, operation: string): Promise<Response> {
    if (!running) throw errors.internal('The user pool is not running ((local: auth service not started))');
    const handler = PUBLIC[operation] ?? ADMIN[operation];
    if (!handler) throw errors.unknownOperation(`Unknown operation ${operation} ((local: not emulated by the local user pool))`);
    if (req.method !== 'POST') throw errors.serialization(`${req.method} is not supported: AWS JSON 1.1 calls are POSTed to the endpoint root`);
    let text: string;
    try {
      text = (await readBody(req, MAX_BODY_BYTES)).toString('utf8');
    } catch (err) {
      if (err instanceof BodyTooLargeError) throw errors.serialization(err.message);
      throw err;
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      throw errors.serialization(`Request body is not valid JSON ((local: ${err instanceof Error ? err.message : String(err)}))`);
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw errors.serialization('Start of structure or map expected ((local: the request body must be a JSON object))');
    }
    if (ADMIN[operation]) await authorizeAdminCall(running.pool, req, operation, text);
    return json(await handler(running.pool, body as Record<string, unknown>, req));
  }

  return {
    name: 'auth',

    matches(req, url) {
      if (!auth) return false;
      if ((req.headers.get('x-amz-target') ?? '').startsWith(TARGET_PREFIX)) return true;
      return (req.method === 'GET' || req.method === 'HEAD') && wellKnownPath(url.pathname, auth.userPool.id) !== undefined;
    },

    async fetch(req) {
      try {
        const url = new URL(req.url);
        const doc = auth && wellKnownPath(url.pathname, auth.userPool.id);
        if (doc && (req.method === 'GET' || req.method === 'HEAD')) {
          if (!running) throw errors.internal('The user pool is not running ((local: auth service not started))');
          const payload = doc === 'jwks' ? jwksDocument(running.key) : openIdConfiguration(issuerUrl());
          return new Response(req.method === 'HEAD' ? null : JSON.stringify(payload), {
            headers: { 'content-type': 'application/json', 'cache-control': 'max-age=3600' },
          });
        }
        const target = req.headers.get('x-amz-target') ?? '';
        return await handleApi(req, target.slice(TARGET_PREFIX.length));
      } catch (err) {
        if (err instanceof CognitoError) return err.toResponse();
        ctx.log.error(`user pool fault: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        return errors
          .internal(`Amazon Cognito encountered an internal error ((local: a fault in the local user pool: ${err instanceof Error ? err.message : String(err)}))`)
          .toResponse();
      }
    },

    async start() {
      if (!auth) return;
      const dir = ctx.dataDir;
      const key = loadOrCreateSigningKey(dir, auth.userPool.id, () => ctx.ids.bytes(16), () => ctx.clock.now());
      const users = new UserStore(dir, auth.userPool);
      users.load();
      const tokenSessions = new TokenSessionStore(dir);
      tokenSessions.load(ctx.clock.now());
      const challenges = new ChallengeStore(dir, ctx.ids);
      challenges.load(ctx.clock.now());
      const issuer = new TokenIssuer(key, issuerUrl(), ctx.clock, ctx.ids);
      const verifier = new PoolTokenVerifier(key, issuerUrl(), auth.userPool.id, ctx.clock, tokenSessions);
      const triggers = new TriggerRunner(auth.userPool, ctx.model.region, ctx.registry, ctx.log);
      const messages = new MessageSender(auth.userPool, ctx.outbox, ctx.log, triggers);
      const pool = new AuthPool(ctx, users, tokenSessions, challenges, issuer, verifier, triggers, messages);
      running = { pool, key, verifier };
      ctx.log.info(`user pool ${auth.userPool.id}: ${users.all().length} user(s) loaded`);
      return { 'auth.tokens': verifier };
    },

    async reset() {
      if (!running) return;
      running.pool.users.clear();
      running.pool.tokenSessions.clear();
      running.pool.challenges.clear();
    },

    async stop() {
      if (!running) return;
      running.pool.users.flush();
      running.pool.tokenSessions.flush();
      running.pool.challenges.flush();
      running = undefined;
    },

    describe() {
      if (!auth) return [];
      const { userPool, clients } = auth;
      const lines = [
        `Cognito user pool ${userPool.id} (${userPool.name}) at ${ctx.endpoint}  clients: ${clients.map((c) => c.id).join(', ')}`,
        `  issuer ${issuerUrl()}  JWKS ${issuerUrl()}/.well-known/jwks.json`,
        '  admin APIs: SigV4, checked against the caller\'s IAM policy (the developer credentials are an administrator)',
      ];
      const triggers = running?.pool.triggers ?? new TriggerRunner(userPool, ctx.model.region, ctx.registry, ctx.log);
      for (const note of triggers.describe()) lines.push(`  ${note}`);
      return lines;
    },
  };
}
