/**
 * AppSync's OPENID_CONNECT mode as a relying party runs it: the token in `Authorization` must be a
 * JWT whose `iss` is the configured issuer, signed by a key of the issuer's JWKS, unexpired, within
 * the IatTTL / AuthTTL windows, and — when a ClientId is configured (a regular expression) — with a
 * matching `aud`. The local cloud makes no network calls: an issuer is served only when it is one
 * of the local user pools (by its local issuer URL or its Cognito form
 * `https://cognito-idp.<region>.amazonaws.com/<poolId>`), whose JWKS is read from the auth service.
 * Tokens for any other issuer are refused, with one warning in the log.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { BackendModel } from '../assembly/model.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { poolVerifiers, type Peers, type TokenVerifier } from '../core/registry.js';
import type { AppSyncErrorName } from './auth_modes.js';
import type { OidcIdentity } from './engine/types.js';

export interface OidcAuthDeps {
  model: BackendModel;
  registry: Peers;
  clock: Clock;
  log?: Logger;
}

export type OidcAuthResult =
  | { ok: true; identity: OidcIdentity }
  | { ok: false; status: number; errorType: AppSyncErrorName; message: string; detail: string };

const NOT_PROVIDED = 'Valid authorization header not provided.';

function refuse(detail: string, message = NOT_PROVIDED): OidcAuthResult {
  return { ok: false, status: 401, errorType: 'UnauthorizedException', message, detail };
}

/** Issuers already warned about, per model (the HTTP and realtime endpoints share one warning). */
const warned = new WeakMap<BackendModel, Set<string>>();
/** Public keys by pool and kid, rebuilt when a pool's JWKS changes. */
const keyCache = new WeakMap<TokenVerifier, Map<string, KeyObject>>();

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** The local pool serving `issuer`, if any. */
export function localIssuerPool(issuer: string, deps: Pick<OidcAuthDeps, 'model' | 'registry'>): TokenVerifier | undefined {
  const wanted = trimSlash(issuer);
  return poolVerifiers(deps.registry.tryGet('auth.tokens')).find(
    (v) => trimSlash(v.issuer) === wanted || wanted === `https://cognito-idp.${deps.model.region}.amazonaws.com/${v.userPoolId}`,
  );
}

/** Whether the token (read without trust) claims to come from the API's OIDC issuer. */
export function tokenNamesOidcIssuer(token: string, deps: Pick<OidcAuthDeps, 'model' | 'registry'>): boolean {
  const config = deps.model.data?.openIdConnect;
  const iss = decode(token)?.payload.iss;
  if (!config || typeof iss !== 'string') return false;
  if (trimSlash(iss) === trimSlash(config.issuer)) return true;
  const pool = localIssuerPool(config.issuer, deps);
  return !!pool && trimSlash(iss) === trimSlash(pool.issuer);
}

interface Decoded {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

function decode(token: string): Decoded | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as unknown;
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as unknown;
    const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
    if (!isObject(header) || !isObject(payload)) return undefined;
    return { header, payload, signingInput: `${parts[0]}.${parts[1]}`, signature: Buffer.from(parts[2], 'base64url') };
  } catch {
    return undefined;
  }
}

function publicKey(pool: TokenVerifier, kid: unknown): KeyObject | undefined {
  if (typeof kid !== 'string' || !pool.jwks) return undefined;
  let keys = keyCache.get(pool);
  if (!keys?.has(kid)) {
    keys = new Map();
    for (const jwk of pool.jwks().keys) keys.set(jwk.kid, createPublicKey({ key: jwk, format: 'jwk' }));
    keyCache.set(pool, keys);
  }
  return keys.get(kid);
}

/** The API's ClientId is a regular expression over the whole `aud` (any of them when it is a list). */
function audienceMatches(clientId: string, aud: unknown): boolean {
  const auds = Array.isArray(aud) ? aud : [aud];
  let pattern: RegExp;
  try {
    pattern = new RegExp(`^(?:${clientId})$`);
  } catch {
    return auds.includes(clientId);
  }
  return auds.some((a) => typeof a === 'string' && pattern.test(a));
}

export function authenticateOidcToken(token: string, deps: OidcAuthDeps): OidcAuthResult {
  const config = deps.model.data?.openIdConnect;
  if (!config) return refuse('the API has no OpenIDConnectConfig');
  const decoded = decode(token);
  if (!decoded) return refuse('the Authorization header is not a JWT', 'Unable to parse JWT token.');
  const { header, payload: claims } = decoded;

  const pool = localIssuerPool(config.issuer, deps);
  if (!pool) {
    const seen = warned.get(deps.model) ?? new Set<string>();
    warned.set(deps.model, seen);
    if (!seen.has(config.issuer)) {
      seen.add(config.issuer);
      deps.log?.warn(
        `OPENID_CONNECT: the issuer ${config.issuer} is not a local user pool; its tokens are refused ((local: the local cloud fetches no keys from the network))`,
      );
    }
    return refuse(`the OIDC issuer ${config.issuer} is not served locally`);
  }
  const iss = typeof claims.iss === 'string' ? trimSlash(claims.iss) : undefined;
  if (iss !== trimSlash(config.issuer) && iss !== trimSlash(pool.issuer)) return refuse(`token issuer ${String(claims.iss)} is not ${config.issuer}`);
  const key = header.alg === 'RS256' ? publicKey(pool, header.kid) : undefined;
  if (!key || !verify('RSA-SHA256', Buffer.from(decoded.signingInput), key, decoded.signature)) {
    return refuse(`the token is not signed by a key of ${pool.issuer}/.well-known/jwks.json`);
  }
  const nowSeconds = deps.clock.now() / 1000;
  if (typeof claims.exp !== 'number' || claims.exp <= nowSeconds) return refuse('the token has expired', 'Token has expired.');
  if (config.iatTtlMs && (typeof claims.iat !== 'number' || nowSeconds * 1000 - claims.iat * 1000 > config.iatTtlMs)) {
    return refuse(`the token was issued more than IatTTL ${config.iatTtlMs} ms ago`, 'Token has expired.');
  }
  if (config.authTtlMs && (typeof claims.auth_time !== 'number' || nowSeconds * 1000 - claims.auth_time * 1000 > config.authTtlMs)) {
    return refuse(`the user authenticated more than AuthTTL ${config.authTtlMs} ms ago`, 'Token has expired.');
  }
  if (config.clientId && !audienceMatches(config.clientId, claims.aud)) {
    return refuse(`the token's aud ${JSON.stringify(claims.aud)} does not match the ClientId ${config.clientId}`);
  }
  if (typeof claims.sub !== 'string') return refuse('the token has no sub');
  return { ok: true, identity: { sub: claims.sub, issuer: String(claims.iss), claims } };
}
