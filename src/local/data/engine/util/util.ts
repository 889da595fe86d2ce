/**
 * `$util` for templates. Built once per engine (not per render, which was the simulator's hot
 * spot); what varies per render (auth type, field, appended errors, extension calls) lives in
 * `scope`, set by the resolver runner around each synchronous render.
 */
import type { Clock, IdSource } from '../../../core/clock.js';
import type { Logger } from '../../../core/logger.js';
import { FieldError, unauthorized, type AppendedError } from '../errors.js';
import { javaRegex } from '../vtl/java_strings.js';
import { Host, isMap, type JMap } from '../vtl/java_values.js';
import { DynamoDbUtil } from './dynamodb_values.js';
import { ulid, ksuid } from './ids.js';
import { escapeJavaScript, urlDecode, urlEncode } from './strings.js';
import { asString, guardFilter, HttpUtil, ListUtil, LogUtil, MapUtil, MathUtil, StrUtil, TimeUtil, TransformUtil, XmlUtil } from './namespaces.js';
import { validateSubscriptionFilter, type SubscriptionFilter } from './transform.js';

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
