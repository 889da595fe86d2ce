/**
 * dynalite's engine used in-process, without its HTTP server: its request validations and actions
 * are called directly on a LevelDB store (no socket, no SDK, no signing on the hot path).
 * dynalite 4.0.0 internals (pinned): `db.create`, `validations.checkTypes/checkValidations`,
 * `actions/<op>`; errors carry `{ statusCode, body: { __type, message } }`.
 */
import { createRequire } from 'node:module';

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

const actions = new Map<string, Action>();
const actionValidations = new Map<string, Validation>();
for (const op of DYNALITE_OPERATIONS) {
  const name = op[0].toLowerCase() + op.slice(1);
  actions.set(op, require(`dynalite/actions/${name}`) as Action);
  actionValidations.set(op, require(`dynalite/validations/${name}`) as Validation);
}

/** A DynamoDB error as the service reports it. */
export class DynamoDbError extends Error {
  override readonly name = 'DynamoDbError';
  constructor(
    /** Short type, e.g. `ConditionalCheckFailedException`. */
    readonly type: string,
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
    return new DynamoDbError(type, message, err.statusCode, wire);
  }
  return new DynamoDbError('InternalServerError', err instanceof Error ? err.message : String(err), 500);
}

export function openStore(path: string, maxItemSizeKb = 400): Store {
  return db.create({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, maxItemSizeKb });
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
