/**
 * The Java value semantics AppSync's Velocity gives template values, over plain JS values:
 * a plain object is a `java.util.Map` (LinkedHashMap), an array a `List`, a string a `String`.
 * Objects of classes extending `Host` ($util, $ctx.info, map entries...) expose their own methods.
 *
 * Values stay plain JSON-compatible JS values so nothing is converted on the way in (arguments,
 * DynamoDB results) or out (`$util.toJson`); only method dispatch knows about Java.
 */

/** Base class of objects whose JS methods are callable from templates as-is. */
export abstract class Host {}

/** `Map.Entry` from `entrySet()`; writes through to its map. */
export class MapEntry extends Host {
  constructor(
    private readonly map: Record<string, unknown>,
    readonly key: string,
    public value: unknown,
  ) {
    super();
  }
  getKey(): string {
    return this.key;
  }
  getValue(): unknown {
    return this.value;
  }
  setValue(v: unknown): unknown {
    const old = this.value;
    this.value = v;
    mapPut(this.map, this.key, v);
    return old;
  }
  toJSON(): unknown {
    return { [this.key]: this.value };
  }
  override toString(): string {
    return `${this.key}=${javaString(this.value)}`;
  }
}

export type JMap = Record<string, unknown>;

export function isMap(v: unknown): v is JMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Host);
}

export function isNullish(v: unknown): v is null | undefined {
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

function numberString(n: number): string {
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

/** Java's `String.split(regex)`: trailing empty strings are dropped. */
function javaSplit(s: string, regex: string, limit?: number): string[] {
  const re = javaRegex(regex, 'g');
  let parts: string[];
  if (limit !== undefined && limit > 0) {
    parts = [];
    let last = 0;
    let m: RegExpExecArray | null;
    while (parts.length < limit - 1 && (m = re.exec(s)) !== null) {
      if (m[0].length === 0) {
        re.lastIndex++;
        if (m.index === 0 || m.index >= s.length) continue;
      }
      parts.push(s.slice(last, m.index));
      last = m.index + m[0].length;
    }
    parts.push(s.slice(last));
    return parts;
  }
  parts = s.split(re);
  if (parts.length > 1 && parts[0] === '' && s.length > 0) {
    // Java keeps a leading empty string only when the match at 0 has width > 0.
    const first = javaRegex(regex, '').exec(s);
    if (first && first.index === 0 && first[0].length === 0) parts.shift();
  }
  if (limit === undefined || limit === 0) while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  if (s.length === 0) return [''];
  return parts;
}

const regexCache = new Map<string, RegExp>();

/** Java regex syntax is close enough to JS for templates; possessive/atomic forms are not supported. */
export function javaRegex(source: string, flags: string): RegExp {
  const key = `${flags}/${source}`;
  let re = regexCache.get(key);
  if (!re) {
    let src = source;
    let f = flags;
    // Java inline flags at the start, e.g. (?i)
    const inline = /^\(\?([imsx]+)\)/.exec(src);
    if (inline) {
      src = src.slice(inline[0].length);
      for (const c of inline[1]) if (c !== 'x' && !f.includes(c)) f += c;
    }
    src = src.replace(/\\A/g, '^').replace(/\\[zZ]/g, '$');
    re = new RegExp(src, f);
    if (regexCache.size > 500) regexCache.clear();
    regexCache.set(key, re);
  }
  re.lastIndex = 0;
  return re;
}

/** Java replacement strings use `$1` and `\$` like JS, except `$&`/`$'` have no meaning there. */
function javaReplacement(r: string): string {
  return r.replace(/\$(?![0-9{])/g, '$$$$').replace(/\\(.)/g, (_m, c: string) => (c === '$' ? '$$' : c));
}

type Method = (self: never, ...args: unknown[]) => unknown;

const stringMethods: Record<string, Method> = {
  length: (s: string) => s.length,
  isEmpty: (s: string) => s.length === 0,
  isBlank: (s: string) => s.trim().length === 0,
  toString: (s: string) => s,
  toLowerCase: (s: string) => s.toLowerCase(),
  toUpperCase: (s: string) => s.toUpperCase(),
  trim: (s: string) => s.trim(),
  strip: (s: string) => s.trim(),
  contains: (s: string, x) => s.includes(javaString(x)),
  startsWith: (s: string, x, offset) => s.startsWith(javaString(x), typeof offset === 'number' ? offset : 0),
  endsWith: (s: string, x) => s.endsWith(javaString(x)),
  equals: (s: string, x) => typeof x === 'string' && s === x,
  equalsIgnoreCase: (s: string, x) => typeof x === 'string' && s.toLowerCase() === x.toLowerCase(),
  compareTo: (s: string, x) => (s < javaString(x) ? -1 : s > javaString(x) ? 1 : 0),
  indexOf: (s: string, x, from) => s.indexOf(javaString(x), typeof from === 'number' ? from : 0),
  lastIndexOf: (s: string, x, from) => (typeof from === 'number' ? s.lastIndexOf(javaString(x), from) : s.lastIndexOf(javaString(x))),
  charAt: (s: string, i) => s.charAt(Number(i)),
  substring: (s: string, a, b) => (b === undefined ? s.substring(Number(a)) : s.substring(Number(a), Number(b))),
  concat: (s: string, x) => s + javaString(x),
  replace: (s: string, a, b) => s.split(javaString(a)).join(javaString(b)),
  replaceAll: (s: string, re, r) => s.replace(javaRegex(javaString(re), 'g'), javaReplacement(javaString(r))),
  replaceFirst: (s: string, re, r) => s.replace(javaRegex(javaString(re), ''), javaReplacement(javaString(r))),
  matches: (s: string, re) => javaRegex(`^(?:${javaString(re)})$`, '').test(s),
  split: (s: string, re, limit) => javaSplit(s, javaString(re), typeof limit === 'number' ? limit : undefined),
  hashCode: (s: string) => {
    let h = 0;
    for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
    return h;
  },
  toCharArray: (s: string) => [...s],
  getBytes: (s: string) => [...Buffer.from(s, 'utf8')],
};

function listIndexOf(l: unknown[], x: unknown): number {
  for (let i = 0; i < l.length; i++) if (deepEquals(l[i], x)) return i;
  return -1;
}

const listMethods: Record<string, Method> = {
  size: (l: unknown[]) => l.length,
  isEmpty: (l: unknown[]) => l.length === 0,
  get: (l: unknown[], i) => (typeof i === 'number' && i >= 0 && i < l.length ? l[i] : null),
  add: (l: unknown[], a, b) => {
    if (b !== undefined && typeof a === 'number') l.splice(a, 0, b);
    else l.push(a);
    return true;
  },
  addAll: (l: unknown[], a, b) => {
    if (b !== undefined && typeof a === 'number' && Array.isArray(b)) l.splice(a, 0, ...b);
    else if (Array.isArray(a)) l.push(...a);
    return true;
  },
  set: (l: unknown[], i, v) => {
    const idx = Number(i);
    const old = l[idx];
    l[idx] = v;
    return old ?? null;
  },
  contains: (l: unknown[], x) => listIndexOf(l, x) >= 0,
  containsAll: (l: unknown[], xs) => Array.isArray(xs) && xs.every((x) => listIndexOf(l, x) >= 0),
  indexOf: (l: unknown[], x) => listIndexOf(l, x),
  lastIndexOf: (l: unknown[], x) => {
    for (let i = l.length - 1; i >= 0; i--) if (deepEquals(l[i], x)) return i;
    return -1;
  },
  remove: (l: unknown[], x) => {
    if (typeof x === 'number' && Number.isInteger(x)) {
      if (x < 0 || x >= l.length) return null;
      return l.splice(x, 1)[0];
    }
    const i = listIndexOf(l, x);
    if (i < 0) return false;
    l.splice(i, 1);
    return true;
  },
  removeAll: (l: unknown[], xs) => {
    if (!Array.isArray(xs)) return false;
    const before = l.length;
    for (let i = l.length - 1; i >= 0; i--) if (listIndexOf(xs, l[i]) >= 0) l.splice(i, 1);
    return l.length !== before;
  },
  retainAll: (l: unknown[], xs) => {
    if (!Array.isArray(xs)) return false;
    const before = l.length;
    for (let i = l.length - 1; i >= 0; i--) if (listIndexOf(xs, l[i]) < 0) l.splice(i, 1);
    return l.length !== before;
  },
  clear: (l: unknown[]) => {
    l.length = 0;
    return null;
  },
  subList: (l: unknown[], a, b) => l.slice(Number(a), Number(b)),
  toString: (l: unknown[]) => javaString(l),
  equals: (l: unknown[], x) => deepEquals(l, x),
  iterator: (l: unknown[]) => l,
  toArray: (l: unknown[]) => l.slice(),
  isList: () => true,
};

const mapMethods: Record<string, Method> = {
  get: (m: JMap, k) => mapGet(m, k),
  getOrDefault: (m: JMap, k, d) => (own.call(m, String(k)) ? m[String(k)] : d),
  put: (m: JMap, k, v) => mapPut(m, k, v),
  putIfAbsent: (m: JMap, k, v) => {
    const cur = mapGet(m, k);
    if (cur === null || cur === undefined) mapPut(m, k, v);
    return cur;
  },
  putAll: (m: JMap, other) => {
    if (isMap(other)) for (const k of Object.keys(other)) mapPut(m, k, other[k]);
    return null;
  },
  containsKey: (m: JMap, k) => own.call(m, String(k)),
  containsValue: (m: JMap, v) => Object.values(m).some((x) => javaEquals(x, v)),
  remove: (m: JMap, k) => {
    const key = String(k);
    if (!own.call(m, key)) return null;
    const old = m[key];
    delete m[key];
    return old;
  },
  size: (m: JMap) => Object.keys(m).length,
  isEmpty: (m: JMap) => {
    for (const k in m) if (own.call(m, k)) return false;
    return true;
  },
  keySet: (m: JMap) => Object.keys(m),
  values: (m: JMap) => Object.values(m),
  entrySet: (m: JMap) => Object.keys(m).map((k) => new MapEntry(m, k, m[k])),
  clear: (m: JMap) => {
    for (const k of Object.keys(m)) delete m[k];
    return null;
  },
  equals: (m: JMap, x) => deepEquals(m, x),
  toString: (m: JMap) => javaString(m),
};

const numberMethods: Record<string, Method> = {
  intValue: (n: number) => Math.trunc(n) | 0,
  longValue: (n: number) => Math.trunc(n),
  doubleValue: (n: number) => n,
  floatValue: (n: number) => Math.fround(n),
  toString: (n: number) => numberString(n),
  equals: (n: number, x) => typeof x === 'number' && n === x,
  compareTo: (n: number, x) => (n < Number(x) ? -1 : n > Number(x) ? 1 : 0),
  isNaN: (n: number) => Number.isNaN(n),
};

const booleanMethods: Record<string, Method> = {
  booleanValue: (b: boolean) => b,
  toString: (b: boolean) => (b ? 'true' : 'false'),
  equals: (b: boolean, x) => b === x,
};

/** Sentinel for "no such method": the reference then renders as its own text, as in Velocity. */
export const NO_METHOD: unique symbol = Symbol('no-method');

export function callMethod(base: unknown, name: string, args: unknown[]): unknown {
  if (base === null || base === undefined) return undefined;
  let table: Record<string, Method> | undefined;
  switch (typeof base) {
    case 'string':
      table = stringMethods;
      break;
    case 'number':
      table = numberMethods;
      break;
    case 'boolean':
      table = booleanMethods;
      break;
    case 'object':
      if (Array.isArray(base)) table = listMethods;
      else if (base instanceof Host) return callHost(base, name, args);
      else table = mapMethods;
      break;
    default:
      return undefined;
  }
  const fn = table[name];
  if (!fn) return undefined;
  return (fn as (self: unknown, ...a: unknown[]) => unknown)(base, ...args);
}

function callHost(base: Host, name: string, args: unknown[]): unknown {
  const fn = (base as unknown as Record<string, unknown>)[name];
  if (typeof fn === 'function') return (fn as (...a: unknown[]) => unknown).apply(base, args);
  // JavaBean getters: $ctx.info.getFieldName()
  if (args.length === 0 && name.length > 3 && name.startsWith('get')) {
    const prop = name[3].toLowerCase() + name.slice(4);
    const v = (base as unknown as Record<string, unknown>)[prop];
    if (typeof v !== 'function') return v;
  }
  return undefined;
}

/** `$x.name` (no parentheses). */
export function getProperty(base: unknown, name: string): unknown {
  if (base === null || base === undefined) return undefined;
  if (typeof base === 'object') {
    if (Array.isArray(base)) return name === 'empty' ? base.length === 0 : undefined;
    if (base instanceof Host) {
      const v = (base as unknown as Record<string, unknown>)[name];
      return typeof v === 'function' ? undefined : v;
    }
    return own.call(base, name) ? (base as JMap)[name] : undefined;
  }
  if (typeof base === 'string' && name === 'empty') return base.length === 0;
  return undefined;
}

/** `$x[key]`. */
export function getIndex(base: unknown, key: unknown): unknown {
  if (base === null || base === undefined) return undefined;
  if (Array.isArray(base)) {
    const i = Number(key);
    return Number.isInteger(i) && i >= 0 && i < base.length ? base[i] : undefined;
  }
  if (typeof base === 'object') return getProperty(base, String(key));
  if (typeof base === 'string') {
    const i = Number(key);
    return Number.isInteger(i) ? base.charAt(i) : undefined;
  }
  return undefined;
}

/** `#set($x.name = v)` / `#set($x[k] = v)`. */
export function setProperty(base: unknown, key: unknown, value: unknown): void {
  if (base === null || base === undefined) return;
  if (Array.isArray(base)) {
    const i = Number(key);
    if (Number.isInteger(i) && i >= 0 && i < base.length) base[i] = value;
    return;
  }
  if (base instanceof Host) {
    const setter = (base as unknown as Record<string, unknown>)[`set${String(key)[0].toUpperCase()}${String(key).slice(1)}`];
    if (typeof setter === 'function') (setter as (v: unknown) => void).call(base, value);
    return;
  }
  if (typeof base === 'object') mapPut(base as JMap, key, value);
}
