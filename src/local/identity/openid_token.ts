import { createPrivateKey, createPublicKey, createSign, createVerify, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { IdSource } from '../core/clock.js';
import { JsonFile } from '../core/persist.js';
import { TokenRejectedError } from '../core/registry.js';

/**
 * Cognito-identity OpenID tokens (what GetOpenIdToken returns), RS256-signed with a key kept in the
 * data dir. The key is made on first use: most apps never call GetOpenIdToken.
 */

/** Cognito's default lifetime for these tokens. */
const OPENID_TOKEN_TTL_SECONDS = 600;
const ISSUER = 'https://cognito-identity.amazonaws.com';

interface StoredKey {
  kid: string;
  privateKeyPem: string;
}

export class OpenIdTokenSigner {
  private key: { kid: string; privateKey: KeyObject } | undefined;

  constructor(
    private readonly dir: () => string,
    private readonly ids: IdSource,
  ) {}

  private loadKey(): { kid: string; privateKey: KeyObject } {
    if (this.key) return this.key;
    const file = new JsonFile<StoredKey>(this.dir(), 'openid-key.json');
    let stored = file.load();
    if (!stored) {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      stored = { kid: this.ids.uuid(), privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
      file.save(stored);
    }
    this.key = { kid: stored.kid, privateKey: createPrivateKey(stored.privateKeyPem) };
    return this.key;
  }

  /** `amr` lists `authenticated` plus the providers (and `<provider>:<pool>:<sub>`), or `unauthenticated`. */
  sign(opts: { identityId: string; identityPoolId: string; nowMs: number; amr: string[] }): string {
    const key = this.loadKey();
    const iat = Math.floor(opts.nowMs / 1000);
    const header = { kid: key.kid, typ: 'JWS', alg: 'RS256' };
    const payload = {
      sub: opts.identityId,
      aud: opts.identityPoolId,
      amr: opts.amr,
      iss: ISSUER,
      exp: iat + OPENID_TOKEN_TTL_SECONDS,
      iat,
    };
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const input = `${b64(header)}.${b64(payload)}`;
    return `${input}.${createSign('RSA-SHA256').update(input).sign(key.privateKey).toString('base64url')}`;
  }

  /** Checks a token this pool signed (signature, issuer, expiry) and returns its claims. */
  verify(token: string, nowMs: number): { sub: string; aud: string; amr: string[]; iss: string; exp: number; iat: number } {
    const parts = token.split('.');
    if (parts.length !== 3) throw new TokenRejectedError('The token is not a JWT', 'malformed');
    let header: { kid?: string; alg?: string };
    let payload: { sub?: unknown; aud?: unknown; amr?: unknown; iss?: unknown; exp?: unknown; iat?: unknown };
    try {
      header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as typeof header;
      payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as typeof payload;
    } catch {
      throw new TokenRejectedError('The token is not a JWT', 'malformed');
    }
    const key = this.loadKey();
    const signed = header.alg === 'RS256' && header.kid === key.kid &&
      createVerify('RSA-SHA256').update(`${parts[0]}.${parts[1]}`).verify(createPublicKey(key.privateKey), Buffer.from(parts[2], 'base64url'));
    if (!signed) throw new TokenRejectedError('The token was not signed by this identity pool', 'signature');
    if (payload.iss !== ISSUER) throw new TokenRejectedError(`The token's issuer is not ${ISSUER}`, 'issuer');
    if (typeof payload.exp !== 'number' || payload.exp * 1000 <= nowMs) throw new TokenRejectedError('The token has expired', 'expired');
    if (typeof payload.sub !== 'string' || typeof payload.aud !== 'string') throw new TokenRejectedError('The token lacks sub or aud', 'malformed');
    const amr = Array.isArray(payload.amr) ? payload.amr.map(String) : [];
    return { sub: payload.sub, aud: payload.aud, amr, iss: ISSUER, exp: payload.exp, iat: Number(payload.iat) };
  }

  forget(): void {
    this.key = undefined;
    new JsonFile<StoredKey>(this.dir(), 'openid-key.json').delete();
  }
}
