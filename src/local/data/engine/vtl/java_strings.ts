/** `java.lang.String`'s methods, with Java regex syntax and split/replacement rules mapped to JS. */
import { javaString, type Method } from './java_values.js';

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

export const stringMethods: Record<string, Method> = {
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
