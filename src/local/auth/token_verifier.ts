import type { Clock } from '../core/clock.js';
import { TokenRejectedError, type JwtClaims, type TokenVerifier } from '../core/registry.js';
import { jwksDocument } from './jwks.js';
import { decodeJwt, verifyRs256 } from './jwt.js';
import type { SigningKey } from './keys.js';
import type { TokenSessionStore } from './token_sessions.js';

/**
 * Verifies tokens this pool issued, as a resource server should: RS256 signature by the pool's key
 * (by `kid`), issuer, expiry, `token_use`, audience (`client_id` / `aud`), and revocation through
 * the token session named by `origin_jti`. Offered to peers as the `auth.tokens` capability.
 */
export class PoolTokenVerifier implements TokenVerifier {
  /**
   * Tokens whose signature already checked out, by their exact text: every GraphQL request and
   * subscription re-presents the same access token, and the RSA check is the costly step. Only the
   * signature is remembered; expiry, use, audience and revocation are checked on every call.
   */
  private readonly verified = new Map<string, ReturnType<typeof decodeJwt>>();
  private static readonly MAX_REMEMBERED = 10_000;

  constructor(
    private readonly key: SigningKey,
    readonly issuer: string,
    readonly userPoolId: string,
    private readonly clock: Clock,
    private readonly sessions: TokenSessionStore,
  ) {}

  jwks(): ReturnType<typeof jwksDocument> {
    return jwksDocument(this.key);
  }

  async verify(token: string, opts: { tokenUse?: 'access' | 'id'; clientId?: string } = {}): Promise<JwtClaims> {
    return this.verifySync(token, opts);
  }

  verifySync(token: string, opts: { tokenUse?: 'access' | 'id'; clientId?: string } = {}): JwtClaims {
    const c = this.signedPayload(token);
    if (c.iss !== this.issuer) throw new TokenRejectedError(`Token issuer ${String(c.iss)} is not ${this.issuer}`, 'issuer');
    if (typeof c.exp !== 'number' || typeof c.iat !== 'number' || typeof c.sub !== 'string') {
      throw new TokenRejectedError('Token lacks exp, iat or sub', 'malformed');
    }
    if (c.exp <= Math.floor(this.clock.now() / 1000)) throw new TokenRejectedError('Token has expired', 'expired');
    if (c.token_use !== 'access' && c.token_use !== 'id') throw new TokenRejectedError('Token is neither an access nor an ID token', 'token_use');
    if (opts.tokenUse && c.token_use !== opts.tokenUse) {
      throw new TokenRejectedError(`Expected an ${opts.tokenUse} token, got an ${c.token_use} token`, 'token_use');
    }
    const audience = c.token_use === 'access' ? c.client_id : c.aud;
    if (opts.clientId && audience !== opts.clientId) {
      throw new TokenRejectedError(`Token was issued to client ${String(audience)}, not ${opts.clientId}`, 'audience');
    }
    const session = typeof c.origin_jti === 'string' ? this.sessions.byOriginJti(c.origin_jti) : undefined;
    if (!session || session.revokedAt !== undefined || session.sub !== c.sub) {
      throw new TokenRejectedError('Token has been revoked', 'revoked');
    }
    return c as JwtClaims;
  }

  private signedPayload(token: string): NonNullable<ReturnType<typeof decodeJwt>>['payload'] {
    const known = typeof token === 'string' ? this.verified.get(token) : undefined;
    // A copy: callers (resolver templates among them) may change the claims they are given.
    if (known) return structuredClone(known.payload);
    const decoded = typeof token === 'string' ? decodeJwt(token) : undefined;
    if (!decoded) throw new TokenRejectedError('Token is not a well-formed JWT', 'malformed');
    if (decoded.header.kid !== this.key.kid || !verifyRs256(decoded, this.key.publicKey)) {
      throw new TokenRejectedError(`Token is not signed by user pool ${this.userPoolId}`, 'signature');
    }
    // Bounded: forgetting everything at the cap only costs a re-check.
    if (this.verified.size >= PoolTokenVerifier.MAX_REMEMBERED) this.verified.clear();
    this.verified.set(token, decoded);
    return structuredClone(decoded.payload);
  }
}
