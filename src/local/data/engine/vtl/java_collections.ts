/** `java.util.List` and `java.util.Map` methods over arrays and plain objects, and `Map.Entry`. */
import { Host, deepEquals, isMap, javaEquals, javaString, mapGet, mapPut, type JMap, type Method } from './java_values.js';

const own = Object.prototype.hasOwnProperty;

/** `Map.Entry` from `entrySet()`; writes through to its map. */
class MapEntry extends Host {
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

function listIndexOf(l: unknown[], x: unknown): number {
  for (let i = 0; i < l.length; i++) if (deepEquals(l[i], x)) return i;
  return -1;
}

export const listMethods: Record<string, Method> = {
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

export const mapMethods: Record<string, Method> = {
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
