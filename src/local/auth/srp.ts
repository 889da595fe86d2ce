import { createDiffieHellman, createHash, createHmac, getDiffieHellman, timingSafeEqual } from 'node:crypto';

/**
 * Cognito's SRP-6a variant, byte-compatible with the Amplify client (`@aws-amplify/auth`
 * `utils/srp`): the 3072-bit group of RFC 3526 (Cognito's N), g = 2, k = H(PAD(N) | PAD(g)),
 * u = H(PAD(A) | PAD(B)), x = H(PAD(salt) | H(poolName | username | ":" | password)), and the
 * 16-byte "Caldera Derived Key" HKDF of S salted with u. "PAD" is the client's `getPaddedHex`: the
 * shortest even-length hex of a positive integer, with a `00` prefix when the top bit is set (Java
 * BigInteger's two's-complement bytes), which is what every hash here is computed over.
 */

/** The RFC 3526 3072-bit MODP prime, the N every Cognito client uses. */
const N_BYTES: Buffer = getDiffieHellman('modp15').getPrime();
export const N: bigint = BigInt(`0x${N_BYTES.toString('hex')}`);
export const g = 2n;

/** Client-compatible padded hex (see the module comment). Only defined for non-negative values. */
export function padHex(value: bigint): string {
  if (value < 0n) throw new RangeError('padHex is only defined for non-negative integers');
  let hex = value.toString(16);
  if (hex.length % 2 !== 0) hex = `0${hex}`;
  if (/^[89a-f]/i.test(hex)) hex = `00${hex}`;
  return hex;
}

export function hexToBigInt(hex: string): bigint {
  return hex.length === 0 ? 0n : BigInt(`0x${hex}`);
}

function sha256(data: Buffer | string): Buffer {
  return createHash('sha256').update(data).digest();
}

/** SHA-256 over the bytes a hex string encodes, as a bigint (the client's `getHashFromHex`). */
export function hashHex(hex: string): bigint {
  return hexToBigInt(sha256(Buffer.from(hex, 'hex')).toString('hex'));
}

export const k: bigint = hashHex(`${padHex(N)}${padHex(g)}`);

function toFixedBytes(value: bigint, length: number): Buffer {
  return Buffer.from(value.toString(16).padStart(length * 2, '0'), 'hex');
}

/** Plain square-and-multiply; the fallback for bases OpenSSL's DH refuses (0, 1, N-1). */
function modPowSlow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  let b = ((base % mod) + mod) % mod;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % mod;
    e >>= 1n;
    b = (b * b) % mod;
  }
  return result;
}

/**
 * base^exp mod N. Uses OpenSSL's constant-time modular exponentiation through Node's DH API (about
 * 7x faster than BigInt arithmetic for 3072-bit numbers, which is what makes SRP sign-ins cheap).
 */
export function modPowN(base: bigint, exp: bigint): bigint {
  if (exp === 0n) return 1n;
  const b = ((base % N) + N) % N;
  if (b <= 1n || b >= N - 1n) return modPowSlow(b, exp, N);
  const dh = createDiffieHellman(N_BYTES, Buffer.from([2]));
  const expHex = exp.toString(16);
  dh.setPrivateKey(Buffer.from(expHex.length % 2 ? `0${expHex}` : expHex, 'hex'));
  if (b === g) return hexToBigInt(dh.generateKeys('hex'));
  try {
    return hexToBigInt(dh.computeSecret(toFixedBytes(b, N_BYTES.length)).toString('hex'));
  } catch {
    return modPowSlow(b, exp, N);
  }
}

/** x = H(PAD(salt) | H(poolName | username | ":" | password)). */
function computeX(poolName: string, username: string, password: string, saltHex: string): bigint {
  const inner = sha256(`${poolName}${username}:${password}`).toString('hex');
  return hashHex(`${padHex(hexToBigInt(saltHex))}${inner}`);
}

export interface PasswordVerifier {
  /** Salt as the hex string sent to clients in `SALT`. */
  salt: string;
  /** v = g^x mod N, hex. */
  verifier: string;
}

/** What sign-up stores instead of the password. `saltBytes` should be 16 random bytes. */
export function createVerifier(poolName: string, username: string, password: string, saltBytes: Buffer): PasswordVerifier {
  const salt = padHex(hexToBigInt(saltBytes.toString('hex')));
  const x = computeX(poolName, username, password, salt);
  return { salt, verifier: modPowN(g, x).toString(16) };
}

/** Checks a clear-text password (USER_PASSWORD_AUTH, ChangePassword) against a stored verifier. */
export function passwordMatches(poolName: string, username: string, password: string, stored: PasswordVerifier): boolean {
  const x = computeX(poolName, username, password, stored.salt);
  const a = Buffer.from(padHex(modPowN(g, x)), 'hex');
  const b = Buffer.from(padHex(hexToBigInt(stored.verifier)), 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The server's ephemeral pair: B = k·v + g^b mod N. */
export function serverEphemeral(verifierHex: string, bBytes: Buffer): { b: bigint; B: bigint } {
  const v = hexToBigInt(verifierHex);
  let b = hexToBigInt(bBytes.toString('hex')) % N;
  if (b === 0n) b = 1n;
  const B = (((k * v) % N) + modPowN(g, b)) % N;
  return { b, B };
}

export function computeU(A: bigint, B: bigint): bigint {
  return hashHex(`${padHex(A)}${padHex(B)}`);
}

/** HKDF-SHA256(ikm = PAD(S), salt = PAD(u), info = "Caldera Derived Key" | 0x01), first 16 bytes. */
function hkdfCaldera(S: bigint, u: bigint): Buffer {
  const prk = createHmac('sha256', Buffer.from(padHex(u), 'hex')).update(Buffer.from(padHex(S), 'hex')).digest();
  const info = Buffer.concat([Buffer.from('Caldera Derived Key', 'utf8'), Buffer.from([1])]);
  return createHmac('sha256', prk).update(info).digest().subarray(0, 16);
}

/** Server side of the shared key: S = (A · v^u)^b mod N. Throws on A ≡ 0 or u = 0 (SRP's safety checks). */
export function serverSessionKey(Ahex: string, verifierHex: string, b: bigint, B: bigint): Buffer {
  const A = hexToBigInt(Ahex);
  if (A % N === 0n) throw new RangeError('SRP_A mod N is 0');
  const u = computeU(A, B);
  if (u === 0n) throw new RangeError('u is 0');
  const v = hexToBigInt(verifierHex);
  const S = modPowN((A * modPowN(v, u)) % N, b);
  return hkdfCaldera(S, u);
}

/** Client side, for tests and the benchmark: S = (B − k·g^x)^(a + u·x) mod N. */
export function clientSessionKey(opts: { poolName: string; username: string; password: string; saltHex: string; a: bigint; A: bigint; B: bigint }): Buffer {
  const u = computeU(opts.A, opts.B);
  const x = computeX(opts.poolName, opts.username, opts.password, opts.saltHex);
  const base = (((opts.B - ((k * modPowN(g, x)) % N)) % N) + N) % N;
  const S = modPowN(base, opts.a + u * x);
  return hkdfCaldera(S, u);
}

/** PASSWORD_CLAIM_SIGNATURE: base64 HMAC-SHA256(key, poolName | userId | secretBlockBytes | timestamp). */
export function claimSignature(key: Buffer, poolName: string, userIdForSrp: string, secretBlockB64: string, timestamp: string): string {
  return createHmac('sha256', key)
    .update(Buffer.from(poolName, 'utf8'))
    .update(Buffer.from(userIdForSrp, 'utf8'))
    .update(Buffer.from(secretBlockB64, 'base64'))
    .update(Buffer.from(timestamp, 'utf8'))
    .digest('base64');
}

export function signaturesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'base64');
  const y = Buffer.from(b, 'base64');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "ddd MMM d HH:mm:ss UTC yyyy", the day of month unpadded (the client's `getNowString`). */
export function formatSrpTimestamp(epochMs: number): string {
  const d = new Date(epochMs);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${WEEKDAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

const TIMESTAMP_RE = /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{1,2}) (\d{2}):(\d{2}):(\d{2}) UTC (\d{4})$/;

/** Epoch ms of a TIMESTAMP challenge response, or undefined when it is not in Cognito's format. */
export function parseSrpTimestamp(text: string): number | undefined {
  const m = TIMESTAMP_RE.exec(text);
  if (!m) return undefined;
  const [, , mon, day, hh, mm, ss, year] = m;
  const ms = Date.UTC(Number(year), MONTHS.indexOf(mon), Number(day), Number(hh), Number(mm), Number(ss));
  return Number.isNaN(ms) ? undefined : ms;
}
