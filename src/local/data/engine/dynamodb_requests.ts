/**
 * AppSync's DynamoDB resolver requests (2018-05-29 format) → DynamoDB operations on the local
 * engine, and DynamoDB results → what templates see in `$ctx.result`. DynamoDB failures become
 * `$ctx.error` as AppSync reports them (`DynamoDB:ConditionalCheckFailedException`, …); a malformed
 * request document fails the field with a `MappingTemplate` error.
 */
import { randomBytes } from 'node:crypto';
import type { LocalDynamo } from '../dynamo/local_dynamo.js';
import { DynamoDbError } from '../dynamo/dynalite.js';
import { FieldError } from './errors.js';
import { fromItem, normalizeItem } from './util/dynamodb_values.js';
import { deepEquals, isMap, type JMap } from './vtl/java_values.js';

export interface DataSourceOutcome {
  result: unknown;
  error: { message: string; type: string } | null;
}

type Input = Record<string, unknown>;

function mappingError(message: string): FieldError {
  return new FieldError(message, 'MappingTemplate');
}

const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** DynamoDB request ids: 52 upper-case alphanumerics. */
function requestId(): string {
  const bytes = randomBytes(52);
  let s = '';
  for (const b of bytes) s += ID_CHARS[b % ID_CHARS.length];
  return s;
}

/** AppSync's error type and message for a DynamoDB failure (SDK v2 wording). */
function dynamoErrorOutcome(err: DynamoDbError, result: unknown = null): DataSourceOutcome {
  const type = err.type === 'ValidationException' || err.type === 'SerializationException' ? 'DynamoDbException' : err.type;
  const base = err.message || err.type;
  return {
    result,
    error: { type: `DynamoDB:${type}`, message: `${base} (Service: DynamoDb, Status Code: ${err.statusCode}, Request ID: ${requestId()})` },
  };
}

/** A page's `nextToken` from its LastEvaluatedKey: opaque like AppSync's (`eyJ2ZXJzaW9uIjoy…`), but not encrypted locally. */
function encodeNextToken(lastKey: unknown): string | null {
  if (!lastKey) return null;
  const token = Buffer.from(JSON.stringify(lastKey)).toString('base64');
  return Buffer.from(JSON.stringify({ version: 2, token })).toString('base64');
}

/** The ExclusiveStartKey of a `nextToken` from encodeNextToken. */
function decodeNextToken(token: unknown): Input {
  try {
    const outer = JSON.parse(Buffer.from(String(token), 'base64').toString('utf8')) as { version?: number; token?: string };
    if (outer.version !== 2 || typeof outer.token !== 'string') throw new Error('bad token');
    const key = JSON.parse(Buffer.from(outer.token, 'base64').toString('utf8')) as unknown;
    if (!isMap(key)) throw new Error('bad token');
    return key;
  } catch {
    throw new DynamoDbError('ValidationException', 'Invalid pagination token given.');
  }
}

/** A request mapping's expression object (`expression`, `expressionNames`, `expressionValues`). */
interface Expr {
  expression: string;
  names?: Record<string, string>;
  values?: Record<string, unknown>;
}

function expression(v: unknown, what: string, required = false): Expr | undefined {
  if (v === null || v === undefined) {
    if (required) throw mappingError(`The '${what}' field is required.`);
    return undefined;
  }
  if (!isMap(v) || typeof v.expression !== 'string') throw mappingError(`'${what}' must be an object with an 'expression' string.`);
  const names = isMap(v.expressionNames) ? (v.expressionNames as Record<string, string>) : undefined;
  const values = isMap(v.expressionValues) ? normalizeItem(v.expressionValues) : undefined;
  return { expression: v.expression, names, values };
}

/** Merges placeholders of several expressions into one request. */
function apply(input: Input, field: string, e: Expr | undefined): void {
  if (!e || e.expression.trim() === '') return;
  input[field] = e.expression;
  if (e.names && Object.keys(e.names).length) input.ExpressionAttributeNames = { ...(input.ExpressionAttributeNames as Input), ...e.names };
  if (e.values && Object.keys(e.values).length) input.ExpressionAttributeValues = { ...(input.ExpressionAttributeValues as Input), ...e.values };
}

function key(v: unknown): Input {
  if (!isMap(v) || Object.keys(v).length === 0) throw mappingError("The 'key' field is required and must be a map of attribute values.");
  return normalizeItem(v);
}

function projectionOf(input: Input, projection: unknown): void {
  const p = expression(projection, 'projection');
  if (!p) return;
  input.ProjectionExpression = p.expression;
  if (p.names && Object.keys(p.names).length) input.ExpressionAttributeNames = { ...(input.ExpressionAttributeNames as Input), ...p.names };
}

function limitOf(v: unknown): number | undefined {
  if (v === null || v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw mappingError(`'limit' must be a positive integer, got ${JSON.stringify(v)}.`);
  return n;
}

/** Runs a resolver's DynamoDB request (its `operation`) on the table; DynamoDB's rejections become AppSync errors. */
export async function runDynamoRequest(dynamo: LocalDynamo, tableName: string, req: JMap): Promise<DataSourceOutcome> {
  const op = req.operation;
  try {
    switch (op) {
      case 'GetItem':
        return await getItem(dynamo, tableName, req);
      case 'PutItem':
        return await putItem(dynamo, tableName, req);
      case 'UpdateItem':
        return await updateItem(dynamo, tableName, req);
      case 'DeleteItem':
        return await deleteItem(dynamo, tableName, req);
      case 'Query':
      case 'Scan':
        return await queryOrScan(dynamo, tableName, req, op);
      case 'BatchGetItem':
        return await batchGet(dynamo, req);
      case 'BatchPutItem':
      case 'BatchDeleteItem':
        return await batchWrite(dynamo, req, op);
      case 'TransactGetItems':
        return await transactGet(dynamo, req);
      case 'TransactWriteItems':
        return await transactWrite(dynamo, req);
      case 'Sync':
        throw mappingError("The 'Sync' operation is not supported ((local: conflict detection / DataStore sync is not emulated))");
      default:
        throw mappingError(`Unsupported operation '${String(op)}' for a DynamoDB data source.`);
    }
  } catch (err) {
    if (err instanceof DynamoDbError) return dynamoErrorOutcome(err);
    throw err;
  }
}

async function getItem(dynamo: LocalDynamo, table: string, req: JMap): Promise<DataSourceOutcome> {
  const input: Input = { TableName: table, Key: key(req.key), ConsistentRead: req.consistentRead === true };
  projectionOf(input, req.projection);
  const out = await dynamo.request('GetItem', input);
  return { result: fromItem(out.Item as Input | undefined), error: null };
}

async function putItem(dynamo: LocalDynamo, table: string, req: JMap): Promise<DataSourceOutcome> {
  const item = { ...(isMap(req.attributeValues) ? normalizeItem(req.attributeValues) : {}), ...key(req.key) };
  const input: Input = { TableName: table, Item: item };
  const cond = isMap(req.condition) ? req.condition : undefined;
  apply(input, 'ConditionExpression', expression(cond, 'condition'));
  try {
    await dynamo.request('PutItem', input);
    return { result: fromItem(item), error: null };
  } catch (err) {
    if (!(err instanceof DynamoDbError) || err.type !== 'ConditionalCheckFailedException') throw err;
    // AppSync compares the current item with the one it tried to write: equal means success.
    const current = fromItem((await dynamo.request('GetItem', { TableName: table, Key: key(req.key), ConsistentRead: true })).Item as Input | undefined);
    const wanted = fromItem(item)!;
    const ignore = new Set(Array.isArray(cond?.equalsIgnore) ? cond.equalsIgnore.map(String) : []);
    if (current && deepEquals(strip(current, ignore), strip(wanted, ignore))) return { result: current, error: null };
    return dynamoErrorOutcome(err, current);
  }
}

function strip(m: JMap, ignore: Set<string>): JMap {
  if (ignore.size === 0) return m;
  const out: JMap = {};
  for (const k of Object.keys(m)) if (!ignore.has(k)) out[k] = m[k];
  return out;
}

async function updateItem(dynamo: LocalDynamo, table: string, req: JMap): Promise<DataSourceOutcome> {
  const input: Input = { TableName: table, Key: key(req.key), ReturnValues: 'ALL_NEW' };
  apply(input, 'UpdateExpression', expression(req.update, 'update', true));
  apply(input, 'ConditionExpression', expression(req.condition, 'condition'));
  try {
    const out = await dynamo.request('UpdateItem', input);
    return { result: fromItem(out.Attributes as Input | undefined), error: null };
  } catch (err) {
    if (!(err instanceof DynamoDbError) || err.type !== 'ConditionalCheckFailedException') throw err;
    const current = fromItem((await dynamo.request('GetItem', { TableName: table, Key: input.Key, ConsistentRead: true })).Item as Input | undefined);
    return dynamoErrorOutcome(err, current);
  }
}

async function deleteItem(dynamo: LocalDynamo, table: string, req: JMap): Promise<DataSourceOutcome> {
  const input: Input = { TableName: table, Key: key(req.key), ReturnValues: 'ALL_OLD' };
  apply(input, 'ConditionExpression', expression(req.condition, 'condition'));
  try {
    const out = await dynamo.request('DeleteItem', input);
    return { result: fromItem(out.Attributes as Input | undefined), error: null };
  } catch (err) {
    if (!(err instanceof DynamoDbError) || err.type !== 'ConditionalCheckFailedException') throw err;
    const current = fromItem((await dynamo.request('GetItem', { TableName: table, Key: input.Key, ConsistentRead: true })).Item as Input | undefined);
    return dynamoErrorOutcome(err, current);
  }
}

async function queryOrScan(dynamo: LocalDynamo, table: string, req: JMap, op: 'Query' | 'Scan'): Promise<DataSourceOutcome> {
  const input: Input = { TableName: table };
  if (op === 'Query') {
    apply(input, 'KeyConditionExpression', expression(req.query, 'query', true));
    if (req.scanIndexForward === false) input.ScanIndexForward = false;
  } else {
    if (req.segment !== undefined && req.segment !== null) input.Segment = Number(req.segment);
    if (req.totalSegments !== undefined && req.totalSegments !== null) input.TotalSegments = Number(req.totalSegments);
  }
  apply(input, 'FilterExpression', expression(req.filter, 'filter'));
  if (typeof req.index === 'string' && req.index) input.IndexName = req.index;
  const limit = limitOf(req.limit);
  if (limit !== undefined) input.Limit = limit;
  if (req.consistentRead === true) input.ConsistentRead = true;
  if (typeof req.select === 'string') input.Select = req.select;
  projectionOf(input, req.projection);
  if (req.nextToken !== null && req.nextToken !== undefined && req.nextToken !== '') input.ExclusiveStartKey = decodeNextToken(req.nextToken);
  const out = await dynamo.request(op, input);
  const items = ((out.Items as Input[] | undefined) ?? []).map((i) => fromItem(i));
  return {
    result: { items, nextToken: encodeNextToken(out.LastEvaluatedKey), scannedCount: out.ScannedCount ?? items.length },
    error: null,
  };
}

function tablesOf(req: JMap): [string, unknown][] {
  if (!isMap(req.tables) || Object.keys(req.tables).length === 0) throw mappingError("The 'tables' field is required.");
  return Object.entries(req.tables);
}

async function batchGet(dynamo: LocalDynamo, req: JMap): Promise<DataSourceOutcome> {
  const data: JMap = {};
  const unprocessedKeys: JMap = {};
  for (const [table, spec] of tablesOf(req)) {
    if (!isMap(spec) || !Array.isArray(spec.keys)) throw mappingError(`tables.${table} must have a 'keys' list.`);
    const keys = spec.keys.map(key);
    const found: (JMap | null)[] = [];
    for (let i = 0; i < keys.length; i += 100) {
      const chunk = keys.slice(i, i + 100);
      const ask: Input = { Keys: chunk, ConsistentRead: spec.consistentRead === true };
      projectionOf(ask, spec.projection);
      const out = await dynamo.request('BatchGetItem', { RequestItems: { [table]: ask } });
      const items = ((out.Responses as Record<string, Input[]>)[table] ?? []).map((x) => fromItem(x)!);
      // AppSync returns results in key order, null where an item does not exist.
      for (const k of chunk) {
        const plainKey = fromItem(k)!;
        found.push(items.find((it) => Object.keys(plainKey).every((a) => deepEquals(it[a], plainKey[a]))) ?? null);
      }
    }
    data[table] = found;
    unprocessedKeys[table] = [];
  }
  return { result: { data, unprocessedKeys }, error: null };
}

async function batchWrite(dynamo: LocalDynamo, req: JMap, op: 'BatchPutItem' | 'BatchDeleteItem'): Promise<DataSourceOutcome> {
  const data: JMap = {};
  const unprocessed: JMap = {};
  const requests: { table: string; entry: Input }[] = [];
  for (const [table, list] of tablesOf(req)) {
    if (!Array.isArray(list)) throw mappingError(`tables.${table} must be a list.`);
    data[table] = [];
    unprocessed[table] = [];
    for (const x of list) {
      if (!isMap(x)) throw mappingError(`tables.${table} must hold maps of attribute values.`);
      requests.push({ table, entry: op === 'BatchPutItem' ? { PutRequest: { Item: normalizeItem(x) } } : { DeleteRequest: { Key: normalizeItem(x) } } });
    }
  }
  for (let i = 0; i < requests.length; i += 25) {
    const RequestItems: Record<string, Input[]> = {};
    for (const r of requests.slice(i, i + 25)) (RequestItems[r.table] ??= []).push(r.entry);
    await dynamo.request('BatchWriteItem', { RequestItems });
  }
  for (const r of requests) {
    const v = op === 'BatchPutItem' ? (r.entry.PutRequest as Input).Item : (r.entry.DeleteRequest as Input).Key;
    (data[r.table] as unknown[]).push(fromItem(v as Input));
  }
  return { result: op === 'BatchPutItem' ? { data, unprocessedItems: unprocessed } : { data, unprocessedKeys: unprocessed }, error: null };
}

async function transactGet(dynamo: LocalDynamo, req: JMap): Promise<DataSourceOutcome> {
  if (!Array.isArray(req.transactItems)) throw mappingError("The 'transactItems' field is required.");
  const TransactItems = req.transactItems.map((t) => {
    if (!isMap(t) || typeof t.table !== 'string') throw mappingError("Each transact item needs 'table' and 'key'.");
    const get: Input = { TableName: t.table, Key: key(t.key) };
    projectionOf(get, t.projection);
    return { Get: get };
  });
  const out = await dynamo.request('TransactGetItems', { TransactItems });
  const items = ((out.Responses as Input[] | undefined) ?? []).map((r) => fromItem(r.Item as Input | undefined));
  return { result: { items, cancellationReasons: null }, error: null };
}

async function transactWrite(dynamo: LocalDynamo, req: JMap): Promise<DataSourceOutcome> {
  if (!Array.isArray(req.transactItems)) throw mappingError("The 'transactItems' field is required.");
  const keys: JMap[] = [];
  const TransactItems = req.transactItems.map((t) => {
    if (!isMap(t) || typeof t.table !== 'string') throw mappingError("Each transact item needs 'table', 'operation' and 'key'.");
    const k = key(t.key);
    keys.push(fromItem(k)!);
    const spec: Input = { TableName: t.table };
    apply(spec, 'ConditionExpression', expression(t.condition, 'condition', t.operation === 'ConditionCheck'));
    switch (t.operation) {
      case 'PutItem':
        spec.Item = { ...(isMap(t.attributeValues) ? normalizeItem(t.attributeValues) : {}), ...k };
        return { Put: spec };
      case 'UpdateItem':
        spec.Key = k;
        apply(spec, 'UpdateExpression', expression(t.update, 'update', true));
        return { Update: spec };
      case 'DeleteItem':
        spec.Key = k;
        return { Delete: spec };
      case 'ConditionCheck':
        spec.Key = k;
        return { ConditionCheck: spec };
      default:
        throw mappingError(`Unsupported transact operation '${String(t.operation)}'.`);
    }
  });
  try {
    await dynamo.request('TransactWriteItems', { TransactItems });
    return { result: { keys, cancellationReasons: null }, error: null };
  } catch (err) {
    if (err instanceof DynamoDbError && err.type === 'TransactionCanceledException') {
      const reasons = ((err.extra.CancellationReasons as Input[] | undefined) ?? []).map((r) => ({ type: r.Code, message: r.Message ?? null }));
      return dynamoErrorOutcome(err, { keys: null, cancellationReasons: reasons });
    }
    throw err;
  }
}
