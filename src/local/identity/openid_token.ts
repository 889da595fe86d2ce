import { createPrivateKey, createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { IdSource } from '../core/clock.js';
import { JsonFile } from '../core/persist.js';

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

  forget(): void {
    this.key = undefined;
    new JsonFile<StoredKey>(this.dir(), 'openid-key.json').delete();
  }
}
