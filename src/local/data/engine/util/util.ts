/**
 * `$util` for templates. Built once per engine (not per render, which was the simulator's hot
 * spot); what varies per render (auth type, field, appended errors, extension calls) lives in
 * `scope`, set by the resolver runner around each synchronous render.
 */
import { XMLParser } from 'fast-xml-parser';
import type { Clock, IdSource } from '../../../core/clock.js';
import type { Logger } from '../../../core/logger.js';
import { FieldError, unauthorized, type AppendedError } from '../errors.js';
import { javaRegex } from '../vtl/java_strings.js';
import { Host, isMap, javaString, type JMap } from '../vtl/java_values.js';
import { DynamoDbUtil } from './dynamodb_values.js';
import { ulid, ksuid } from './ids.js';
import { escapeJavaScript, urlDecode, urlEncode } from './strings.js';
import { formatEpoch, iso8601, parseFormatted, parseIso8601, TimeFormatError } from './time.js';
import { FilterError, toDynamoDBExpression, toSubscriptionFilter, validateSubscriptionFilter, type SubscriptionFilter } from './transform.js';

export interface RenderScope {
  /** `$util.authType()` value. */
  authType: string;
  typeName: string;
  fieldName: string;
  /** `$util.appendError` calls of the current field. */
  errors: AppendedError[];
  subscriptionFilter?: SubscriptionFilter;
  invalidationFilter?: SubscriptionFilter;
  invalidations: { subscriptionField: string; payload: JMap }[];
  /** For `$util.log.*`. */
  logTag: string;
}

const AUTH_TYPE_NAMES: Record<string, string> = {
  API_KEY: 'API Key Authorization',
  AWS_IAM: 'IAM Authorization',
  AMAZON_COGNITO_USER_POOLS: 'User Pool Authorization',
  OPENID_CONNECT: 'Open ID Connect Authorization',
  AWS_LAMBDA: 'Lambda Authorization',
};

export function newScope(authMode: string, typeName: string, fieldName: string): RenderScope {
  return { authType: AUTH_TYPE_NAMES[authMode] ?? authMode, typeName, fieldName, errors: [], invalidations: [], logTag: `${typeName}.${fieldName}` };
}

function asString(v: unknown): string {
  return v === null || v === undefined ? '' : javaString(v);
}

class TimeUtil extends Host {
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

function guardTime<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof TimeFormatError) throw new FieldError(e.message, 'MappingTemplate');
    throw e;
  }
}

class ListUtil extends Host {
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

class MapUtil extends Host {
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

class StrUtil extends Host {
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

class MathUtil extends Host {
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

class TransformUtil extends Host {
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

function guardFilter<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof FilterError) throw new FieldError(e.message, 'MappingTemplate');
    throw e;
  }
}

class LogUtil extends Host {
  constructor(
    private readonly util: Util,
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

class XmlUtil extends Host {
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

class HttpUtil extends Host {
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

export class Util extends Host {
  scope: RenderScope = newScope('API_KEY', '', '');
  readonly time: TimeUtil;
  readonly dynamodb = new DynamoDbUtil();
  readonly list = new ListUtil();
  readonly map = new MapUtil();
  readonly str = new StrUtil();
  readonly math = new MathUtil();
  readonly transform = new TransformUtil();
  readonly log: LogUtil;
  readonly xml = new XmlUtil();
  readonly http = new HttpUtil();

  constructor(
    private readonly clock: Clock,
    private readonly ids: IdSource,
    logger: Logger,
  ) {
    super();
    this.time = new TimeUtil(clock);
    this.log = new LogUtil(this, logger);
  }

  qr(): string {
    return '';
  }
  quiet(): string {
    return '';
  }
  escapeJavaScript(s: unknown): string {
    return escapeJavaScript(asString(s));
  }
  urlEncode(s: unknown): string {
    return urlEncode(asString(s));
  }
  urlDecode(s: unknown): string {
    return urlDecode(asString(s));
  }
  base64Encode(s: unknown): string {
    return Buffer.from(asString(s), 'utf8').toString('base64');
  }
  base64Decode(s: unknown): string {
    return Buffer.from(asString(s), 'base64').toString('utf8');
  }
  /**
   * Text that is not JSON comes back unchanged rather than failing the field: every generated
   * owner-auth template probes `$util.isList($util.parseJson($ownerClaim))` with a plain
   * `<sub>::<username>` claim, and those templates work on AppSync.
   */
  parseJson(s: unknown): unknown {
    if (s === null || s === undefined) return null;
    const text = asString(s);
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  toJson(v: unknown): string {
    return JSON.stringify(v === undefined ? null : v) ?? 'null';
  }
  autoId(): string {
    return this.ids.uuid();
  }
  autoUlid(): string {
    return ulid(this.clock.now(), this.ids);
  }
  autoKsuid(): string {
    return ksuid(this.clock.now(), this.ids);
  }
  authType(): string {
    return this.scope.authType;
  }
  unauthorized(): never {
    throw unauthorized(this.scope.fieldName, this.scope.typeName);
  }
  error(message: unknown, errorType?: unknown, data?: unknown, errorInfo?: unknown): never {
    throw new FieldError(asString(message), errorType == null ? null : asString(errorType), data ?? null, errorInfo ?? null);
  }
  appendError(message: unknown, errorType?: unknown, data?: unknown, errorInfo?: unknown): string {
    this.scope.errors.push({
      message: asString(message),
      errorType: errorType == null ? null : asString(errorType),
      data: data ?? null,
      errorInfo: errorInfo ?? null,
    });
    return '';
  }
  validate(ok: unknown, message: unknown, errorType?: unknown, data?: unknown): string {
    if (ok === true) return '';
    throw new FieldError(asString(message), errorType == null ? 'CustomTemplateException' : asString(errorType), data ?? null);
  }
  isNull(v: unknown): boolean {
    return v === null || v === undefined;
  }
  isNullOrEmpty(v: unknown): boolean {
    if (v === null || v === undefined) return true;
    if (typeof v === 'string' || Array.isArray(v)) return v.length === 0;
    if (isMap(v)) return Object.keys(v).length === 0;
    return false;
  }
  isNullOrBlank(v: unknown): boolean {
    if (v === null || v === undefined) return true;
    if (typeof v === 'string') return v.trim().length === 0;
    if (Array.isArray(v)) return v.length === 0;
    if (isMap(v)) return Object.keys(v).length === 0;
    return false;
  }
  defaultIfNull(v: unknown, d: unknown): unknown {
    return v === null || v === undefined ? d : v;
  }
  defaultIfNullOrEmpty(v: unknown, d: unknown): unknown {
    return this.isNullOrEmpty(v) ? d : v;
  }
  defaultIfNullOrBlank(v: unknown, d: unknown): unknown {
    return this.isNullOrBlank(v) ? d : v;
  }
  isString(v: unknown): boolean {
    return typeof v === 'string';
  }
  isNumber(v: unknown): boolean {
    return typeof v === 'number';
  }
  isBoolean(v: unknown): boolean {
    return typeof v === 'boolean';
  }
  isList(v: unknown): boolean {
    return Array.isArray(v);
  }
  isMap(v: unknown): boolean {
    return isMap(v);
  }
  typeOf(v: unknown): string {
    if (v === null || v === undefined) return 'Null';
    if (typeof v === 'number') return 'Number';
    if (typeof v === 'string') return 'String';
    if (typeof v === 'boolean') return 'Boolean';
    if (Array.isArray(v)) return 'List';
    if (isMap(v)) return 'Map';
    return 'Object';
  }
  matches(pattern: unknown, value: unknown): boolean {
    try {
      return javaRegex(`^(?:${asString(pattern)})$`, '').test(asString(value));
    } catch {
      throw new FieldError(`Invalid regular expression: ${asString(pattern)}`, 'MappingTemplate');
    }
  }
  override toString(): string {
    return '$util';
  }
}

/** `$extensions`: records subscription filters and invalidations for the current render. */
export class Extensions extends Host {
  constructor(private readonly util: Util) {
    super();
  }
  setSubscriptionFilter(filter: unknown): string {
    this.util.scope.subscriptionFilter = guardFilter(() => validateSubscriptionFilter(filter));
    return '';
  }
  setSubscriptionInvalidationFilter(filter: unknown): string {
    this.util.scope.invalidationFilter = guardFilter(() => validateSubscriptionFilter(filter));
    return '';
  }
  invalidateSubscriptions(arg: unknown): string {
    if (!isMap(arg) || typeof arg.subscriptionField !== 'string') {
      throw new FieldError('invalidateSubscriptions needs a subscriptionField and a payload.', 'MappingTemplate');
    }
    const inv = this.util.scope.invalidations;
    if (inv.length >= 5) throw new FieldError('Too many invalidateSubscriptions calls in one request (limit 5).', 'MappingTemplate');
    inv.push({ subscriptionField: arg.subscriptionField, payload: isMap(arg.payload) ? arg.payload : {} });
    return '';
  }
  evictFromApiCache(): string {
    return '';
  }
  override toString(): string {
    return '$extensions';
  }
}
