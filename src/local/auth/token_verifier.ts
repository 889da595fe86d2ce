import type { Clock } from '../core/clock.js';
import { TokenRejectedError, type JwtClaims, type TokenVerifier } from '../core/registry.js';
import { decodeJwt, verifyRs256 } from './jwt.js';
import type { SigningKey } from './keys.js';
import type { TokenSessionStore } from './token_sessions.js';

/**
 * Verifies tokens this pool issued, as a resource server should: RS256 signature by the pool's key
 * (by `kid`), issuer, expiry, `token_use`, audience (`client_id` / `aud`), and revocation through
 * the token session named by `origin_jti`. Offered to peers as the `auth.tokens` capability.
 */
export class PoolTokenVerifier implements TokenVerifier {
  constructor(
    private readonly key: SigningKey,
    readonly issuer: string,
    readonly userPoolId: string,
    private readonly clock: Clock,
    private readonly sessions: TokenSessionStore,
  ) {}

  async verify(token: string, opts: { tokenUse?: 'access' | 'id'; clientId?: string } = {}): Promise<JwtClaims> {
    return this.verifySync(token, opts);
  }

  verifySync(token: string, opts: { tokenUse?: 'access' | 'id'; clientId?: string } = {}): JwtClaims {
    const decoded = typeof token === 'string' ? decodeJwt(token) : undefined;
    if (!decoded) throw new TokenRejectedError('Token is not a well-formed JWT', 'malformed');
    if (decoded.header.kid !== this.key.kid || !verifyRs256(decoded, this.key.publicKey)) {
      throw new TokenRejectedError(`Token is not signed by user pool ${this.userPoolId}`, 'signature');
    }
    const c = decoded.payload;
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
}
