import type { IdentityPoolModel } from '../assembly/model.js';
import type { Clock } from '../core/clock.js';
import type { Peers } from '../core/registry.js';
import { errors, MESSAGES } from './errors.js';
import type { IdentityRecord, IdentityStore, LinkedLogin } from './identity_store.js';
import { verifyLogins, type VerifiedLogin } from './logins.js';
import type { OpenIdTokenSigner } from './openid_token.js';
import { authenticatedRole, unauthenticatedRole } from './roles.js';
import { optionalAccountId, optionalLogins, optionalRoleArn, requireId, type Input } from './validate.js';

/** Cognito identity-pool credentials live one hour. */
const IDENTITY_CREDENTIALS_TTL_SECONDS = 3600;

export interface HandlerDeps {
  /** Every identity pool of the backend (`identityPoolsOf(model)`). */
  pools: readonly IdentityPoolModel[];
  store: IdentityStore;
  registry: Peers;
  clock: Clock;
  endpoint: () => string;
  openId: OpenIdTokenSigner;
}

function requirePool(deps: HandlerDeps, identityPoolId: string): IdentityPoolModel {
  const pool = deps.pools.find((p) => p.id === identityPoolId);
  if (!pool) throw errors.resourceNotFound(MESSAGES.poolNotFound(identityPoolId));
  return pool;
}

function verify(deps: HandlerDeps, pool: IdentityPoolModel, logins: Record<string, string>): Promise<VerifiedLogin[]> {
  return verifyLogins(logins, pool, { registry: deps.registry, endpoint: deps.endpoint(), now: () => deps.clock.now() });
}

function linkedLogins(verified: VerifiedLogin[]): Record<string, LinkedLogin> {
  return Object.fromEntries(verified.map((l) => [l.userPoolId, { sub: l.sub, ...(l.username ? { username: l.username } : {}) }]));
}

/** GetId: the identity of the signed-in user (created on first sign-in), or a new guest identity. */
export async function getId(deps: HandlerDeps, input: Input): Promise<{ IdentityId: string }> {
  const pool = requirePool(deps, requireId(input, 'IdentityPoolId'));
  optionalAccountId(input);
  const verified = await verify(deps, pool, optionalLogins(input));
  // Everything below is synchronous: no await between the lookups and the writes.
  if (verified.length === 0) {
    if (!pool.allowUnauthenticated) throw errors.notAuthorized(MESSAGES.unauthDisabled);
    return { IdentityId: deps.store.create(pool.id, {}).identityId };
  }
  const existing = findLinked(deps.store, pool, verified);
  if (existing.length > 1) throw errors.notAuthorized(MESSAGES.loginsDontMatch);
  if (existing.length === 1) {
    deps.store.link(existing[0], linkedLogins(verified));
    return { IdentityId: existing[0].identityId };
  }
  return { IdentityId: deps.store.create(pool.id, linkedLogins(verified)).identityId };
}

/** Distinct identities already linked to any of these logins. */
function findLinked(store: IdentityStore, pool: IdentityPoolModel, verified: VerifiedLogin[]): IdentityRecord[] {
  const found = new Map<string, IdentityRecord>();
  for (const l of verified) {
    const rec = store.findByLogin(pool.id, l.userPoolId, l.sub);
    if (rec) found.set(rec.identityId, rec);
  }
  return [...found.values()];
}

interface Resolution {
  pool: IdentityPoolModel;
  /** The first verified login, for authenticated identities. */
  login?: VerifiedLogin;
  /** Applies the link or merge the call implies and returns the identity it acts for. */
  commit(): IdentityRecord;
}

/**
 * Decides which identity a GetCredentialsForIdentity / GetOpenIdToken call acts for, as Cognito does:
 * - no Logins: only a guest identity, and only if the pool allows guests;
 * - Logins for the identity's own user: that identity;
 * - Logins on a guest identity: the guest is upgraded (linked) — or, if the user already has an
 *   identity, merged into it (the guest id disappears and the user's id is returned);
 * - Logins of another user: refused.
 * Nothing changes until `commit()`, so a later refusal (role choice) leaves state as it was.
 */
async function resolveIdentity(deps: HandlerDeps, input: Input): Promise<Resolution> {
  const identityId = requireId(input, 'IdentityId');
  const logins = optionalLogins(input);
  const notFound = () => errors.resourceNotFound(MESSAGES.identityNotFound(identityId));
  const known = deps.store.get(identityId);
  const pool = known ? deps.pools.find((p) => p.id === known.identityPoolId) : undefined;
  if (!known || !pool) throw notFound();
  const verified = await verify(deps, pool, logins);

  // Re-read after the await: a concurrent merge may have removed this identity.
  const current = deps.store.get(identityId);
  if (!current) throw notFound();
  const isGuest = Object.keys(current.logins).length === 0;
  if (verified.length === 0) {
    if (!isGuest) throw errors.notAuthorized(MESSAGES.identityForbidden(identityId));
    if (!pool.allowUnauthenticated) throw errors.notAuthorized(MESSAGES.unauthDisabled);
    return { pool, commit: () => current };
  }
  const linked = findLinked(deps.store, pool, verified);
  const login = verified[0];
  if (isGuest) {
    if (linked.length > 1) throw errors.notAuthorized(MESSAGES.loginsDontMatch);
    const target = linked[0] ?? current;
    return {
      pool,
      login,
      commit: () => {
        if (target !== current) deps.store.remove(current.identityId);
        deps.store.link(target, linkedLogins(verified));
        return target;
      },
    };
  }
  const mismatch = verified.some((l) => {
    const own = current.logins[l.userPoolId];
    const other = deps.store.findByLogin(pool.id, l.userPoolId, l.sub);
    return (own !== undefined && own.sub !== l.sub) || (other !== undefined && other.identityId !== current.identityId);
  });
  if (mismatch) throw errors.notAuthorized(MESSAGES.loginsDontMatch);
  return {
    pool,
    login,
    commit: () => {
      deps.store.link(current, linkedLogins(verified));
      return current;
    },
  };
}

export interface CredentialsResponse {
  IdentityId: string;
  Credentials: { AccessKeyId: string; SecretKey: string; SessionToken: string; Expiration: number };
}

/** GetCredentialsForIdentity: one hour of credentials for the authenticated or unauthenticated role. */
export async function getCredentialsForIdentity(deps: HandlerDeps, input: Input): Promise<CredentialsResponse> {
  const customRoleArn = optionalRoleArn(input);
  const { pool, login, commit } = await resolveIdentity(deps, input);
  const roleArn = login ? authenticatedRole(pool, login, customRoleArn) : unauthenticatedRole(pool);
  const identity = commit();
  const creds = deps.store.issue(
    {
      roleArn,
      identityId: identity.identityId,
      identityPoolId: pool.id,
      kind: login ? 'authenticated' : 'unauthenticated',
      ...(login ? { userSub: login.sub, userPoolId: login.userPoolId, ...(login.username ? { username: login.username } : {}) } : {}),
    },
    IDENTITY_CREDENTIALS_TTL_SECONDS,
    true,
  );
  return {
    IdentityId: identity.identityId,
    Credentials: {
      AccessKeyId: creds.accessKeyId,
      SecretKey: creds.secretAccessKey,
      SessionToken: creds.sessionToken,
      Expiration: creds.expiration / 1000,
    },
  };
}

/** GetOpenIdToken: a Cognito-identity OpenID token for the identity (10 minutes). */
export async function getOpenIdToken(deps: HandlerDeps, input: Input): Promise<{ IdentityId: string; Token: string }> {
  const { pool, login, commit } = await resolveIdentity(deps, input);
  const identity = commit();
  const amr = login ? ['authenticated', login.providerKey, `${login.providerKey}:CognitoSignIn:${login.sub}`] : ['unauthenticated'];
  const token = deps.openId.sign({ identityId: identity.identityId, identityPoolId: pool.id, nowMs: deps.clock.now(), amr });
  return { IdentityId: identity.identityId, Token: token };
}
