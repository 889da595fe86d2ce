import type { IdSource } from '../core/clock.js';

/** Shapes of temporary AWS credentials, minted from the injected id source. */

/** AWS access key ids use the RFC 4648 base32 alphabet; 32 symbols also keep `byte % 32` unbiased. */
const KEY_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** `ASIA` marks temporary (STS-issued) credentials, as on AWS. */
export function newAccessKeyId(ids: IdSource): string {
  return `ASIA${[...ids.bytes(16)].map((b) => KEY_ID_ALPHABET[b % 32]).join('')}`;
}

/** 40 characters of base64, like an AWS secret access key. */
export function newSecretAccessKey(ids: IdSource): string {
  return ids.bytes(30).toString('base64');
}

/** Opaque to clients; only ever compared with what was issued. */
export function newSessionToken(ids: IdSource): string {
  return ids.bytes(180).toString('base64');
}

/** Credentials expire on a whole second because the wire carries epoch seconds. */
export function expiryAt(now: number, ttlSeconds: number): number {
  return Math.floor(now / 1000) * 1000 + ttlSeconds * 1000;
}
