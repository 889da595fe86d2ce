import type { Peers } from '../core/registry.js';
import { StsError } from './wire.js';

/**
 * Tokens AssumeRoleWithWebIdentity accepts locally: the identity pool's OpenID tokens
 * (GetOpenIdToken; provider `cognito-identity.amazonaws.com`) and the local user pool's ID tokens
 * (an OIDC provider: `cognito-idp.<region>.amazonaws.com/<poolId>`, or the local issuer's host/path).
 * Each is verified by the service that signed it; the result names the providers a trust policy may
 * use and the condition keys (`<provider>:aud`, `:sub`, `:amr`) its conditions may test.
 */

const COGNITO_IDENTITY_ISSUER = 'https://cognito-identity.amazonaws.com';

export interface WebIdentity {
  /** `iss` of the token: STS's `Provider`. */
  issuer: string;
  /** Names for the issuer in trust policies (`Principal.Federated`), oidc-provider ARNs included. */
  providers: string[];
  subject: string;
  audience: string;
  context: Record<string, string | string[]>;
  /** For identity-pool tokens: the identity and its pool (they become the session's Cognito keys). */
  identityId?: string;
  identityPoolId?: string;
}

function unverifiedIssuer(token: string): string | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as { iss?: unknown };
    return typeof payload.iss === 'string' ? payload.iss : undefined;
  } catch {
    return undefined;
  }
}

function rejected(err: unknown, nowMs: number, exp?: number): StsError {
  const reason = (err as { reason?: string }).reason;
  if (reason === 'expired') {
    const at = exp === undefined ? 'its expiry' : new Date(exp * 1000).toUTCString();
    return new StsError(400, 'ExpiredTokenException', `Token expired: current date/time ${new Date(nowMs).toUTCString()} must be before the expiration date/time ${at}`);
  }
  if (err instanceof Error && err.name === 'TokenRejectedError') {
    return new StsError(400, 'InvalidIdentityToken', `Couldn't verify the web identity token ((local: ${err.message}))`);
  }
  throw err;
}

function expOf(token: string): number | undefined {
  try {
    const exp = (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp : undefined;
  } catch {
    return undefined;
  }
}

function withOidcArns(providers: string[], accountId: string): string[] {
  return [...providers, ...providers.map((p) => `arn:aws:iam::${accountId}:oidc-provider/${p}`)];
}

export async function verifyWebIdentity(
  token: string,
  opts: { peers: Peers; region: string; accountId: string; nowMs: number },
): Promise<WebIdentity> {
  const issuer = unverifiedIssuer(token);
  if (issuer === undefined) throw new StsError(400, 'InvalidIdentityToken', 'The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request.');

  if (issuer === COGNITO_IDENTITY_ISSUER) {
    const verifier = opts.peers.tryGet('identity.openIdTokens');
    if (!verifier) throw new StsError(400, 'InvalidIdentityToken', `No OpenIDConnect provider found in your account for ${issuer} ((local: the identity service is not running))`);
    let claims;
    try {
      claims = verifier.verify(token);
    } catch (err) {
      throw rejected(err, opts.nowMs, expOf(token));
    }
    const provider = 'cognito-identity.amazonaws.com';
    return {
      issuer,
      providers: [provider],
      subject: claims.sub,
      audience: claims.aud,
      context: { [`${provider}:aud`]: claims.aud, [`${provider}:sub`]: claims.sub, [`${provider}:amr`]: claims.amr },
      identityId: claims.sub,
      identityPoolId: claims.aud,
    };
  }

  const pool = opts.peers.tryGet('auth.tokens');
  if (!pool || pool.issuer !== issuer) {
    throw new StsError(400, 'InvalidIdentityToken', `No OpenIDConnect provider found in your account for ${issuer}`);
  }
  let claims;
  try {
    claims = await pool.verify(token, { tokenUse: 'id' });
  } catch (err) {
    throw rejected(err, opts.nowMs, expOf(token));
  }
  const audience = String(claims.aud ?? '');
  const providers = [`cognito-idp.${opts.region}.amazonaws.com/${pool.userPoolId}`, issuer.replace(/^https:\/\//, '')];
  const context: Record<string, string | string[]> = {};
  for (const p of providers) {
    context[`${p}:aud`] = audience;
    context[`${p}:sub`] = claims.sub;
  }
  return { issuer, providers: withOidcArns(providers, opts.accountId), subject: claims.sub, audience, context };
}
