import { authenticator } from 'otplib';
import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, hotp, matchTotp, totp } from '../../../src/local/auth/totp.js';

describe('TOTP (RFC 6238, SHA-1, 30 s, 6 digits)', () => {
  const rfcSecret = Buffer.from('12345678901234567890');

  it('matches the RFC 6238 SHA-1 test vectors (last 6 digits)', () => {
    // T = 59 s → 94287082, T = 1111111109 → 07081804, T = 2000000000 → 69279037 (8-digit values).
    expect(hotp(rfcSecret, Math.floor(59 / 30))).toBe('287082');
    expect(hotp(rfcSecret, Math.floor(1111111109 / 30))).toBe('081804');
    expect(hotp(rfcSecret, Math.floor(2000000000 / 30))).toBe('279037');
  });

  it('round-trips base32 without padding', () => {
    const bytes = Buffer.from('any bytes at all, 20b');
    expect(base32Decode(base32Encode(bytes)).equals(bytes)).toBe(true);
    expect(base32Encode(Buffer.from('foobar'))).toBe('MZXW6YTBOI');
    expect(() => base32Decode('not base32!')).toThrow();
  });

  it('agrees with otplib authenticator, which apps and the e2e tests use', () => {
    const secret = base32Encode(Buffer.from('0123456789abcdefghij'));
    const now = Date.UTC(2026, 0, 5, 12, 0, 0);
    authenticator.options = { epoch: now };
    try {
      expect(totp(secret, now)).toBe(authenticator.generate(secret));
    } finally {
      authenticator.resetOptions();
    }
  });

  it('accepts one step of drift either way and nothing further', () => {
    const secret = base32Encode(Buffer.from('0123456789abcdefghij'));
    const now = Date.UTC(2026, 0, 5, 12, 0, 10);
    const step = Math.floor(now / 30000);
    expect(matchTotp(secret, totp(secret, now), now)).toBe(step);
    expect(matchTotp(secret, totp(secret, now - 30_000), now)).toBe(step - 1);
    expect(matchTotp(secret, totp(secret, now + 30_000), now)).toBe(step + 1);
    expect(matchTotp(secret, totp(secret, now - 60_000), now)).toBeUndefined();
    expect(matchTotp(secret, totp(secret, now + 60_000), now)).toBeUndefined();
    expect(matchTotp(secret, '12345', now)).toBeUndefined();
    expect(matchTotp(secret, 'abcdef', now)).toBeUndefined();
  });
});
