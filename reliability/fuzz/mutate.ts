/**
 * Mutation operators: what a broken or hostile client sends. Values of every JSON type at their
 * edges, structural damage to objects, and byte-level damage (truncation, flipped bytes, invalid
 * UTF-8) to whatever body a valid request would carry.
 */
import type { Rng } from './rng.js';

/** Strings a parser or validator meets rarely. */
const EDGE_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\ud800',
  '💥'.repeat(64),
  '../../etc/passwd',
  '%00%zz%',
  '${jndi:ldap://x}',
  '<xml>&unknown;</xml>',
  '{"a":',
  'null',
  'true',
  '-0',
  '1e999',
  'A'.repeat(70_000),
];
const EDGE_NUMBERS = [0, -1, 1.5, 2 ** 31, -(2 ** 53), 2 ** 53 + 2, Number.MAX_VALUE, Number.MIN_VALUE];

/** A random JSON value, at most `depth` levels deep. */
export function randomValue(rng: Rng, depth = 3): unknown {
  switch (rng.int(depth > 0 ? 8 : 5)) {
    case 0:
      return rng.pick(EDGE_STRINGS);
    case 1:
      return rng.pick(EDGE_NUMBERS);
    case 2:
      return rng.pick([null, true, false]);
    case 3:
      return rng.bytes(rng.int(24)).toString('latin1');
    case 4:
      return rng.int(1_000_000).toString(36);
    case 5:
      return Array.from({ length: rng.int(5) }, () => randomValue(rng, depth - 1));
    case 6:
      return Object.fromEntries(Array.from({ length: rng.int(5) }, () => [rng.pick(EDGE_STRINGS).slice(0, 16) || 'k', randomValue(rng, depth - 1)]));
    default:
      return nested(rng.pick([20, 200, 2000]));
  }
}

/** `[[[…]]]` or `{"a":{"a":…}}` this deep: recursion limits in parsers and walkers. */
export function nested(levels: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

/** A structurally damaged copy of `value`: keys dropped, retyped, added; arrays emptied or grown. */
export function mutateJson(value: unknown, rng: Rng, rounds = 1 + rng.int(3)): unknown {
  let out = structuredClone(value);
  for (let i = 0; i < rounds; i++) out = mutateOnce(out, rng);
  return out;
}

function mutateOnce(value: unknown, rng: Rng): unknown {
  if (value === null || typeof value !== 'object') return rng.chance(0.7) ? randomValue(rng) : value;
  if (Array.isArray(value)) {
    if (value.length === 0 || rng.chance(0.3)) return rng.chance(0.5) ? [] : [...value, randomValue(rng)];
    const i = rng.int(value.length);
    value[i] = mutateOnce(value[i], rng);
    return value;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  switch (rng.int(keys.length ? 4 : 1)) {
    case 0:
      obj[rng.pick(['Extra', '__proto__', 'constructor', rng.int(1e6).toString(36)])] = randomValue(rng);
      return obj;
    case 1:
      delete obj[rng.pick(keys)];
      return obj;
    case 2: {
      const k = rng.pick(keys);
      obj[k] = randomValue(rng);
      return obj;
    }
    default: {
      const k = rng.pick(keys);
      obj[k] = mutateOnce(obj[k], rng);
      return obj;
    }
  }
}

/** Byte-level damage to a body: truncated, bytes flipped, invalid UTF-8 spliced in, or repeated. */
export function mutateBytes(body: Buffer, rng: Rng): Buffer {
  switch (rng.int(5)) {
    case 0:
      return body.subarray(0, rng.int(body.length + 1));
    case 1: {
      const out = Buffer.from(body);
      for (let n = 1 + rng.int(4); n > 0 && out.length; n--) out[rng.int(out.length)] = rng.int(256);
      return out;
    }
    case 2: {
      const at = rng.int(body.length + 1);
      return Buffer.concat([body.subarray(0, at), Buffer.from(rng.pick([[0xff, 0xfe], [0xc3], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]])), body.subarray(at)]);
    }
    case 3:
      return Buffer.concat(Array.from({ length: 2 + rng.int(3) }, () => body));
    default:
      return rng.bytes(rng.int(256));
  }
}

/** A JSON body for `value`, sometimes damaged at the byte level, sometimes far too large. */
export function jsonBody(value: unknown, rng: Rng): Buffer {
  const text = Buffer.from(JSON.stringify(value) ?? 'null');
  if (rng.chance(0.25)) return mutateBytes(text, rng);
  if (rng.chance(0.03)) return Buffer.concat([text, Buffer.alloc(2 * 1024 * 1024 + rng.int(1024), 0x20)]);
  return text;
}

/** Sometimes the wrong content type (or none) for a body. */
export function contentType(expected: string, rng: Rng): string | undefined {
  if (rng.chance(0.85)) return expected;
  return rng.pick([undefined, 'text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', '']);
}
