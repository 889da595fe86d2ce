/**
 * dynalite's engine used in-process, without its HTTP server: its request validations and actions
 * are called directly on a LevelDB store (no socket, no SDK, no signing on the hot path).
 * dynalite 4.0.0 internals (pinned): `db.create`, `validations.checkTypes/checkValidations`,
 * `actions/<op>`; errors carry `{ statusCode, body: { __type, message } }`.
 */
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';

const require = createRequire(import.meta.url);

/* eslint-disable @typescript-eslint/no-explicit-any */
export type Store = any;
type Action = (store: Store, data: any, cb: (err: any, res?: any) => void) => void;
interface Validation {
  types: Record<string, unknown>;
  custom?: unknown;
}

const db = require('dynalite/db') as {
  create(opts: Record<string, unknown>): Store;
  checkConditional(data: unknown, existing: unknown): any;
  createKey(item: unknown, table: unknown): string;
  validateKeyPaths(nestedPaths: unknown, table: unknown): any;
  matchesExprFilter(item: unknown, expr: unknown): boolean;
  mapPaths(paths: unknown, item: unknown): any;
};
const validations = require('dynalite/validations') as {
  checkTypes(data: unknown, types: unknown): any;
  checkValidations(data: unknown, types: unknown, custom: unknown, store: Store): void;
};

/** Operations dynalite implements. */
export const DYNALITE_OPERATIONS = [
  'BatchGetItem',
  'BatchWriteItem',
  'CreateTable',
  'DeleteItem',
  'DeleteTable',
  'DescribeTable',
  'DescribeTimeToLive',
  'GetItem',
  'ListTables',
  'PutItem',
  'Query',
  'Scan',
  'TagResource',
  'UntagResource',
  'ListTagsOfResource',
  'UpdateItem',
  'UpdateTable',
] as const;

/**
 * dynalite parses every condition/filter/key-condition expression with a PEG parser on every
 * request; generated templates send the same few documents over and over. Results are memoized
 * by expression, names and values (and whether it is a key condition, which changes the rules),
 * replaying the parser's one side effect: marking the names and values it used.
 */
const conditionParser = require('dynalite/db/conditionParser') as { parse: (str: string, opts: { context: any }) => unknown };
const parseCondition = conditionParser.parse;
const parsed = new Map<string, { result: unknown; names: string[]; values: string[] }>();
const MAX_MEMO_ENTRIES = 2000;
const MAX_MEMO_KEY = 2048;
conditionParser.parse = (str, opts) => {
  const c = opts.context;
  const key = `${c.isKeyCondition ? 'k' : 'c'}\u0000${str}\u0000${JSON.stringify(c.attrNames ?? null)}\u0000${JSON.stringify(c.attrVals ?? null)}`;
  const hit = parsed.get(key);
  if (hit) {
    for (const n of hit.names) delete c.unusedAttrNames[n];
    for (const v of hit.values) delete c.unusedAttrVals[v];
    // Key conditions are rewritten in place by convertKeyCondition (`:v = k` → `k = :v`): give each request its own copy.
    return c.isKeyCondition && typeof hit.result === 'object' ? structuredClone(hit.result) : hit.result;
  }
  // Requests carrying big values (updates of large items) are not worth remembering.
  if (key.length > MAX_MEMO_KEY) return parseCondition(str, opts);
  const names = Object.keys(c.unusedAttrNames ?? {});
  const values = Object.keys(c.unusedAttrVals ?? {});
  const result = parseCondition(str, opts);
  const stored = c.isKeyCondition && typeof result === 'object' ? structuredClone(result) : result;
  if (parsed.size >= MAX_MEMO_ENTRIES) parsed.delete(parsed.keys().next().value as string);
  parsed.set(key, {
    result: stored,
    names: names.filter((n) => !(n in c.unusedAttrNames)),
    values: values.filter((v) => !(v in c.unusedAttrVals)),
  });
  return result;
};

const actions = new Map<string, Action>();
const actionValidations = new Map<string, Validation>();
for (const op of DYNALITE_OPERATIONS) {
  const name = op[0].toLowerCase() + op.slice(1);
  actions.set(op, require(`dynalite/actions/${name}`) as Action);
  actionValidations.set(op, require(`dynalite/validations/${name}`) as Validation);
}

const DYNAMODB_ERROR_NAMES = [
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'IncompleteSignatureException',
  'MissingAuthenticationTokenException',
  'AccessDeniedException',
  'SerializationException',
  'UnknownOperationException',
  'ValidationException',
  'ConditionalCheckFailedException',
  'TransactionCanceledException',
  'ResourceNotFoundException',
  'ResourceInUseException',
  'LimitExceededException',
  'InternalServerError',
  'RequestEntityTooLarge',
  'ServiceUnavailable',
] as const;

/** The `__type`s DynamoDB answers with (the ones the local engine can produce). */
export type DynamoDbErrorName = (typeof DYNAMODB_ERROR_NAMES)[number];

function isDynamoDbErrorName(name: string): name is DynamoDbErrorName {
  return (DYNAMODB_ERROR_NAMES as readonly string[]).includes(name);
}

/** A DynamoDB error as the service reports it. */
export class DynamoDbError extends Error {
  override readonly name = 'DynamoDbError';
  constructor(
    /** Short type, e.g. `ConditionalCheckFailedException`. */
    readonly type: DynamoDbErrorName,
    message: string,
    readonly statusCode = 400,
    /** The full `__type` (`com.amazonaws.dynamodb.v20120810#...`). */
    readonly wireType = `${type === 'SerializationException' || type === 'UnknownOperationException' ? 'com.amazon.coral.service' : 'com.amazonaws.dynamodb.v20120810'}#${type}`,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

function toDynamoError(err: any): DynamoDbError {
  if (err && err.statusCode && err.body) {
    const wire = String(err.body.__type ?? 'com.amazonaws.dynamodb.v20120810#InternalServerError');
    const type = wire.slice(wire.indexOf('#') + 1);
    const message = String(err.body.message ?? err.body.Message ?? '');
    if (isDynamoDbErrorName(type)) return new DynamoDbError(type, message, err.statusCode, wire);
    return new DynamoDbError('InternalServerError', `${type}: ${message}`, 500);
  }
  return new DynamoDbError('InternalServerError', err instanceof Error ? err.message : String(err), 500);
}

export function openStore(path: string, maxItemSizeKb = 400): Store {
  const store = db.create({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, maxItemSizeKb });
  closeIteratorsOnDestroy(store.db);
  return store;
}

interface LevelIterator {
  next(): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * dynalite 4.0.0 reads ranges through streams over abstract-level iterators and "closes" them on
 * destroy with `iterator.return()`, which abstract-level 3 iterators do not have: every Query or
 * Scan that stops before the end of its range (a Limit, a page, a takeWhile) left its LevelDB
 * iterator open for good, held by the database's resource set with its native snapshot (live heap
 * and RSS grew with every list request). These replacements close the iterator when the stream
 * ends or is destroyed.
 */
export function closeIteratorsOnDestroy(level: Store): void {
  const streamOf = (iterator: LevelIterator) => {
    let closed = false;
    const close = () => {
      if (closed) return Promise.resolve();
      closed = true;
      return iterator.close().catch(() => {});
    };
    return new Readable({
      objectMode: true,
      read() {
        iterator.next().then(
          (value) => {
            if (value === undefined) {
              void close();
              this.push(null);
            } else this.push(value);
          },
          (err: Error) => this.destroy(err),
        );
      },
      destroy(err, callback) {
        void close().then(() => callback(err));
      },
    });
  };
  level.createKeyStream = (options: unknown) => streamOf(level.keys(options) as LevelIterator);
  level.createValueStream = (options: unknown) => streamOf(level.values(options) as LevelIterator);
}

export function setStoreIdentity(store: Store, region: string, accountId: string): void {
  store.tableDb.awsRegion = region;
  store.tableDb.awsAccountId = accountId;
}

/** Validates `input` as DynamoDB would and runs the operation. Throws DynamoDbError. */
export function runDynalite(store: Store, op: string, input: Record<string, unknown>): Promise<any> {
  let data: any;
  try {
    data = validated(store, op, input);
  } catch (err) {
    return Promise.reject(err as Error);
  }
  return runValidated(store, op, data);
}

/** Runs an operation whose input went through `validated`. */
export function runValidated(store: Store, op: string, data: any): Promise<any> {
  const action = actions.get(op)!;
  return new Promise((resolve, reject) => {
    try {
      action(store, data, (err, res) => (err ? reject(toDynamoError(err)) : resolve(res)));
    } catch (err) {
      reject(toDynamoError(err));
    }
  });
}

/**
 * A Query whose key condition names the whole primary key of the base table with equality (what
 * the generated get and belongsTo templates send) is one item lookup: answer it with a get
 * instead of dynalite's range-iterator pipeline. Anything else (indexes, paging, capacity,
 * legacy parameters, or a request dynalite would reject) returns undefined and takes the
 * regular path, which produces the same results and errors.
 */
export function queryByKey(store: Store, data: any, table: any): Promise<any> | undefined {
  if (!table || table.TableStatus !== 'ACTIVE' || data.IndexName || data.ExclusiveStartKey || data.QueryFilter || data.AttributesToGet) return undefined;
  if (data.ReturnConsumedCapacity && data.ReturnConsumedCapacity !== 'NONE') return undefined;
  const conditions = data.KeyConditions;
  const keySchema = table.KeySchema as { AttributeName: string }[];
  if (!conditions || Object.keys(conditions).length !== keySchema.length) return undefined;
  const types = new Map<string, string>((table.AttributeDefinitions as { AttributeName: string; AttributeType: string }[]).map((a) => [a.AttributeName, a.AttributeType]));
  const key: Record<string, unknown> = {};
  for (const k of keySchema) {
    const c = conditions[k.AttributeName];
    const type = types.get(k.AttributeName);
    if (!c || c.ComparisonOperator !== 'EQ' || !type || c.AttributeValueList?.[0]?.[type] == null) return undefined;
    key[k.AttributeName] = c.AttributeValueList[0];
  }
  if (data._filter && keySchema.some((k) => data._filter.pathHeads?.[k.AttributeName])) return undefined;
  if (db.validateKeyPaths((data._projection || {}).nestedPaths, table) != null) return undefined;
  if (db.validateKeyPaths((data._filter || {}).nestedPaths, table) != null) return undefined;
  return new Promise((resolve, reject) => {
    store.getItemDb(data.TableName).get(db.createKey(key, table), (err: any, item: any) => {
      if (err && err.name !== 'NotFoundError') return reject(toDynamoError(err));
      let items = item ? [item] : [];
      const result: Record<string, unknown> = { ScannedCount: items.length };
      if (data.Limit && items.length >= data.Limit) {
        result.LastEvaluatedKey = Object.fromEntries(keySchema.map((k) => [k.AttributeName, item[k.AttributeName]]));
      }
      if (data._filter) items = items.filter((i) => db.matchesExprFilter(i, data._filter.expression));
      if (data._projection) items = items.map((i) => db.mapPaths(data._projection.paths, i));
      result.Count = items.length;
      if (data.Select !== 'COUNT') result.Items = items;
      resolve(result);
    });
  });
}

/** dynalite's condition evaluation on an already validated request (for transactions). */
export function validated(store: Store, op: string, input: Record<string, unknown>): any {
  const validation = actionValidations.get(op);
  if (!validation) throw new DynamoDbError('UnknownOperationException', '', 400);
  try {
    const data = validations.checkTypes({ ...input }, validation.types);
    validations.checkValidations(data, validation.types, validation.custom, store);
    return data;
  } catch (err) {
    throw toDynamoError(err);
  }
}

export function conditionFails(data: unknown, existing: unknown): boolean {
  return db.checkConditional(data, existing) != null;
}

export function closeStore(store: Store): Promise<void> {
  return new Promise((resolve) => {
    const lm = store.lifecycleManager;
    if (lm?.gracefulClose) lm.gracefulClose(() => resolve());
    else store.db.close(() => resolve());
  });
}
