import { userPoolsOf, type UserPoolEntry } from '../assembly/model.js';
import { BodyTooLargeError, newRequestId, readBody } from '../core/aws_errors.js';
import type { LocalService, ServiceContext } from '../core/service.js';
import { awsServiceHost } from '../hostnames/names.js';
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
import { migrateSinglePoolLayout, poolDir } from './pool_dirs.js';
import { LocalPoolsVerifier } from './pools_verifier.js';
import { authSnapshot } from './snapshot.js';
import { ChallengeStore } from './srp_session.js';
import { TokenIssuer } from './token_issuer.js';
import { TokenSessionStore } from './token_sessions.js';
import { PoolTokenVerifier } from './token_verifier.js';
import { TriggerRunner } from './triggers.js';
import { UserStore } from './user_store.js';
import { hasOwnEntry, ownEntry } from '../core/own.js';

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
 * Every Cognito user pool of the model (`userPoolsOf(model)`: defineAuth's first, then raw CDK
 * pools) with its app clients: the JSON 1.1 `AWSCognitoIdentityProviderService.*` API at the
 * endpoint root, each call routed to the pool it names (its `UserPoolId`, the pool of its
 * `ClientId`, or the issuer of its `AccessToken`), and each pool's JWKS and OpenID discovery
 * documents under `/<poolId>/.well-known/`. Each pool has its own users, signing key, issuer and
 * folder `<data-dir>/auth/<poolId>/`. Offers `auth.tokens` to the other services.
 */
export function createAuthService(ctx: ServiceContext): LocalService {
  const entries = userPoolsOf(ctx.model);
  const primaryId = entries[0]?.userPool.id;
  const running = new Map<string, Running>();
  let tokens: LocalPoolsVerifier | undefined;

  // Deployed pools' `iss` is `https://cognito-idp.<region>.amazonaws.com/<poolId>`; native clients build
  // the identity pool's Logins key from that shape, so AWS-hostname mode issues exactly it.
  const issuerOrigin = () => (ctx.awsHostnames ? `https://${awsServiceHost('cognito-idp', ctx.model.region)}` : ctx.endpoint);
  const issuerUrl = (poolId: string) => `${issuerOrigin()}/${poolId}`;

  function primary(): Running {
    const r = primaryId === undefined ? undefined : running.get(primaryId);
    if (!r) throw errors.internal('The user pool is not running ((local: auth service not started))');
    return r;
  }

  /**
   * The pool a call is for, as Cognito finds it: the `UserPoolId` it names, else the pool owning its
   * `ClientId`, else the issuer of its `AccessToken`. Names no local pool knows go to the primary
   * pool, whose handler then answers Cognito's ResourceNotFoundException / NotAuthorizedException.
   */
  function route(body: Record<string, unknown>): Running {
    const fallback = primary();
    if (typeof body.UserPoolId === 'string') return running.get(body.UserPoolId) ?? fallback;
    if (typeof body.ClientId === 'string') {
      const clientId = body.ClientId;
      return [...running.values()].find((r) => r.pool.clients.has(clientId)) ?? fallback;
    }
    if (typeof body.AccessToken === 'string') {
      const poolId = tokens?.poolOfToken(body.AccessToken)?.userPoolId;
      return (poolId !== undefined ? running.get(poolId) : undefined) ?? fallback;
    }
    return fallback;
  }

  function wellKnown(pathname: string): { poolId: string; doc: 'jwks' | 'openid' } | undefined {
    const poolId = pathname.split('/')[1] ?? '';
    if (!entries.some((e) => e.userPool.id === poolId)) return undefined;
    const doc = wellKnownPath(pathname, poolId);
    return doc ? { poolId, doc } : undefined;
  }

  async function handleApi(req: Request, operation: string): Promise<Response> {
    primary();
    const handler = ownEntry(PUBLIC, operation) ?? ownEntry(ADMIN, operation);
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
    const target = route(body as Record<string, unknown>);
    if (hasOwnEntry(ADMIN, operation)) await authorizeAdminCall(target.pool, req, operation, text);
    return json(await handler(target.pool, body as Record<string, unknown>, req));
  }

  function startPool(entry: UserPoolEntry): Running {
    const { userPool } = entry;
    const dir = poolDir(ctx.dataDir, userPool.id);
    const key = loadOrCreateSigningKey(dir, userPool.id, () => ctx.ids.bytes(16), () => ctx.clock.now());
    const users = new UserStore(dir, userPool);
    users.load();
    const tokenSessions = new TokenSessionStore(dir);
    tokenSessions.load(ctx.clock.now());
    const challenges = new ChallengeStore(dir, ctx.ids);
    challenges.load(ctx.clock.now());
    const issuer = new TokenIssuer(key, issuerUrl(userPool.id), ctx.clock, ctx.ids, () => userPool.groups);
    const verifier = new PoolTokenVerifier(key, issuerUrl(userPool.id), userPool.id, ctx.clock, tokenSessions);
    const triggers = new TriggerRunner(userPool, ctx.model.region, ctx.registry, ctx.log);
    const messages = new MessageSender(userPool, ctx.outbox, ctx.log, triggers, ctx.registry);
    const pool = new AuthPool(ctx, entry, users, tokenSessions, challenges, issuer, verifier, triggers, messages);
    ctx.log.info(`user pool ${userPool.id}: ${users.all().length} user(s) loaded`);
    return { pool, key, verifier };
  }

  return {
    name: 'auth',
    snapshot: authSnapshot(entries, () => new Map([...running].map(([id, r]) => [id, r.pool]))),

    matches(req, url) {
      if (entries.length === 0) return false;
      if ((req.headers.get('x-amz-target') ?? '').startsWith(TARGET_PREFIX)) return true;
      return (req.method === 'GET' || req.method === 'HEAD') && wellKnown(url.pathname) !== undefined;
    },

    async fetch(req) {
      try {
        const url = new URL(req.url);
        const doc = wellKnown(url.pathname);
        if (doc && (req.method === 'GET' || req.method === 'HEAD')) {
          const r = running.get(doc.poolId);
          if (!r) throw errors.internal('The user pool is not running ((local: auth service not started))');
          const payload = doc.doc === 'jwks' ? jwksDocument(r.key) : openIdConfiguration(issuerUrl(doc.poolId));
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
      if (entries.length === 0) return;
      migrateSinglePoolLayout(ctx.dataDir, entries.map((e) => e.userPool.id), ctx.log);
      for (const entry of entries) running.set(entry.userPool.id, startPool(entry));
      tokens = new LocalPoolsVerifier([...running.values()].map((r) => r.verifier));
      return { 'auth.tokens': tokens };
    },

    async reset() {
      for (const { pool } of running.values()) {
        pool.users.clear();
        pool.tokenSessions.clear();
        pool.challenges.clear();
      }
    },

    async stop() {
      for (const { pool } of running.values()) {
        pool.users.flush();
        pool.tokenSessions.flush();
        pool.challenges.flush();
      }
      running.clear();
      tokens = undefined;
    },

    views: {
      /**
       * `GET /_local/auth/claims?pool=<id>&username=<name or alias>[&client=<id>]`: the access and ID
       * token claims the pool would issue to the user now through that client (the pool's first
       * by default), before any pre-token-generation trigger. Nothing is signed or recorded.
       */
      claims: (q) => {
        const r = running.get(q.get('pool') ?? '');
        const user = r?.pool.users.resolve(q.get('username') ?? '');
        const clientId = q.get('client');
        const client = clientId ? r?.pool.clients.get(clientId) : r?.pool.clients.values().next().value;
        if (!r || !user || !client) return undefined;
        const now = Math.floor(ctx.clock.now() / 1000);
        return { client: client.id, ...r.pool.issuer.claims(user, client, { originJti: '<per sign-in>', authTime: now }) };
      },
    },

    describe() {
      const lines: string[] = [];
      for (const { userPool, clients } of entries) {
        const issuer = issuerUrl(userPool.id);
        lines.push(
          `Cognito user pool ${userPool.id} (${userPool.name}) at ${ctx.endpoint}  clients: ${clients.map((c) => c.id).join(', ') || 'none'}`,
          `  issuer ${issuer}  JWKS ${issuer}/.well-known/jwks.json`,
        );
        const triggers = running.get(userPool.id)?.pool.triggers ?? new TriggerRunner(userPool, ctx.model.region, ctx.registry, ctx.log);
        for (const note of triggers.describe()) lines.push(`  ${note}`);
        if ((userPool.triggers.CustomEmailSender || userPool.triggers.CustomSMSSender) && !ctx.registry.tryGet('keys.kms')) {
          lines.push(`  custom senders are NOT run locally: no keys service for ${userPool.kmsKeyArn ?? 'the pool key'} (messages go to the outbox)`);
        }
      }
      if (lines.length > 0) lines.push('  admin APIs: SigV4, checked against the caller\'s IAM policy (the developer credentials are an administrator)');
      return lines;
    },
  };
}
