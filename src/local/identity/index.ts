import { identityPoolsOf } from '../assembly/model.js';
import { accountCredentials, DEFAULT_ACCOUNT_KEYS } from '../core/account.js';
import { BodyTooLargeError, newRequestId, readBody } from '../core/aws_errors.js';
import type { CredentialStore } from '../core/registry.js';
import type { LocalService, ServiceContext } from '../core/service.js';
import { errors, IdentityError } from './errors.js';
import { getCredentialsForIdentity, getId, getOpenIdToken, type HandlerDeps } from './handlers.js';
import { IdentityStore } from './identity_store.js';
import { OpenIdTokenSigner } from './openid_token.js';
import { parseInput, type Input } from './validate.js';
import { identitySnapshot } from './snapshot.js';
import { ownEntry } from '../core/own.js';

const TARGET_PREFIX = 'AWSCognitoIdentityService.';
/** Requests are a few KB (an ID token or two); anything far larger is not a real client. */
const MAX_BODY_BYTES = 256 * 1024;

const OPERATIONS: Record<string, (deps: HandlerDeps, input: Input) => Promise<unknown>> = {
  GetId: getId,
  GetCredentialsForIdentity: getCredentialsForIdentity,
  GetOpenIdToken: getOpenIdToken,
};

/**
 * Every Cognito identity pool of the backend, each by its id (JSON 1.1, `X-Amz-Target:
 * AWSCognitoIdentityService.*`, POST to the root): trades ID tokens of the user pools it lists as
 * providers — or nothing, for guests — for identity ids and temporary AWS credentials. Offers
 * `identity.credentials` so every SigV4 service can tell who signed a request (the account's
 * developer keys included), and mints credentials for functions' execution roles and STS sessions;
 * offers `identity.openIdTokens` so STS can accept its OpenID tokens.
 */
export function createIdentityService(ctx: ServiceContext): LocalService {
  const pools = identityPoolsOf(ctx.model);
  const store = new IdentityStore(() => ctx.dataDir, ctx.clock, ctx.ids);
  const openId = new OpenIdTokenSigner(() => ctx.dataDir, ctx.ids);
  const deps: HandlerDeps = { pools, store, registry: ctx.registry, clock: ctx.clock, endpoint: () => ctx.endpoint, openId };

  const account = accountCredentials(ctx.model, ctx.accountKeys ?? DEFAULT_ACCOUNT_KEYS);
  const credentialStore: CredentialStore = {
    lookup: (accessKeyId) => (accessKeyId === account.accessKeyId ? account : store.lookup(accessKeyId)),
    issueForRole: (roleArn, functionName, ttlSeconds) => store.issue({ roleArn, functionName, kind: 'function' }, ttlSeconds, false),
    // Sessions leave the process in the STS response, so they are written before it goes out.
    issueForSession: (session, ttlSeconds) => store.issue({ ...session, kind: 'assumed-role' }, ttlSeconds, true),
  };

  async function handle(req: Request): Promise<Response> {
    if (req.method !== 'POST') {
      throw errors.unknownOperation(`Unknown operation ((local: Cognito identity calls are POST requests, not ${req.method}))`);
    }
    const target = req.headers.get('x-amz-target') ?? '';
    const operation = target.startsWith(TARGET_PREFIX) ? ownEntry(OPERATIONS, target.slice(TARGET_PREFIX.length)) : undefined;
    if (!operation) {
      throw errors.unknownOperation(`Unknown operation ${target} ((local: the local identity pool implements ${Object.keys(OPERATIONS).join(', ')}))`);
    }
    let body: Buffer;
    try {
      body = await readBody(req, MAX_BODY_BYTES);
    } catch (err) {
      if (err instanceof BodyTooLargeError) throw new IdentityError('SerializationException', err.message, 413);
      throw err;
    }
    const result = await operation(deps, parseInput(body.toString('utf8')));
    return new Response(JSON.stringify(result), {
      status: 200,
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': newRequestId() },
    });
  }

  return {
    name: 'identity',
    snapshot: identitySnapshot(pools, store),
    matches: (req) => (req.headers.get('x-amz-target') ?? '').startsWith(TARGET_PREFIX),
    async fetch(req) {
      try {
        return await handle(req);
      } catch (err) {
        if (err instanceof IdentityError) return err.toResponse();
        throw err;
      }
    },
    async start() {
      store.load();
      return { 'identity.credentials': credentialStore, 'identity.openIdTokens': { verify: (token) => openId.verify(token, ctx.clock.now()) } };
    },
    async reset() {
      store.reset();
      openId.forget();
    },
    async stop() {
      store.flush();
    },
    describe() {
      if (pools.length === 0) return ['identity: no identity pool in this backend (credentials are still minted for functions)'];
      const { identities } = store.stats();
      return [
        ...pools.map((pool) => `identity pool ${pool.id}: guests ${pool.allowUnauthenticated ? 'allowed' : 'not allowed'}, providers ${pool.providers.map((p) => p.userPoolId).join(', ') || 'none'}`),
        `  ${identities} identit${identities === 1 ? 'y' : 'ies'} kept`,
      ];
    },
  };
}
