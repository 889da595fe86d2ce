/**
 * `$util.transform.*`: model filter/condition inputs → DynamoDB expressions, and → AppSync
 * enhanced subscription filters. Unlike the Gen 1 simulator, condition expressions keep their
 * `expressionValues`, and `attributeExists` adds no unused value.
 *
 * Field placeholders are `#<field>` (the generated templates add `#keyCondition<n>` names of
 * their own and rely on this), value placeholders `:<path>_<field>_<op>` like AppSync's.
 */
import { isMap, type JMap } from '../vtl/java_values.js';
import { toDynamoDB, type AttributeValue } from './dynamodb_values.js';

export class FilterError extends Error {}

export interface DynamoExpression {
  expression: string;
  expressionNames: Record<string, string>;
  expressionValues: Record<string, AttributeValue>;
}

const COMPARATORS: Record<string, string> = { eq: '=', ne: '<>', le: '<=', lt: '<', ge: '>=', gt: '>' };

const ATTRIBUTE_TYPES: Record<string, string> = {
  binary: 'B',
  binarySet: 'BS',
  bool: 'BOOL',
  list: 'L',
  map: 'M',
  number: 'N',
  numberSet: 'NS',
  string: 'S',
  stringSet: 'SS',
  _null: 'NULL',
};

class ExpressionBuilder {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, AttributeValue> = {};

  name(field: string): string {
    const placeholder = `#${field.replace(/[^A-Za-z0-9_]/g, '_')}`;
    this.names[placeholder] = field;
    return placeholder;
  }

  value(hint: string, v: unknown): string {
    let base = `:${hint.replace(/[^A-Za-z0-9_]/g, '_')}`;
    if (base in this.values) {
      let n = 1;
      while (`${base}_${n}` in this.values) n++;
      base = `${base}_${n}`;
    }
    this.values[base] = toDynamoDB(v);
    return base;
  }

  node(filter: unknown, prefix: string): string[] {
    if (!isMap(filter)) return [];
    const parts: string[] = [];
    for (const key of Object.keys(filter)) {
      const v = filter[key];
      if (v === null || v === undefined) continue;
      if (key === 'and' || key === 'or') {
        const list = Array.isArray(v) ? v : [v];
        const subs = list
          .map((sub, i) => this.node(sub, join(prefix, key, String(i))))
          .filter((p) => p.length > 0)
          .map((p) => wrap(p.join(' AND ')));
        if (subs.length > 0) parts.push(subs.length === 1 ? subs[0] : `(${subs.join(key === 'and' ? ' AND ' : ' OR ')})`);
      } else if (key === 'not') {
        const sub = this.node(v, join(prefix, 'not'));
        if (sub.length > 0) parts.push(`(NOT ${wrap(sub.join(' AND '))})`);
      } else {
        parts.push(...this.field(key, v, prefix));
      }
    }
    return parts;
  }

  private field(field: string, ops: unknown, prefix: string): string[] {
    if (!isMap(ops)) throw new FilterError(`The filter for '${field}' must be an object of operators.`);
    const out: string[] = [];
    for (const op of Object.keys(ops)) {
      const v = ops[op];
      if (v === undefined) continue;
      const hint = join(prefix, field, op);
      const n = () => this.name(field);
      if (Object.hasOwn(COMPARATORS, op)) {
        out.push(`(${n()} ${COMPARATORS[op]} ${this.value(hint, v)})`);
        continue;
      }
      switch (op) {
        case 'contains':
          out.push(`(contains(${n()}, ${this.value(hint, v)}))`);
          break;
        case 'notContains':
          out.push(`(NOT contains(${n()}, ${this.value(hint, v)}))`);
          break;
        case 'beginsWith':
          out.push(`(begins_with(${n()}, ${this.value(hint, v)}))`);
          break;
        case 'between': {
          if (!Array.isArray(v) || v.length !== 2) throw new FilterError(`'between' for '${field}' needs exactly two values.`);
          out.push(`(${n()} BETWEEN ${this.value(`${hint}_0`, v[0])} AND ${this.value(`${hint}_1`, v[1])})`);
          break;
        }
        case 'attributeExists':
          out.push(v === false ? `(attribute_not_exists(${n()}))` : `(attribute_exists(${n()}))`);
          break;
        case 'attributeType': {
          const t = Object.hasOwn(ATTRIBUTE_TYPES, String(v)) ? ATTRIBUTE_TYPES[String(v)] : String(v);
          out.push(`(attribute_type(${n()}, ${this.value(hint, t)}))`);
          break;
        }
        case 'size': {
          if (!isMap(v)) throw new FilterError(`'size' for '${field}' must be an object of operators.`);
          for (const sop of Object.keys(v)) {
            const sv = v[sop];
            if (Object.hasOwn(COMPARATORS, sop)) out.push(`(size(${n()}) ${COMPARATORS[sop]} ${this.value(`${hint}_${sop}`, sv)})`);
            else if (sop === 'between' && Array.isArray(sv) && sv.length === 2) {
              out.push(`(size(${n()}) BETWEEN ${this.value(`${hint}_between_0`, sv[0])} AND ${this.value(`${hint}_between_1`, sv[1])})`);
            } else throw new FilterError(`Unsupported size operator '${sop}'.`);
          }
          break;
        }
        case 'in':
        case 'notIn': {
          if (!Array.isArray(v) || v.length === 0) throw new FilterError(`'${op}' for '${field}' needs a non-empty list.`);
          const list = v.map((x, i) => this.value(`${hint}_${i}`, x)).join(', ');
          out.push(op === 'in' ? `(${n()} IN (${list}))` : `(NOT (${n()} IN (${list})))`);
          break;
        }
        default:
          throw new FilterError(`Unsupported filter operator '${op}' on '${field}'.`);
      }
    }
    return out;
  }
}

function join(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('_');
}

function wrap(s: string): string {
  return s.startsWith('(') && s.endsWith(')') && balanced(s) ? s : `(${s})`;
}

function balanced(s: string): boolean {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '(') depth++;
    else if (s[i] === ')') {
      depth--;
      if (depth === 0 && i < s.length - 1) return false;
    }
  }
  return depth === 0;
}

export function toDynamoDBExpression(filter: unknown): DynamoExpression {
  const b = new ExpressionBuilder();
  const parts = b.node(filter, '');
  return {
    expression: parts.length === 0 ? '' : parts.length === 1 ? parts[0] : parts.join(' AND '),
    expressionNames: b.names,
    expressionValues: b.values,
  };
}

/** One condition of an AppSync enhanced subscription filter. */
export interface SubscriptionFilterLeaf {
  fieldName: string;
  operator: string;
  value: unknown;
}

export interface SubscriptionFilter {
  filterGroup: { filters: SubscriptionFilterLeaf[] }[];
}

const SUBSCRIPTION_OPERATORS = new Set([
  'eq',
  'ne',
  'le',
  'lt',
  'ge',
  'gt',
  'contains',
  'notContains',
  'beginsWith',
  'in',
  'notIn',
  'between',
  'attributeExists',
  'containsAny',
]);

/** Disjunctive normal form of a model filter input: OR of AND-lists of leaves. */
function dnf(filter: unknown, ignored: Set<string>): SubscriptionFilterLeaf[][] {
  if (!isMap(filter)) return [[]];
  let acc: SubscriptionFilterLeaf[][] = [[]];
  for (const key of Object.keys(filter)) {
    const v = filter[key];
    if (v === null || v === undefined) continue;
    let part: SubscriptionFilterLeaf[][];
    if (key === 'and') {
      part = [[]];
      for (const sub of Array.isArray(v) ? v : [v]) part = cross(part, dnf(sub, ignored));
    } else if (key === 'or') {
      part = [];
      for (const sub of Array.isArray(v) ? v : [v]) part.push(...dnf(sub, ignored));
      if (part.length === 0) part = [[]];
    } else if (key === 'not') {
      throw new FilterError("The 'not' operator is not supported in subscription filters.");
    } else {
      if (ignored.has(key)) continue;
      if (!isMap(v)) throw new FilterError(`The filter for '${key}' must be an object of operators.`);
      const leaves: SubscriptionFilterLeaf[] = [];
      for (const op of Object.keys(v)) {
        if (v[op] === undefined) continue;
        if (!SUBSCRIPTION_OPERATORS.has(op)) throw new FilterError(`Unsupported subscription filter operator '${op}' on '${key}'.`);
        leaves.push({ fieldName: key, operator: op, value: v[op] });
      }
      part = [leaves];
    }
    acc = cross(acc, part);
  }
  return acc;
}

function cross(a: SubscriptionFilterLeaf[][], b: SubscriptionFilterLeaf[][]): SubscriptionFilterLeaf[][] {
  const out: SubscriptionFilterLeaf[][] = [];
  for (const x of a) for (const y of b) out.push([...x, ...y]);
  return out;
}

/** `$util.transform.toSubscriptionFilter(filter, ignoredFields?, rules?)`. */
export function toSubscriptionFilter(filter: unknown, ignoredFields?: unknown, rules?: unknown): SubscriptionFilter {
  const ignored = new Set(Array.isArray(ignoredFields) ? ignoredFields.map(String) : []);
  let groups = dnf(filter, ignored);
  if (isMap(rules)) groups = cross(groups, dnf(rules, new Set()));
  return { filterGroup: groups.filter((g) => g.length > 0).map((filters) => ({ filters })) };
}

/** Limits AppSync enforces when a subscription filter is set. */
export function validateSubscriptionFilter(f: unknown): SubscriptionFilter {
  if (!isMap(f) || !Array.isArray(f.filterGroup)) throw new FilterError('The subscription filter must have a filterGroup list.');
  const groups = f.filterGroup as unknown[];
  if (groups.length > 10) throw new FilterError('Filter groups cannot exceed 10.');
  for (const g of groups) {
    if (!isMap(g) || !Array.isArray(g.filters)) throw new FilterError('Each filter group must have a filters list.');
    if (g.filters.length > 5) throw new FilterError('Filters in a filter group cannot exceed 5.');
    for (const leaf of g.filters as unknown[]) {
      if (!isMap(leaf) || typeof leaf.fieldName !== 'string' || typeof leaf.operator !== 'string') {
        throw new FilterError('Each filter needs fieldName, operator and value.');
      }
      if (!SUBSCRIPTION_OPERATORS.has(leaf.operator)) throw new FilterError(`Unsupported subscription filter operator '${leaf.operator}'.`);
      if ((leaf.operator === 'in' || leaf.operator === 'notIn') && (!Array.isArray(leaf.value) || leaf.value.length > 5)) {
        throw new FilterError(`'${leaf.operator}' takes a list of at most 5 values.`);
      }
      if (leaf.operator === 'containsAny' && (!Array.isArray(leaf.value) || leaf.value.length > 20)) {
        throw new FilterError("'containsAny' takes a list of at most 20 values.");
      }
    }
  }
  return f as unknown as SubscriptionFilter;
}

function fieldValue(data: unknown, path: string): unknown {
  let cur: unknown = data;
  for (const part of path.split('.')) {
    if (!isMap(cur)) return undefined;
    cur = Object.prototype.hasOwnProperty.call(cur, part) ? (cur as JMap)[part] : undefined;
  }
  return cur;
}

function same(a: unknown, b: unknown): boolean {
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  if (typeof a === 'object' || typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b);
  return a === b;
}

function order(a: unknown, b: unknown): number | null {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return null;
}

function leafMatches(leaf: SubscriptionFilterLeaf, data: unknown): boolean {
  const v = fieldValue(data, leaf.fieldName);
  const x = leaf.value;
  switch (leaf.operator) {
    case 'eq':
      return same(v, x);
    case 'ne':
      return !same(v, x);
    case 'lt':
    case 'le':
    case 'gt':
    case 'ge': {
      const c = order(v, x);
      if (c === null) return false;
      return leaf.operator === 'lt' ? c < 0 : leaf.operator === 'le' ? c <= 0 : leaf.operator === 'gt' ? c > 0 : c >= 0;
    }
    case 'contains':
      return typeof v === 'string' ? typeof x === 'string' && v.includes(x) : Array.isArray(v) ? v.some((e) => same(e, x)) : false;
    case 'notContains':
      return typeof v === 'string' ? !(typeof x === 'string' && v.includes(x)) : Array.isArray(v) ? !v.some((e) => same(e, x)) : true;
    case 'beginsWith':
      return typeof v === 'string' && typeof x === 'string' && v.startsWith(x);
    case 'in':
      return Array.isArray(x) && x.some((e) => same(v, e));
    case 'notIn':
      return Array.isArray(x) && !x.some((e) => same(v, e));
    case 'between': {
      if (!Array.isArray(x) || x.length !== 2) return false;
      const lo = order(v, x[0]);
      const hi = order(v, x[1]);
      return lo !== null && hi !== null && lo >= 0 && hi <= 0;
    }
    case 'attributeExists':
      return (v !== undefined && v !== null) === (x !== false);
    case 'containsAny':
      return Array.isArray(v) && Array.isArray(x) && x.some((e) => v.some((y) => same(y, e)));
    default:
      return false;
  }
}

/** A subscription filter matches when any group has all of its filters true. */
export function matchesSubscriptionFilter(filter: SubscriptionFilter, data: unknown): boolean {
  if (filter.filterGroup.length === 0) return true;
  return filter.filterGroup.some((g) => g.filters.every((leaf) => leafMatches(leaf, data)));
}
