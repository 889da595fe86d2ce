/**
 * Conversions between template values and DynamoDB attribute values, as `$util.dynamodb.*` does
 * (numbers stay JSON numbers in `{"N": 1}`; the data source normalizes them for DynamoDB) and as
 * AppSync converts DynamoDB results back (N → number, sets → lists, B → base64).
 */
import { Host, isMap, type JMap } from '../vtl/java_values.js';

export type AttributeValue = Record<string, unknown>;

export function toDynamoDB(v: unknown): AttributeValue {
  if (v === null || v === undefined) return { NULL: true };
  switch (typeof v) {
    case 'string':
      return { S: v };
    case 'number':
      return { N: v };
    case 'boolean':
      return { BOOL: v };
    case 'object':
      if (Array.isArray(v)) return { L: v.map(toDynamoDB) };
      if (v instanceof Host) return { S: String(v) };
      return { M: toMapValues(v as JMap) };
    default:
      return { S: String(v) };
  }
}

export function toMapValues(m: JMap): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const k of Object.keys(m)) out[k] = toDynamoDB(m[k]);
  return out;
}

/** A DynamoDB attribute value (wire form: N as string) back to a plain value. */
function fromDynamoDB(av: unknown): unknown {
  if (!av || typeof av !== 'object') return null;
  const a = av as Record<string, unknown>;
  if ('S' in a) return a.S;
  if ('N' in a) return Number(a.N);
  if ('BOOL' in a) return a.BOOL;
  if ('NULL' in a) return null;
  if ('M' in a) return fromItem(a.M as Record<string, unknown>);
  if ('L' in a) return (a.L as unknown[]).map(fromDynamoDB);
  if ('SS' in a) return [...(a.SS as string[])];
  if ('NS' in a) return (a.NS as string[]).map(Number);
  if ('B' in a) return a.B;
  if ('BS' in a) return [...(a.BS as string[])];
  return null;
}

export function fromItem(item: Record<string, unknown> | undefined | null): JMap | null {
  if (!item) return null;
  const out: JMap = {};
  for (const k of Object.keys(item)) out[k] = fromDynamoDB(item[k]);
  return out;
}

/**
 * AppSync's request values → DynamoDB wire values: numbers in N/NS become strings, and a value
 * written as a plain JSON scalar where DynamoDB needs a typed one is rejected by DynamoDB itself.
 */
function normalizeAttributeValue(av: unknown): unknown {
  if (!av || typeof av !== 'object' || Array.isArray(av)) return av;
  const a = av as Record<string, unknown>;
  const keys = Object.keys(a);
  if (keys.length !== 1) return av;
  const t = keys[0];
  const v = a[t];
  switch (t) {
    case 'N':
      return { N: typeof v === 'number' ? numberToWire(v) : v };
    case 'NS':
      return { NS: Array.isArray(v) ? v.map((x) => (typeof x === 'number' ? numberToWire(x) : x)) : v };
    case 'M':
      return { M: isMap(v) ? normalizeItem(v) : v };
    case 'L':
      return { L: Array.isArray(v) ? v.map(normalizeAttributeValue) : v };
    default:
      return av;
  }
}

function numberToWire(n: number): string {
  return Number.isInteger(n) && Math.abs(n) >= 1e21 ? BigInt(n).toString() : String(n);
}

export function normalizeItem(m: unknown): Record<string, unknown> {
  if (!isMap(m)) return m as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(m)) out[k] = normalizeAttributeValue(m[k]);
  return out;
}

/** `$util.dynamodb` as a template host object. */
export class DynamoDbUtil extends Host {
  toDynamoDB(v: unknown): AttributeValue {
    return toDynamoDB(v);
  }
  toDynamoDBJson(v: unknown): string {
    return JSON.stringify(toDynamoDB(v));
  }
  override toString(v?: unknown): unknown {
    if (arguments.length === 0) return '$util.dynamodb';
    return { S: v === null || v === undefined ? null : String(v) };
  }
  toStringJson(v: unknown): string {
    return JSON.stringify(this.toString(v));
  }
  toStringSet(v: unknown): AttributeValue {
    return { SS: Array.isArray(v) ? v.map(String) : [] };
  }
  toStringSetJson(v: unknown): string {
    return JSON.stringify(this.toStringSet(v));
  }
  toNumber(v: unknown): AttributeValue {
    return { N: v };
  }
  toNumberJson(v: unknown): string {
    return JSON.stringify(this.toNumber(v));
  }
  toNumberSet(v: unknown): AttributeValue {
    return { NS: Array.isArray(v) ? v : [] };
  }
  toNumberSetJson(v: unknown): string {
    return JSON.stringify(this.toNumberSet(v));
  }
  toBinary(v: unknown): AttributeValue {
    return { B: v };
  }
  toBinaryJson(v: unknown): string {
    return JSON.stringify(this.toBinary(v));
  }
  toBinarySet(v: unknown): AttributeValue {
    return { BS: Array.isArray(v) ? v : [] };
  }
  toBinarySetJson(v: unknown): string {
    return JSON.stringify(this.toBinarySet(v));
  }
  toBoolean(v: unknown): AttributeValue {
    return { BOOL: v };
  }
  toBooleanJson(v: unknown): string {
    return JSON.stringify(this.toBoolean(v));
  }
  toNull(): AttributeValue {
    return { NULL: true };
  }
  toNullJson(): string {
    return JSON.stringify(this.toNull());
  }
  toList(v: unknown): AttributeValue {
    return { L: Array.isArray(v) ? v.map(toDynamoDB) : [] };
  }
  toListJson(v: unknown): string {
    return JSON.stringify(this.toList(v));
  }
  toMap(v: unknown): AttributeValue {
    return { M: isMap(v) ? toMapValues(v) : {} };
  }
  toMapJson(v: unknown): string {
    return JSON.stringify(this.toMap(v));
  }
  toMapValues(v: unknown): Record<string, AttributeValue> {
    return isMap(v) ? toMapValues(v) : {};
  }
  toMapValuesJson(v: unknown): string {
    return JSON.stringify(this.toMapValues(v));
  }
  toS3Object(key: unknown, bucket: unknown, region: unknown, version?: unknown): AttributeValue {
    const s3: JMap = { key, bucket, region };
    if (version !== undefined && version !== null) s3.version = version;
    return { S: JSON.stringify({ s3 }) };
  }
  toS3ObjectJson(key: unknown, bucket: unknown, region: unknown, version?: unknown): string {
    return JSON.stringify(this.toS3Object(key, bucket, region, version));
  }
  fromS3ObjectJson(s: unknown): unknown {
    try {
      const parsed = JSON.parse(String(s)) as { s3?: unknown };
      return parsed.s3 ?? null;
    } catch {
      return null;
    }
  }
}
