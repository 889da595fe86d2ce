/**
 * Lambda event filtering (FilterCriteria) for event source mappings: the pattern language shared
 * with EventBridge, as far as Lambda supports it for stream sources — exact values (strings,
 * numbers, booleans, null), `prefix`, `suffix`, `equals-ignore-case`, `anything-but` (values,
 * a prefix or a suffix), `exists`, `numeric` (comparisons and ranges) and `$or`.
 *
 * A record passes a pattern when every key of the pattern matches; a leaf array lists
 * alternatives; an array value in the record matches when any element does. A record passes
 * FilterCriteria when it passes any of its patterns.
 */

export class FilterPatternError extends Error {
  override readonly name = 'FilterPatternError';
}

type Matcher = (value: unknown, present: boolean) => boolean;
export type RecordPredicate = (record: unknown) => boolean;

const NUMERIC_OPS = new Set(['=', '<', '<=', '>', '>=']);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A matcher over leaf values; arrays in the record match when any element matches. */
function anyElement(test: (v: unknown) => boolean): Matcher {
  return (value, present) => present && (Array.isArray(value) ? value.some(test) : test(value));
}

function compileNumeric(spec: unknown, where: string): Matcher {
  if (!Array.isArray(spec) || spec.length === 0 || spec.length % 2 !== 0) {
    throw new FilterPatternError(`${where}: numeric expects [op, number, ...] pairs`);
  }
  const checks: ((n: number) => boolean)[] = [];
  for (let i = 0; i < spec.length; i += 2) {
    const op = spec[i];
    const bound = spec[i + 1];
    if (typeof op !== 'string' || !NUMERIC_OPS.has(op) || typeof bound !== 'number') {
      throw new FilterPatternError(`${where}: bad numeric comparison ${JSON.stringify([op, bound])}`);
    }
    checks.push((n) =>
      op === '=' ? n === bound : op === '<' ? n < bound : op === '<=' ? n <= bound : op === '>' ? n > bound : n >= bound,
    );
  }
  // Lambda compares numbers only: DynamoDB's `N` values are strings and do not match.
  return anyElement((v) => typeof v === 'number' && checks.every((c) => c(v)));
}

function compileStringTest(spec: Record<string, unknown>, where: string): (v: unknown) => boolean {
  const [key, arg] = Object.entries(spec)[0];
  if (key === 'prefix' || key === 'suffix') {
    if (isPlainObject(arg) && typeof arg['equals-ignore-case'] === 'string') {
      const want = (arg['equals-ignore-case'] as string).toLowerCase();
      return (v) => typeof v === 'string' && (key === 'prefix' ? v.toLowerCase().startsWith(want) : v.toLowerCase().endsWith(want));
    }
    if (typeof arg !== 'string') throw new FilterPatternError(`${where}: ${key} expects a string`);
    return (v) => typeof v === 'string' && (key === 'prefix' ? v.startsWith(arg) : v.endsWith(arg));
  }
  if (key === 'equals-ignore-case') {
    if (typeof arg !== 'string') throw new FilterPatternError(`${where}: equals-ignore-case expects a string`);
    const want = arg.toLowerCase();
    return (v) => typeof v === 'string' && v.toLowerCase() === want;
  }
  throw new FilterPatternError(`${where}: unsupported comparison ${JSON.stringify(key)}`);
}

function compileAnythingBut(arg: unknown, where: string): Matcher {
  if (isPlainObject(arg)) {
    const test = compileStringTest(arg, `${where} anything-but`);
    return anyElement((v) => typeof v === 'string' && !test(v));
  }
  const excluded = Array.isArray(arg) ? arg : [arg];
  for (const e of excluded) {
    if (typeof e !== 'string' && typeof e !== 'number') {
      throw new FilterPatternError(`${where}: anything-but expects strings or numbers`);
    }
  }
  // With an array value, the record matches when none of its elements is excluded.
  return (value, present) => {
    if (!present) return false;
    const values = Array.isArray(value) ? value : [value];
    return values.every((v) => !excluded.includes(v as string | number));
  };
}

function compileRule(rule: unknown, where: string): Matcher {
  if (rule === null || typeof rule === 'string' || typeof rule === 'number' || typeof rule === 'boolean') {
    return anyElement((v) => v === rule);
  }
  if (!isPlainObject(rule) || Object.keys(rule).length !== 1) {
    throw new FilterPatternError(`${where}: a rule is a value or an object with one comparison`);
  }
  const [key, arg] = Object.entries(rule)[0];
  switch (key) {
    case 'exists':
      if (typeof arg !== 'boolean') throw new FilterPatternError(`${where}: exists expects true or false`);
      // `exists` applies to leaves: an object in that place does not count as existing.
      return (value, present) => (present && !isPlainObject(value)) === arg;
    case 'anything-but':
      return compileAnythingBut(arg, where);
    case 'numeric':
      return compileNumeric(arg, where);
    default: {
      const test = compileStringTest(rule, where);
      return anyElement(test);
    }
  }
}

function compileObject(pattern: Record<string, unknown>, where: string): RecordPredicate {
  const parts: RecordPredicate[] = [];
  for (const [key, spec] of Object.entries(pattern)) {
    const path = where ? `${where}.${key}` : key;
    if (key === '$or') {
      if (!Array.isArray(spec) || spec.length < 2 || !spec.every(isPlainObject)) {
        throw new FilterPatternError(`${path}: $or expects an array of at least two patterns`);
      }
      const alternatives = spec.map((p, i) => compileObject(p as Record<string, unknown>, `${path}[${i}]`));
      parts.push((obj) => alternatives.some((alt) => alt(obj)));
    } else if (Array.isArray(spec)) {
      const rules = spec.map((r, i) => compileRule(r, `${path}[${i}]`));
      parts.push((obj) => {
        const present = isPlainObject(obj) && Object.prototype.hasOwnProperty.call(obj, key);
        const value = present ? (obj as Record<string, unknown>)[key] : undefined;
        return rules.some((r) => r(value, present));
      });
    } else if (isPlainObject(spec)) {
      const inner = compileObject(spec, path);
      parts.push((obj) => {
        if (!isPlainObject(obj)) return false;
        const value = obj[key];
        if (Array.isArray(value)) return value.some((v) => inner(v));
        // An absent object still lets `exists: false` rules inside it match.
        return inner(value === undefined ? {} : value);
      });
    } else {
      throw new FilterPatternError(`${path}: expected an array of rules or a nested pattern`);
    }
  }
  return (obj) => parts.every((p) => p(obj));
}

/** Compiles one `FilterCriteria.Filters[].Pattern` (JSON text). Throws FilterPatternError. */
export function compilePattern(patternJson: string): RecordPredicate {
  let pattern: unknown;
  try {
    pattern = JSON.parse(patternJson);
  } catch (err) {
    throw new FilterPatternError(`pattern is not JSON: ${(err as Error).message}`);
  }
  if (!isPlainObject(pattern)) throw new FilterPatternError('pattern must be a JSON object');
  return compileObject(pattern, '');
}

/** The predicate of a whole FilterCriteria: no patterns lets everything through. */
export function compileFilterCriteria(patterns: readonly string[]): RecordPredicate {
  if (patterns.length === 0) return () => true;
  const compiled = patterns.map(compilePattern);
  return (record) => compiled.some((p) => p(record));
}
