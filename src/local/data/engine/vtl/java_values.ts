/**
 * The Java value semantics AppSync's Velocity gives template values, over plain JS values:
 * a plain object is a `java.util.Map` (LinkedHashMap), an array a `List`, a string a `String`.
 * Objects of classes extending `Host` ($util, $ctx.info, map entries...) expose their own methods.
 *
 * Values stay plain JSON-compatible JS values so nothing is converted on the way in (arguments,
 * DynamoDB results) or out (`$util.toJson`); only method dispatch (java.ts) knows about Java.
 * This file holds what every type shares: the kinds of values, truthiness, `String.valueOf`,
 * equality and map access.
 */

/** Base class of objects whose JS methods are callable from templates as-is. */
export abstract class Host {}

export type JMap = Record<string, unknown>;

export function isMap(v: unknown): v is JMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Host);
}

function isNullish(v: unknown): v is null | undefined {
  return v === null || v === undefined;
}

/** Velocity 1.7 truthiness: only null and `false` are false (an empty string is true). */
export function truthy(v: unknown): boolean {
  return v !== null && v !== undefined && v !== false;
}

const own = Object.prototype.hasOwnProperty;

export function mapGet(m: JMap, key: unknown): unknown {
  const k = String(key);
  return own.call(m, k) ? m[k] : null;
}

export function mapPut(m: JMap, key: unknown, value: unknown): unknown {
  const k = String(key);
  const old = own.call(m, k) ? m[k] : null;
  if (k === '__proto__') Object.defineProperty(m, k, { value, enumerable: true, writable: true, configurable: true });
  else m[k] = value;
  return old;
}

/** `String.valueOf(x)` as Java prints it. */
export function javaString(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return numberString(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return `[${v.map(javaString).join(', ')}]`;
  if (v instanceof Host) return String(v);
  const parts: string[] = [];
  for (const k of Object.keys(v as object)) parts.push(`${k}=${javaString((v as JMap)[k])}`);
  return `{${parts.join(', ')}}`;
}

export function numberString(n: number): string {
  if (Number.isInteger(n) || !Number.isFinite(n)) return Number.isFinite(n) ? String(n) : n > 0 ? 'Infinity' : n < 0 ? '-Infinity' : 'NaN';
  return String(n);
}

/** Velocity's `==`: numbers by value, same kinds by equals(), different kinds by their string forms. */
export function javaEquals(a: unknown, b: unknown): boolean {
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  if (a === null || b === null) return a === b;
  const ta = typeof a;
  const tb = typeof b;
  if (ta === 'number' && tb === 'number') return a === b;
  if (ta === 'string' && tb === 'string') return a === b;
  if (ta === 'boolean' && tb === 'boolean') return a === b;
  if (Array.isArray(a) && Array.isArray(b)) return deepEquals(a, b);
  if (isMap(a) && isMap(b)) return deepEquals(a, b);
  if (a instanceof Host || b instanceof Host) return a === b || javaString(a) === javaString(b);
  return javaString(a) === javaString(b);
}

export function deepEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (isNullish(a) || isNullish(b)) return isNullish(a) && isNullish(b);
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEquals(a[i], b[i])) return false;
    return true;
  }
  if (isMap(a)) {
    if (!isMap(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    for (const k of ka) if (!own.call(b, k) || !deepEquals(a[k], b[k])) return false;
    return true;
  }
  return false;
}

/** A Java method over a JS value: the value, then the template's arguments. */
export type Method = (self: never, ...args: unknown[]) => unknown;
