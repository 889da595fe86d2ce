import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  claimSignature,
  clientSessionKey,
  computeU,
  createVerifier,
  formatSrpTimestamp,
  g,
  hashHex,
  hexToBigInt,
  k,
  modPowN,
  N,
  padHex,
  parseSrpTimestamp,
  passwordMatches,
  serverEphemeral,
  serverSessionKey,
} from '../../../src/local/auth/srp.js';

function slowModPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let r = 1n;
  let b = base % mod;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % mod;
    e >>= 1n;
    b = (b * b) % mod;
  }
  return r;
}

describe('SRP math', () => {
  it('uses the 3072-bit RFC 3526 group with g = 2', () => {
    expect(N.toString(16).length).toBe(768);
    expect(N.toString(16).startsWith('ffffffffffffffffc90fdaa22168c234')).toBe(true);
    expect(g).toBe(2n);
  });

  it('pads hex like Java BigInteger bytes (the client getPaddedHex)', () => {
    expect(padHex(0x14n)).toBe('14');
    expect(padHex(0xecn)).toBe('00ec');
    expect(padHex(0xc8n)).toBe('00c8');
    expect(padHex(0x123n)).toBe('0123');
    expect(padHex(0x7fn)).toBe('7f');
    expect(() => padHex(-1n)).toThrow(RangeError);
  });

  it('derives k = H(PAD(N) | PAD(g))', () => {
    expect(k).toBe(hashHex(padHex(N) + padHex(2n)));
    expect(k).not.toBe(0n);
  });

  it('computes modular powers with OpenSSL exactly as plain BigInt arithmetic does', () => {
    const x = hexToBigInt(randomBytes(32).toString('hex'));
    const b = hexToBigInt(randomBytes(128).toString('hex'));
    expect(modPowN(g, x)).toBe(slowModPow(g, x, N));
    const base = slowModPow(3n, x, N);
    expect(modPowN(base, b)).toBe(slowModPow(base, b, N));
    expect(modPowN(1n, b)).toBe(1n);
    expect(modPowN(N - 1n, 3n)).toBe(N - 1n);
    expect(modPowN(5n, 0n)).toBe(1n);
  });

  it('agrees on the session key between server and client for the right password only', () => {
    const pool = 'AbCdEf123';
    const verifier = createVerifier(pool, 'user-1', 'Passw0rd!', randomBytes(16));
    const { b, B } = serverEphemeral(verifier.verifier, randomBytes(128));
    const a = hexToBigInt(randomBytes(128).toString('hex'));
    const A = modPowN(g, a);
    const server = serverSessionKey(A.toString(16), verifier.verifier, b, B);
    const client = clientSessionKey({ poolName: pool, username: 'user-1', password: 'Passw0rd!', saltHex: verifier.salt, a, A, B });
    const wrong = clientSessionKey({ poolName: pool, username: 'user-1', password: 'Passw0rd?', saltHex: verifier.salt, a, A, B });
    expect(server).toHaveLength(16);
    expect(client.equals(server)).toBe(true);
    expect(wrong.equals(server)).toBe(false);
  });

  it('binds the verifier to the pool name and the username', () => {
    const salt = randomBytes(16);
    const v = createVerifier('PoolOne', 'alice', 'Passw0rd!', salt);
    expect(passwordMatches('PoolOne', 'alice', 'Passw0rd!', v)).toBe(true);
    expect(passwordMatches('PoolTwo', 'alice', 'Passw0rd!', v)).toBe(false);
    expect(passwordMatches('PoolOne', 'bob', 'Passw0rd!', v)).toBe(false);
    expect(passwordMatches('PoolOne', 'alice', 'passw0rd!', v)).toBe(false);
  });

  it('stores a verifier, never the password', () => {
    const v = createVerifier('P', 'u', 'Sup3r$ecret', randomBytes(16));
    expect(JSON.stringify(v)).not.toContain('Sup3r$ecret');
    expect(hexToBigInt(v.verifier) < N).toBe(true);
  });

  it('refuses A ≡ 0 (mod N), which would make the key predictable', () => {
    const v = createVerifier('P', 'u', 'pw', randomBytes(16));
    const { b, B } = serverEphemeral(v.verifier, randomBytes(128));
    expect(() => serverSessionKey('0', v.verifier, b, B)).toThrow(RangeError);
    expect(() => serverSessionKey(N.toString(16), v.verifier, b, B)).toThrow(RangeError);
  });

  it('hashes u over the padded A and B', () => {
    expect(computeU(0x80n, 0x01n)).toBe(hashHex('0080' + '01'));
  });

  it('signs poolName | userId | secret block bytes | timestamp with HMAC-SHA256', () => {
    const key = Buffer.alloc(16, 7);
    const sig1 = claimSignature(key, 'P', 'u', Buffer.from('block').toString('base64'), 'Mon Jan 5 03:04:05 UTC 2026');
    const sig2 = claimSignature(key, 'P', 'u', Buffer.from('blocc').toString('base64'), 'Mon Jan 5 03:04:05 UTC 2026');
    expect(Buffer.from(sig1, 'base64')).toHaveLength(32);
    expect(sig1).not.toBe(sig2);
  });

  it('formats and parses the TIMESTAMP as "ddd MMM d HH:mm:ss UTC yyyy" with an unpadded day', () => {
    const t = Date.UTC(2026, 0, 5, 3, 4, 5);
    expect(formatSrpTimestamp(t)).toBe('Mon Jan 5 03:04:05 UTC 2026');
    expect(formatSrpTimestamp(Date.UTC(2026, 10, 26, 23, 59, 9))).toBe('Thu Nov 26 23:59:09 UTC 2026');
    expect(parseSrpTimestamp('Mon Jan 5 03:04:05 UTC 2026')).toBe(t);
    expect(parseSrpTimestamp('2026-01-05T03:04:05Z')).toBeUndefined();
    expect(parseSrpTimestamp('Mon Jan 5 3:04:05 UTC 2026')).toBeUndefined();
  });
});
