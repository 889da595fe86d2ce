import type { IdSource } from '../../../core/clock.js';

/** What `$util.autoUlid/autoKsuid` draw on: time from the injected clock, randomness from the frame's ids. */
type RandomBytes = Pick<IdSource, 'bytes'>;

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** ULID: 48-bit ms timestamp + 80 random bits, Crockford base32 (26 chars). */
export function ulid(nowMs: number, ids: RandomBytes): string {
  let t = Math.max(0, Math.floor(nowMs));
  let time = '';
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const rnd = ids.bytes(10);
  let bits = 0n;
  for (const b of rnd) bits = (bits << 8n) | BigInt(b);
  let rand = '';
  for (let i = 0; i < 16; i++) {
    rand = CROCKFORD[Number(bits & 31n)] + rand;
    bits >>= 5n;
  }
  return time + rand;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KSUID_EPOCH = 1_400_000_000;

/** KSUID: 32-bit seconds since 2014-05-13 + 128 random bits, base62, 27 chars. */
export function ksuid(nowMs: number, ids: RandomBytes): string {
  const ts = Math.max(0, Math.floor(nowMs / 1000) - KSUID_EPOCH);
  const buf = Buffer.concat([Buffer.from([(ts >>> 24) & 255, (ts >>> 16) & 255, (ts >>> 8) & 255, ts & 255]), ids.bytes(16)]);
  let n = 0n;
  for (const b of buf) n = (n << 8n) | BigInt(b);
  let s = '';
  while (n > 0n) {
    s = BASE62[Number(n % 62n)] + s;
    n /= 62n;
  }
  return s.padStart(27, '0');
}
