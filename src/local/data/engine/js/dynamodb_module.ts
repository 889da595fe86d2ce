/**
 * `@aws-appsync/utils/dynamodb` for APPSYNC_JS code: builders of DynamoDB resolver requests
 * (the same documents VTL templates render), over the engine's own expression helpers.
 */
import { FieldError } from '../errors.js';
import { toMapValues } from '../util/dynamodb_values.js';
import { toDynamoDBExpression } from '../util/transform.js';
import { isMap, type JMap } from '../vtl/java_values.js';

const OPERATION = Symbol('ddb-operation');

interface UpdateOperation {
  [OPERATION]: 'add' | 'remove' | 'replace' | 'increment' | 'decrement' | 'append' | 'prepend';
  value?: unknown;
}

const operations = {
  add: (value: unknown): UpdateOperation => ({ [OPERATION]: 'add', value }),
  remove: (): UpdateOperation => ({ [OPERATION]: 'remove' }),
  replace: (value: unknown): UpdateOperation => ({ [OPERATION]: 'replace', value }),
  increment: (value: unknown): UpdateOperation => ({ [OPERATION]: 'increment', value }),
  decrement: (value: unknown): UpdateOperation => ({ [OPERATION]: 'decrement', value }),
  append: (value: unknown): UpdateOperation => ({ [OPERATION]: 'append', value }),
  prepend: (value: unknown): UpdateOperation => ({ [OPERATION]: 'prepend', value }),
};

function condition(c: unknown): JMap | undefined {
  if (c === undefined || c === null) return undefined;
  const e = toDynamoDBExpression(c);
  return e.expression ? { expression: e.expression, expressionNames: e.expressionNames, expressionValues: e.expressionValues } : undefined;
}

/** Key conditions: `{ pk: { eq: 1 }, sk: { beginsWith: "a" } }` → a KeyConditionExpression. */
function keyCondition(q: unknown): JMap {
  if (!isMap(q)) throw new FieldError('query must be an object of key conditions', 'Code');
  const parts: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  for (const [field, ops] of Object.entries(q)) {
    if (!isMap(ops)) throw new FieldError(`query.${field} must be an object of operators`, 'Code');
    names[`#${field}`] = field;
    for (const [op, v] of Object.entries(ops)) {
      const ph = `:${field}_${op}`;
      const cmp: Record<string, string> = { eq: '=', le: '<=', lt: '<', ge: '>=', gt: '>' };
      if (op in cmp) {
        parts.push(`#${field} ${cmp[op]} ${ph}`);
        values[ph] = toMapValues({ v }).v;
      } else if (op === 'beginsWith') {
        parts.push(`begins_with(#${field}, ${ph})`);
        values[ph] = toMapValues({ v }).v;
      } else if (op === 'between' && Array.isArray(v) && v.length === 2) {
        parts.push(`#${field} BETWEEN ${ph}_0 AND ${ph}_1`);
        values[`${ph}_0`] = toMapValues({ v: v[0] }).v;
        values[`${ph}_1`] = toMapValues({ v: v[1] }).v;
      } else throw new FieldError(`Unsupported key condition '${op}' on ${field}`, 'Code');
    }
  }
  return { expression: parts.join(' AND '), expressionNames: names, expressionValues: values };
}

function common(input: JMap, out: JMap): JMap {
  for (const k of ['index', 'limit', 'nextToken', 'scanIndexForward', 'consistentRead', 'select', 'segment', 'totalSegments']) {
    if (input[k] !== undefined && input[k] !== null) out[k] = input[k];
  }
  const f = condition(input.filter);
  if (f) out.filter = f;
  if (Array.isArray(input.projection) && input.projection.length) {
    out.projection = {
      expression: input.projection.map((p: unknown) => `#${String(p)}`).join(', '),
      expressionNames: Object.fromEntries(input.projection.map((p: unknown) => [`#${String(p)}`, String(p)])),
    };
  }
  return out;
}

function update(input: JMap): JMap {
  const set: string[] = [];
  const add: string[] = [];
  const remove: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const av = (v: unknown) => toMapValues({ v }).v;
  for (const [field, v] of Object.entries(isMap(input.update) ? input.update : {})) {
    const n = `#${field}`;
    const ph = `:${field}`;
    names[n] = field;
    const op = isMap(v) && OPERATION in v ? (v as unknown as UpdateOperation) : undefined;
    if (v === null || op?.[OPERATION] === 'remove') remove.push(n);
    else if (!op || op[OPERATION] === 'replace') {
      set.push(`${n} = ${ph}`);
      values[ph] = av(op ? op.value : v);
    } else if (op[OPERATION] === 'increment' || op[OPERATION] === 'decrement') {
      set.push(`${n} = if_not_exists(${n}, :zero) ${op[OPERATION] === 'increment' ? '+' : '-'} ${ph}`);
      values[ph] = av(op.value);
      values[':zero'] = { N: 0 };
    } else if (op[OPERATION] === 'append' || op[OPERATION] === 'prepend') {
      set.push(op[OPERATION] === 'append' ? `${n} = list_append(if_not_exists(${n}, :empty), ${ph})` : `${n} = list_append(${ph}, if_not_exists(${n}, :empty))`);
      values[ph] = av(op.value);
      values[':empty'] = { L: [] };
    } else if (op[OPERATION] === 'add') {
      add.push(`${n} ${ph}`);
      values[ph] = av(op.value);
    }
  }
  const parts = [set.length ? `SET ${set.join(', ')}` : '', add.length ? `ADD ${add.join(', ')}` : '', remove.length ? `REMOVE ${remove.join(', ')}` : ''].filter(Boolean);
  return { expression: parts.join(' '), expressionNames: names, ...(Object.keys(values).length ? { expressionValues: values } : {}) };
}

function need(input: unknown, what: string): JMap {
  if (!isMap(input)) throw new FieldError(`${what}: expected an object argument`, 'Code');
  return input;
}

export const dynamodbModule = {
  operations,
  get: (p: unknown) => {
    const i = need(p, 'get');
    return { operation: 'GetItem', key: toMapValues(need(i.key, 'get.key')), ...(i.consistentRead ? { consistentRead: true } : {}) };
  },
  put: (p: unknown) => {
    const i = need(p, 'put');
    const out: JMap = { operation: 'PutItem', key: toMapValues(need(i.key, 'put.key')), attributeValues: toMapValues(isMap(i.item) ? i.item : {}) };
    const c = condition(i.condition);
    if (c) out.condition = c;
    return out;
  },
  remove: (p: unknown) => {
    const i = need(p, 'remove');
    const out: JMap = { operation: 'DeleteItem', key: toMapValues(need(i.key, 'remove.key')) };
    const c = condition(i.condition);
    if (c) out.condition = c;
    return out;
  },
  update: (p: unknown) => {
    const i = need(p, 'update');
    const out: JMap = { operation: 'UpdateItem', key: toMapValues(need(i.key, 'update.key')), update: update(i) };
    const c = condition(i.condition);
    if (c) out.condition = c;
    return out;
  },
  query: (p: unknown) => {
    const i = need(p, 'query');
    return common(i, { operation: 'Query', query: keyCondition(i.query) });
  },
  scan: (p: unknown) => common(need(p, 'scan'), { operation: 'Scan' }),
};
