import type { IdentityPoolModel } from '../assembly/model.js';
import { poolVerifier, TokenRejectedError, type JwtClaims, type Peers } from '../core/registry.js';
import { errors, MESSAGES } from './errors.js';

/** A `Logins` entry whose ID token the user pool vouched for. */
export interface VerifiedLogin {
  /** The `Logins` key as sent (`<host:port>/<userPoolId>`). */
  providerKey: string;
  userPoolId: string;
  clientId: string;
  sub: string;
  username?: string;
  claims: JwtClaims;
}

function stripScheme(url: string): string {
  return url.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
}

/**
 * Checks every `Logins` entry as Cognito does: the key must name one of the pool's providers, the
 * token must be an ID token the user pool issued (signature, expiry, revocation — through the
 * `auth.tokens` capability) to the provider's app client, and its `iss` must be the key.
 * All checks finish before the caller changes any state.
 */
export async function verifyLogins(
  logins: Record<string, string>,
  pool: IdentityPoolModel,
  deps: { registry: Peers; endpoint: string; now: () => number },
): Promise<VerifiedLogin[]> {
  const entries = Object.entries(logins);
  if (entries.length === 0) return [];
  const tokens = deps.registry.tryGet('auth.tokens');
  const endpointHost = deps.endpoint ? new URL(deps.endpoint).host : '';
  // Each provider's tokens are checked by that user pool's own verifier (its key, its issuer).
  const keyOf = (userPoolId: string) => {
    const verifier = poolVerifier(tokens, userPoolId);
    return verifier ? stripScheme(verifier.issuer) : `${endpointHost}/${userPoolId}`;
  };

  const verified: VerifiedLogin[] = [];
  for (const [providerKey, token] of entries) {
    const provider = pool.providers.find((p) => keyOf(p.userPoolId) === providerKey);
    if (!provider) throw errors.notAuthorized(MESSAGES.unsupportedProvider);
    const verifier = poolVerifier(tokens, provider.userPoolId);
    if (!verifier) {
      throw errors.notAuthorized(`Invalid login token. ((local: no running user pool verifies tokens of ${provider.userPoolId}))`);
    }
    let claims: JwtClaims;
    try {
      claims = await verifier.verify(token, { tokenUse: 'id', clientId: provider.clientId });
    } catch (err) {
      if (err instanceof TokenRejectedError) throw errors.notAuthorized(rejectionMessage(err, token, deps.now()));
      throw err;
    }
    if (stripScheme(String(claims.iss)) !== providerKey) throw errors.notAuthorized("Invalid login token. Issuer doesn't match providerName");
    if (claims.aud !== provider.clientId) throw errors.notAuthorized('Invalid login token. Incorrect token audience.');
    const username = typeof claims['cognito:username'] === 'string' ? (claims['cognito:username'] as string) : undefined;
    verified.push({ providerKey, userPoolId: provider.userPoolId, clientId: provider.clientId, sub: claims.sub, username, claims });
  }
  return verified;
}

/** Cognito's wording per failure; the detail of why stays in a local note. */
function rejectionMessage(err: TokenRejectedError, token: string, now: number): string {
  switch (err.reason) {
    case 'expired': {
      const exp = unverifiedExp(token);
      return `Invalid login token. Token expired: ${Math.floor(now / 1000)} >= ${exp ?? '?'}`;
    }
    case 'signature':
      return "Invalid login token. Couldn't verify signed token.";
    case 'issuer':
      return "Invalid login token. Issuer doesn't match providerName";
    case 'audience':
      return 'Invalid login token. Incorrect token audience.';
    case 'revoked':
      return 'Invalid login token. Token has been revoked. ((local: the session behind this token was signed out))';
    default:
      return `Invalid login token. Not a valid OpenId Connect identity token. ((local: ${err.message}))`;
  }
}

/** `exp` read without trust, only to word an error message. */
function unverifiedExp(token: string): number | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof payload.exp === 'number' ? payload.exp : undefined;
  } catch {
    return undefined;
  }
}
