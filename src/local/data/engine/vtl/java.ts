/**
 * Java method dispatch and property access on template values (`$x.m()`, `$x.name`, `$x[k]`,
 * `#set($x.name = v)`): strings, lists and maps by their Java types' methods, numbers and booleans
 * by their boxed types', `Host` objects by their own JS methods and JavaBean getters/setters.
 */
import { listMethods, mapMethods } from './java_collections.js';
import { stringMethods } from './java_strings.js';
import { Host, mapPut, numberString, type JMap, type Method } from './java_values.js';

const own = Object.prototype.hasOwnProperty;

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
  const fn = Object.hasOwn(table, name) ? table[name] : undefined;
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
