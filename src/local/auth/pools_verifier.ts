import type { JwtClaims, TokenVerifier } from '../core/registry.js';
import { decodeJwt } from './jwt.js';
import type { PoolTokenVerifier } from './token_verifier.js';

/**
 * `auth.tokens` when the backend has several user pools: it stands for the primary pool (its
 * `issuer`, `userPoolId`) yet verifies a token of any local pool with that pool's own key, chosen by
 * the token's `iss` — each pool signs with its own key, so a token is only ever accepted by the pool
 * that issued it. `forPool` gives one pool's strict verifier.
 */
export class LocalPoolsVerifier implements TokenVerifier {
  private readonly byIssuer: Map<string, PoolTokenVerifier>;
  private readonly byPool: Map<string, PoolTokenVerifier>;

  constructor(private readonly verifiers: readonly PoolTokenVerifier[]) {
    if (verifiers.length === 0) throw new Error('LocalPoolsVerifier needs at least one pool');
    this.byIssuer = new Map(verifiers.map((v) => [v.issuer, v]));
    this.byPool = new Map(verifiers.map((v) => [v.userPoolId, v]));
  }

  get issuer(): string {
    return this.verifiers[0].issuer;
  }

  get userPoolId(): string {
    return this.verifiers[0].userPoolId;
  }

  forPool(userPoolId: string): PoolTokenVerifier | undefined {
    return this.byPool.get(userPoolId);
  }

  pools(): readonly PoolTokenVerifier[] {
    return this.verifiers;
  }

  /** The pool whose issuer the token names (unverified: the chosen pool then checks the signature). */
  poolOfToken(token: string): PoolTokenVerifier | undefined {
    const iss = typeof token === 'string' ? decodeJwt(token)?.payload.iss : undefined;
    return typeof iss === 'string' ? this.byIssuer.get(iss) : undefined;
  }

  async verify(token: string, opts?: { tokenUse?: 'access' | 'id'; clientId?: string }): Promise<JwtClaims> {
    return this.verifySync(token, opts);
  }

  verifySync(token: string, opts?: { tokenUse?: 'access' | 'id'; clientId?: string }): JwtClaims {
    const pool = this.poolOfToken(token);
    if (pool) return pool.verifySync(token, opts);
    // Not a token of any local pool: the primary pool words the refusal (malformed, signature, issuer).
    return this.verifiers[0].verifySync(token, opts);
  }
}
