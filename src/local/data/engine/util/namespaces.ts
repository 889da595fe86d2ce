/**
 * The `$util` namespaces other than `$util.dynamodb`: `time`, `list`, `map`, `str`, `math`,
 * `transform`, `log`, `xml` and `http`, each a Java-like host object templates call into.
 */
import { XMLParser } from 'fast-xml-parser';
import type { Clock } from '../../../core/clock.js';
import type { Logger } from '../../../core/logger.js';
import { FieldError } from '../errors.js';
import { Host, isMap, javaString, type JMap } from '../vtl/java_values.js';
import { formatEpoch, iso8601, parseFormatted, parseIso8601, TimeFormatError } from './time.js';
import { FilterError, toDynamoDBExpression, toSubscriptionFilter } from './transform.js';
import type { RenderScope } from './util.js';

export function asString(v: unknown): string {
  return v === null || v === undefined ? '' : javaString(v);
}

export class TimeUtil extends Host {
  constructor(private readonly clock: Clock) {
    super();
  }
  nowISO8601(): string {
    return iso8601(this.clock.now());
  }
  nowEpochSeconds(): number {
    return Math.floor(this.clock.now() / 1000);
  }
  nowEpochMilliSeconds(): number {
    return this.clock.now();
  }
  nowFormatted(format: unknown, zone?: unknown): string {
    return guardTime(() => formatEpoch(this.clock.now(), asString(format), zone ? asString(zone) : 'UTC'));
  }
  parseFormattedToEpochMilliSeconds(value: unknown, format: unknown, zone?: unknown): number {
    return guardTime(() => parseFormatted(asString(value), asString(format), zone ? asString(zone) : 'UTC'));
  }
  parseISO8601ToEpochMilliSeconds(value: unknown): number {
    return guardTime(() => parseIso8601(asString(value)));
  }
  epochMilliSecondsToSeconds(ms: unknown): number {
    return Math.floor(Number(ms) / 1000);
  }
  epochMilliSecondsToISO8601(ms: unknown): string {
    return iso8601(Number(ms));
  }
  epochMilliSecondsToFormatted(ms: unknown, format: unknown, zone?: unknown): string {
    return guardTime(() => formatEpoch(Number(ms), asString(format), zone ? asString(zone) : 'UTC'));
  }
}

/** Runs `fn`, turning a `kind` error (bad input to a `$util` call) into the field's MappingTemplate error. */
function asTemplateError<T>(kind: new (message: string) => Error, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof kind) throw new FieldError(e.message, 'MappingTemplate');
    throw e;
  }
}

const guardTime = <T>(fn: () => T): T => asTemplateError(TimeFormatError, fn);
export const guardFilter = <T>(fn: () => T): T => asTemplateError(FilterError, fn);

export class ListUtil extends Host {
  copyAndRetainAll(list: unknown, keep: unknown): unknown[] {
    const k = Array.isArray(keep) ? keep : [];
    return Array.isArray(list) ? list.filter((x) => k.some((y) => javaString(y) === javaString(x))) : [];
  }
  copyAndRemoveAll(list: unknown, remove: unknown): unknown[] {
    const r = Array.isArray(remove) ? remove : [];
    return Array.isArray(list) ? list.filter((x) => !r.some((y) => javaString(y) === javaString(x))) : [];
  }
  sortList(list: unknown, descending: unknown, property: unknown): unknown[] {
    if (!Array.isArray(list)) return [];
    if (list.length > 1000) return list;
    const prop = asString(property);
    const key = (x: unknown) => (prop && isMap(x) ? x[prop] : x);
    const sorted = list.slice().sort((a, b) => {
      const x = key(a);
      const y = key(b);
      if (typeof x === 'number' && typeof y === 'number') return x - y;
      return asString(x) < asString(y) ? -1 : asString(x) > asString(y) ? 1 : 0;
    });
    return descending === true ? sorted.reverse() : sorted;
  }
}

export class MapUtil extends Host {
  copyAndRetainAllKeys(map: unknown, keys: unknown): JMap {
    const out: JMap = {};
    if (!isMap(map)) return out;
    const ks = new Set((Array.isArray(keys) ? keys : []).map(asString));
    for (const k of Object.keys(map)) if (ks.has(k)) out[k] = map[k];
    return out;
  }
  copyAndRemoveAllKeys(map: unknown, keys: unknown): JMap {
    const out: JMap = {};
    if (!isMap(map)) return out;
    const ks = new Set((Array.isArray(keys) ? keys : []).map(asString));
    for (const k of Object.keys(map)) if (!ks.has(k)) out[k] = map[k];
    return out;
  }
}

export class StrUtil extends Host {
  toUpper(s: unknown): string {
    return asString(s).toUpperCase();
  }
  toLower(s: unknown): string {
    return asString(s).toLowerCase();
  }
  toReplace(s: unknown, find: unknown, repl: unknown): string {
    return asString(s).split(asString(find)).join(asString(repl));
  }
  normalize(s: unknown, form: unknown): string {
    const f = asString(form).toUpperCase();
    return asString(s).normalize((['NFC', 'NFD', 'NFKC', 'NFKD'].includes(f) ? f : 'NFC') as 'NFC');
  }
}

export class MathUtil extends Host {
  roundNum(n: unknown): number {
    return Math.round(Number(n));
  }
  minVal(a: unknown, b: unknown): number {
    return Math.min(Number(a), Number(b));
  }
  maxVal(a: unknown, b: unknown): number {
    return Math.max(Number(a), Number(b));
  }
  randomDouble(): number {
    return Math.random();
  }
  randomWithinRange(a: unknown, b: unknown): number {
    const lo = Math.ceil(Number(a));
    const hi = Math.floor(Number(b));
    return lo + Math.floor(Math.random() * (hi - lo + 1));
  }
}

export class TransformUtil extends Host {
  toDynamoDBFilterExpression(filter: unknown): string {
    return guardFilter(() => JSON.stringify(toDynamoDBExpression(filter)));
  }
  toDynamoDBConditionExpression(condition: unknown): string {
    return guardFilter(() => JSON.stringify(toDynamoDBExpression(condition)));
  }
  toSubscriptionFilter(filter: unknown, ignoredFields?: unknown, rules?: unknown): unknown {
    return guardFilter(() => toSubscriptionFilter(filter, ignoredFields, rules));
  }
  toElasticsearchQueryDSL(): never {
    throw new FieldError('$util.transform.toElasticsearchQueryDSL is not available ((local: OpenSearch data sources are not emulated))', 'MappingTemplate');
  }
}

export class LogUtil extends Host {
  constructor(
    private readonly util: { readonly scope: Pick<RenderScope, 'logTag'> },
    private readonly log: Logger,
  ) {
    super();
  }
  private line(args: unknown[]): string {
    const [first, ...rest] = args;
    let msg = typeof first === 'string' ? first : javaString(first);
    for (const r of rest) msg = msg.replace('{}', javaString(r));
    return `${this.util.scope.logTag}: ${msg}`;
  }
  info(...args: unknown[]): string {
    this.log.info(this.line(args));
    return '';
  }
  debug(...args: unknown[]): string {
    this.log.info(this.line(args));
    return '';
  }
  error(...args: unknown[]): string {
    this.log.error(this.line(args));
    return '';
  }
}

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', parseTagValue: false });

export class XmlUtil extends Host {
  toMap(s: unknown): unknown {
    try {
      return xml.parse(asString(s)) as unknown;
    } catch {
      return null;
    }
  }
  toJsonString(s: unknown): string {
    return JSON.stringify(this.toMap(s));
  }
}

export class HttpUtil extends Host {
  copyHeaders(headers: unknown): JMap {
    const out: JMap = {};
    if (!isMap(headers)) return out;
    const skip = new Set(['authorization', 'host', 'content-length', 'connection', 'x-api-key', 'x-amz-security-token', 'x-amz-date']);
    for (const k of Object.keys(headers)) if (!skip.has(k.toLowerCase())) out[k] = headers[k];
    return out;
  }
  addResponseHeader(): string {
    return '';
  }
  addResponseHeaders(): string {
    return '';
  }
}
