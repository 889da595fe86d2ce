import { createPrivateKey, createPublicKey, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CorruptStateError, writeFileAtomic } from '../core/persist.js';

/**
 * The pool's token-signing key: RSA 2048 (Cognito's size), generated on first start and kept in the
 * data dir (mode 0600) so tokens stay valid across restarts. Never a key shipped in a package: a
 * shared key would let any other local pool forge this pool's tokens.
 */
export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** Public JWK with `kid`, `alg`, `use` (what jwks.json lists). */
  jwk: JsonWebKey & { kid: string; alg: 'RS256'; use: 'sig' };
}

interface KeyFile {
  version: 1;
  userPoolId: string;
  kid: string;
  privateKeyPem: string;
  createdAt: string;
}

export function loadOrCreateSigningKey(dataDir: string, userPoolId: string, kidBytes: () => Buffer, now: () => number): SigningKey {
  const file = path.join(dataDir, 'signing-key.json');
  let stored: KeyFile | undefined;
  try {
    const text = readFileSync(file, 'utf8');
    try {
      stored = JSON.parse(text) as KeyFile;
    } catch (err) {
      throw new CorruptStateError(file, err);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  // A key made for another pool id (the assembly changed) is replaced: its tokens name another issuer anyway.
  if (!stored || stored.userPoolId !== userPoolId) {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    stored = {
      version: 1,
      userPoolId,
      kid: kidBytes().toString('base64').replace(/=+$/, ''),
      privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      createdAt: new Date(now()).toISOString(),
    };
    writeFileAtomic(file, `${JSON.stringify(stored, null, 1)}\n`, { mode: 0o600 });
  }
  const privateKey = createPrivateKey(stored.privateKeyPem);
  const publicKey = createPublicKey(privateKey);
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: stored.kid, alg: 'RS256' as const, use: 'sig' as const };
  return { kid: stored.kid, privateKey, publicKey, jwk };
}
