import { createSign, createVerify, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { Clock } from '../../../src/local/core/clock.js';
import { TokenRejectedError, type JwtClaims, type TokenVerifier } from '../../../src/local/core/registry.js';

/**
 * A user pool at the `auth.tokens` capability boundary: it signs RS256 ID/access tokens with its
 * own key and verifies them the way the auth service's verifier does (signature, issuer, expiry,
 * token_use, audience). Stands in for the auth service in identity handler tests.
 */
export class StubUserPool implements TokenVerifier {
  readonly issuer: string;
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;

  /** `keySlot` picks one of a few key pairs made once per test file (RSA generation is slow). */
  constructor(
    endpoint: string,
    readonly userPoolId: string,
    private readonly clock: Clock,
    keySlot = 0,
  ) {
    this.issuer = `${endpoint}/${userPoolId}`;
    const pair = keyPair(keySlot);
    this.privateKey = pair.privateKey;
    this.publicKey = pair.publicKey;
  }

  /** A token as the pool would issue it; `overrides` forge or age it. */
  token(user: { sub: string; username: string }, opts: { clientId: string; use?: 'id' | 'access'; ttlSeconds?: number; claims?: Record<string, unknown>; signWith?: KeyObject }): string {
    const iat = Math.floor(this.clock.now() / 1000);
    const use = opts.use ?? 'id';
    const payload: Record<string, unknown> = {
      sub: user.sub,
      iss: this.issuer,
      token_use: use,
      iat,
      exp: iat + (opts.ttlSeconds ?? 3600),
      ...(use === 'id' ? { aud: opts.clientId, 'cognito:username': user.username } : { client_id: opts.clientId, username: user.username }),
      ...opts.claims,
    };
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const input = `${b64({ alg: 'RS256', kid: 'stub' })}.${b64(payload)}`;
    return `${input}.${createSign('RSA-SHA256')
      .update(input)
      .sign(opts.signWith ?? this.privateKey)
      .toString('base64url')}`;
  }

  async verify(token: string, opts: { tokenUse?: 'access' | 'id'; clientId?: string } = {}): Promise<JwtClaims> {
    const parts = token.split('.');
    if (parts.length !== 3) throw new TokenRejectedError('not a JWT', 'malformed');
    if (!createVerify('RSA-SHA256').update(`${parts[0]}.${parts[1]}`).verify(this.publicKey, Buffer.from(parts[2], 'base64url'))) {
      throw new TokenRejectedError('bad signature', 'signature');
    }
    const c = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as JwtClaims;
    if (c.iss !== this.issuer) throw new TokenRejectedError('wrong issuer', 'issuer');
    if (c.exp <= Math.floor(this.clock.now() / 1000)) throw new TokenRejectedError('expired', 'expired');
    if (opts.tokenUse && c.token_use !== opts.tokenUse) throw new TokenRejectedError('wrong token_use', 'token_use');
    const aud = c.token_use === 'id' ? c.aud : c.client_id;
    if (opts.clientId && aud !== opts.clientId) throw new TokenRejectedError('wrong audience', 'audience');
    return c;
  }
}

const pairs = new Map<number, { privateKey: KeyObject; publicKey: KeyObject }>();

function keyPair(slot: number): { privateKey: KeyObject; publicKey: KeyObject } {
  let pair = pairs.get(slot);
  if (!pair) {
    pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    pairs.set(slot, pair);
  }
  return pair;
}

/** A private key no stub pool verifies with (forgeries). */
export function otherKey(): KeyObject {
  return keyPair(99).privateKey;
}
