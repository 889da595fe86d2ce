/**
 * The local DynamoDB: dynalite's engine in-process on a LevelDB store under the data dir
 * (durable across `kill -9`: LevelDB's log is written before each write returns), plus what
 * dynalite lacks and the local cloud needs:
 * - a change feed (old/new images captured around every write, writes serialized per item),
 * - TransactWriteItems / TransactGetItems (all items locked, conditions checked, then applied),
 * - DynamoDB's JSON protocol for functions' SDK calls (`handleJson`).
 */
import { mkdirSync } from 'node:fs';
import zlib from 'node:zlib';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { DynamoEngine } from '../engine/types.js';
import { LocalChangeFeed, type StreamViewType } from './change_feed.js';
import {
  DYNALITE_OPERATIONS,
  DynamoDbError,
  closeStore,
  conditionFails,
  openStore,
  queryByKey,
  runDynalite,
  runValidated,
  setStoreIdentity,
  validated,
  type Store,
} from './dynalite.js';

type Item = Record<string, unknown>;
type Input = Record<string, unknown>;

export interface LocalDynamoOptions {
  /** LevelDB folder. */
  dir: string;
  region: string;
  accountId: string;
  clock: Clock;
  log: Logger;
  maxItemSizeKb?: number;
}

/**
 * Item operations call `getTable(name, cb)`; table operations `getTable(name, false, cb)` and may
 * change the table, so only the former are served from the cache (cleared by table operations).
 */
function cacheTables(store: Store, cache: Map<string, unknown>): void {
  const original = store.getTable as (name: string, checkStatus: unknown, cb?: (err: unknown, table?: unknown) => void) => void;
  store.getTable = (name: string, checkStatus: unknown, cb?: (err: unknown, table?: unknown) => void) => {
    if (typeof checkStatus !== 'function') return original(name, checkStatus, cb);
    const done = checkStatus as (err: unknown, table?: unknown) => void;
    const hit = cache.get(name);
    if (hit) return done(null, hit);
    original(name, (err: unknown, table?: unknown) => {
      if (!err && (table as { TableStatus?: string } | undefined)?.TableStatus === 'ACTIVE') cache.set(name, table);
      done(err, table);
    });
  };
}

const SUPPORTED = new Set<string>([...DYNALITE_OPERATIONS, 'TransactWriteItems', 'TransactGetItems']);
const TARGET_PREFIX = 'DynamoDB_20120810.';

export class LocalDynamo implements DynamoEngine {
  readonly changes: LocalChangeFeed;
  private readonly store: Store;
  /** Key attribute names per table (for per-item locks and stream keys). */
  private readonly keyAttributes = new Map<string, string[]>();
  private readonly locks = new Map<string, Promise<void>>();
  /** ACTIVE table descriptions for item operations (dynalite reads them from LevelDB on every call). */
  private readonly tableCache = new Map<string, unknown>();
  private closed = false;

  private constructor(private readonly opts: LocalDynamoOptions) {
    mkdirSync(opts.dir, { recursive: true });
    this.store = openStore(opts.dir, opts.maxItemSizeKb ?? 400);
    setStoreIdentity(this.store, opts.region, opts.accountId);
    cacheTables(this.store, this.tableCache);
    this.changes = new LocalChangeFeed(opts.region, opts.clock, opts.log);
  }

  static async open(opts: LocalDynamoOptions): Promise<LocalDynamo> {
    const d = new LocalDynamo(opts);
    await d.refreshTables();
    return d;
  }

  /** Learns key schemas of existing tables (after open, and after table-level operations). */
  async refreshTables(): Promise<void> {
    let start: string | undefined;
    do {
      const page = (await runDynalite(this.store, 'ListTables', start ? { ExclusiveStartTableName: start } : {})) as {
        TableNames: string[];
        LastEvaluatedTableName?: string;
      };
      for (const name of page.TableNames) await this.learnTable(name);
      start = page.LastEvaluatedTableName;
    } while (start);
  }

  private async learnTable(name: string): Promise<Input | undefined> {
    try {
      const { Table } = (await runDynalite(this.store, 'DescribeTable', { TableName: name })) as { Table: Input };
      this.keyAttributes.set(name, (Table.KeySchema as { AttributeName: string }[]).map((k) => k.AttributeName));
      return Table;
    } catch (err) {
      if (err instanceof DynamoDbError && err.type === 'ResourceNotFoundException') {
        this.keyAttributes.delete(name);
        return undefined;
      }
      throw err;
    }
  }

  /** Streams are a property of the model's tables (dynalite does not keep StreamSpecification). */
  enableStream(tableName: string, viewType: StreamViewType, streamArn: string): void {
    const keys = this.keyAttributes.get(tableName) ?? [];
    this.changes.setStream(tableName, { viewType, streamArn, keyAttributes: keys });
  }

  /** Runs one DynamoDB operation (wire-shaped input and output). Throws DynamoDbError. */
  async request(op: string, input: Input): Promise<Input> {
    if (this.closed) throw new DynamoDbError('InternalServerError', 'The local DynamoDB is closed ((local: the data service is stopping))', 500);
    switch (op) {
      case 'PutItem':
        return this.put(input);
      case 'UpdateItem':
        return this.update(input);
      case 'DeleteItem':
        return this.delete(input);
      case 'BatchWriteItem':
        return this.batchWrite(input);
      case 'TransactWriteItems':
        return this.transactWrite(input);
      case 'TransactGetItems':
        return this.transactGet(input);
      case 'Query': {
        const data = validated(this.store, 'Query', input);
        return ((queryByKey(this.store, data, this.tableCache.get(String(input.TableName))) ?? runValidated(this.store, 'Query', data)) as Promise<Input>);
      }
      case 'CreateTable':
      case 'DeleteTable':
      case 'UpdateTable': {
        this.tableCache.clear();
        const out = (await runDynalite(this.store, op, input)) as Input;
        this.tableCache.clear();
        await this.waitActive(String(input.TableName), op === 'DeleteTable');
        if (op === 'DeleteTable') {
          this.keyAttributes.delete(String(input.TableName));
          this.changes.setStream(String(input.TableName), undefined);
        } else await this.learnTable(String(input.TableName));
        const spec = input.StreamSpecification as { StreamEnabled?: boolean; StreamViewType?: StreamViewType } | undefined;
        if (op === 'CreateTable' && spec?.StreamEnabled && spec.StreamViewType) {
          const arn = `arn:aws:dynamodb:${this.opts.region}:${this.opts.accountId}:table/${String(input.TableName)}/stream/${new Date(this.opts.clock.now()).toISOString()}`;
          this.enableStream(String(input.TableName), spec.StreamViewType, arn);
        }
        return out;
      }
      default:
        if (!SUPPORTED.has(op)) throw new DynamoDbError('UnknownOperationException', `Unsupported operation ${op} ((local: not emulated))`);
        return (await runDynalite(this.store, op, input)) as Input;
    }
  }

  /** DynamoDB's JSON 1.0 protocol (`X-Amz-Target: DynamoDB_20120810.<Op>`). */
  async handleJson(target: string, body: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
    let op = target;
    if (target.includes('.')) {
      if (!target.startsWith(TARGET_PREFIX)) return this.wireError(new DynamoDbError('UnknownOperationException', ''));
      op = target.slice(TARGET_PREFIX.length);
    }
    if (!SUPPORTED.has(op)) return this.wireError(new DynamoDbError('UnknownOperationException', ''));
    let input: unknown;
    try {
      input = body.trim() === '' ? {} : JSON.parse(body);
    } catch {
      return this.wireError(new DynamoDbError('SerializationException', 'Start of structure or map found where not expected'));
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      return this.wireError(new DynamoDbError('SerializationException', 'Start of structure or map found where not expected'));
    }
    try {
      const out = await this.request(op, input as Input);
      return this.wire(200, out);
    } catch (err) {
      if (err instanceof DynamoDbError) return this.wireError(err);
      this.opts.log.error(`DynamoDB ${op} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      return this.wireError(new DynamoDbError('InternalServerError', 'Internal server error', 500));
    }
  }

  private wire(status: number, payload: unknown): { status: number; headers: Record<string, string>; body: string } {
    const body = JSON.stringify(payload);
    return { status, headers: { 'x-amz-crc32': String(zlib.crc32(body)) }, body };
  }

  private wireError(err: DynamoDbError): { status: number; headers: Record<string, string>; body: string } {
    const payload: Input = { __type: err.wireType, ...err.extra };
    if (err.message) payload.message = err.message;
    const out = this.wire(err.statusCode, payload);
    out.headers['x-amzn-errortype'] = err.type;
    return out;
  }

  // ── writes with images ─────────────────────────────────────────────────────

  private lockKey(table: string, item: unknown): string | undefined {
    const keys = this.keyAttributes.get(table);
    if (!keys || typeof item !== 'object' || item === null) return undefined;
    let k = table;
    for (const a of keys) k += `\u0000${JSON.stringify((item as Item)[a] ?? null)}`;
    return k;
  }

  private async withLocks<T>(keys: (string | undefined)[], fn: () => Promise<T>): Promise<T> {
    const unique = [...new Set(keys.filter((k): k is string => k !== undefined))].sort();
    const releases: (() => void)[] = [];
    const waits: Promise<void>[] = [];
    for (const key of unique) {
      const prev = this.locks.get(key) ?? Promise.resolve();
      let release!: () => void;
      const mine = new Promise<void>((r) => (release = r));
      const tail = prev.then(() => mine);
      this.locks.set(key, tail);
      waits.push(prev);
      releases.push(() => {
        release();
        if (this.locks.get(key) === tail) this.locks.delete(key);
      });
    }
    if (waits.length === 1) await waits[0];
    else if (waits.length > 1) await Promise.all(waits);
    try {
      return await fn();
    } finally {
      for (const r of releases) r();
    }
  }

  private async put(input: Input): Promise<Input> {
    const table = String(input.TableName ?? '');
    const wanted = input.ReturnValues;
    const data = validated(this.store, 'PutItem', { ...input, ReturnValues: 'ALL_OLD' });
    return this.withLocks([this.lockKey(table, data.Item)], async () => {
      const out = (await runValidated(this.store, 'PutItem', data)) as Input;
      this.changes.publish(table, out.Attributes as Item | undefined, data.Item as Item);
      if (wanted !== 'ALL_OLD') delete out.Attributes;
      return out;
    });
  }

  private async update(input: Input): Promise<Input> {
    const table = String(input.TableName ?? '');
    const wanted = (input.ReturnValues as string | undefined) ?? 'NONE';
    const updatedOnly = wanted === 'UPDATED_OLD' || wanted === 'UPDATED_NEW';
    const data = validated(this.store, 'UpdateItem', { ...input, ReturnValues: updatedOnly ? wanted : 'ALL_NEW' });
    return this.withLocks([this.lockKey(table, data.Key)], async () => {
      const streamed = this.changes.wants(table);
      const old = streamed || wanted === 'ALL_OLD' ? await this.currentItem(table, data.Key as Item) : undefined;
      const out = (await runValidated(this.store, 'UpdateItem', data)) as Input;
      if (streamed) {
        const now = updatedOnly ? await this.currentItem(table, data.Key as Item) : (out.Attributes as Item);
        this.changes.publish(table, old, now);
      }
      if (wanted === 'ALL_OLD') {
        if (old) out.Attributes = old;
        else delete out.Attributes;
      } else if (wanted === 'NONE') delete out.Attributes;
      return out;
    });
  }

  private async delete(input: Input): Promise<Input> {
    const table = String(input.TableName ?? '');
    const wanted = input.ReturnValues;
    const data = validated(this.store, 'DeleteItem', { ...input, ReturnValues: 'ALL_OLD' });
    return this.withLocks([this.lockKey(table, data.Key)], async () => {
      const out = (await runValidated(this.store, 'DeleteItem', data)) as Input;
      this.changes.publish(table, out.Attributes as Item | undefined, undefined);
      if (wanted !== 'ALL_OLD') delete out.Attributes;
      return out;
    });
  }

  private async currentItem(table: string, key: Item): Promise<Item | undefined> {
    const out = (await runDynalite(this.store, 'GetItem', { TableName: table, Key: key, ConsistentRead: true })) as { Item?: Item };
    return out.Item;
  }

  private async batchWrite(input: Input): Promise<Input> {
    // Validate the whole batch as DynamoDB does before writing anything.
    validated(this.store, 'BatchWriteItem', input);
    const requests = input.RequestItems as Record<string, { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }[]>;
    for (const [table, list] of Object.entries(requests)) {
      for (const r of list) {
        if (r.PutRequest) await this.put({ TableName: table, Item: r.PutRequest.Item });
        else if (r.DeleteRequest) await this.delete({ TableName: table, Key: r.DeleteRequest.Key });
      }
    }
    return { UnprocessedItems: {} };
  }

  private async transactGet(input: Input): Promise<Input> {
    const items = input.TransactItems;
    if (!Array.isArray(items) || items.length === 0 || items.length > 100) {
      throw new DynamoDbError('ValidationException', `1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length ${Array.isArray(items) && items.length > 100 ? 'less than or equal to 100' : 'greater than or equal to 1'}`);
    }
    const responses: Input[] = [];
    for (const entry of items as { Get?: Input }[]) {
      if (!entry?.Get) throw new DynamoDbError('ValidationException', 'TransactItems can only contain Get operations');
      const out = (await runDynalite(this.store, 'GetItem', { ...entry.Get, ConsistentRead: true })) as { Item?: Item };
      responses.push(out.Item ? { Item: out.Item } : {});
    }
    return { Responses: responses };
  }

  private async transactWrite(input: Input): Promise<Input> {
    const items = input.TransactItems;
    if (!Array.isArray(items) || items.length === 0 || items.length > 100) {
      throw new DynamoDbError('ValidationException', `1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length ${Array.isArray(items) && items.length > 100 ? 'less than or equal to 100' : 'greater than or equal to 1'}`);
    }
    type Step = { kind: 'Put' | 'Update' | 'Delete' | 'ConditionCheck'; table: string; key: Item; op: string; data: Record<string, unknown>; returnOld: boolean };
    const steps: Step[] = [];
    const seen = new Set<string>();
    for (const entry of items as Record<string, Input>[]) {
      const kinds = Object.keys(entry ?? {}).filter((k) => ['Put', 'Update', 'Delete', 'ConditionCheck'].includes(k));
      if (kinds.length !== 1) throw new DynamoDbError('ValidationException', 'TransactItems can only contain one of Check, Put, Update or Delete');
      const kind = kinds[0] as Step['kind'];
      const spec = { ...entry[kind] };
      const returnOld = spec.ReturnValuesOnConditionCheckFailure === 'ALL_OLD';
      delete spec.ReturnValuesOnConditionCheckFailure;
      const op = kind === 'Put' ? 'PutItem' : kind === 'Update' ? 'UpdateItem' : 'DeleteItem';
      if (kind === 'ConditionCheck' && !spec.ConditionExpression) throw new DynamoDbError('ValidationException', 'The ConditionExpression parameter is required for ConditionCheck');
      const data = validated(this.store, op, spec);
      const table = String(spec.TableName);
      const key = (kind === 'Put' ? this.keyOf(table, data.Item as Item) : data.Key) as Item;
      const lockKey = this.lockKey(table, key) ?? `${table}\u0000${JSON.stringify(key)}`;
      if (seen.has(lockKey)) throw new DynamoDbError('ValidationException', 'Transaction request cannot include multiple operations on one item');
      seen.add(lockKey);
      steps.push({ kind, table, key, op, data, returnOld });
    }
    return this.withLocks(
      steps.map((s) => this.lockKey(s.table, s.key)),
      async () => {
        const olds: (Item | undefined)[] = [];
        const reasons: Input[] = [];
        let failed = false;
        for (const s of steps) {
          const old = await this.currentItem(s.table, s.key);
          olds.push(old);
          if (s.data.ConditionExpression !== undefined && conditionFails(s.data, old)) {
            failed = true;
            reasons.push({ Code: 'ConditionalCheckFailed', Message: 'The conditional request failed', ...(s.returnOld && old ? { Item: old } : {}) });
          } else reasons.push({ Code: 'None' });
        }
        if (failed) {
          throw new DynamoDbError(
            'TransactionCanceledException',
            `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
            400,
            undefined,
            { CancellationReasons: reasons },
          );
        }
        for (let i = 0; i < steps.length; i++) {
          const s = steps[i];
          if (s.kind === 'ConditionCheck') continue;
          if (s.kind === 'Update') s.data.ReturnValues = 'ALL_NEW';
          const out = (await runValidated(this.store, s.op, s.data)) as Input;
          const now = s.kind === 'Put' ? (s.data.Item as Item) : s.kind === 'Update' ? (out.Attributes as Item) : undefined;
          this.changes.publish(s.table, olds[i], now);
        }
        return {};
      },
    );
  }

  private keyOf(table: string, item: Item): Item {
    const keys = this.keyAttributes.get(table) ?? [];
    const out: Item = {};
    for (const k of keys) if (k in item) out[k] = item[k];
    return out;
  }

  /** Waits until a created/updated table (and its indexes) is ACTIVE, or a deleted one is gone. */
  private async waitActive(table: string, gone: boolean): Promise<void> {
    for (let i = 0; i < 500; i++) {
      try {
        const { Table } = (await runDynalite(this.store, 'DescribeTable', { TableName: table })) as { Table: Input };
        const gsis = (Table.GlobalSecondaryIndexes as { IndexStatus?: string }[] | undefined) ?? [];
        if (!gone && Table.TableStatus === 'ACTIVE' && gsis.every((g) => !g.IndexStatus || g.IndexStatus === 'ACTIVE')) return;
      } catch (err) {
        if (gone && err instanceof DynamoDbError && err.type === 'ResourceNotFoundException') return;
        if (!(err instanceof DynamoDbError && err.type === 'ResourceNotFoundException')) throw err;
      }
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  /** Key attribute names of a table (undefined when it does not exist). */
  keySchemaOf(table: string): string[] | undefined {
    return this.keyAttributes.get(table);
  }

  /** Every item of a table (migrations, reset). */
  async scanAll(table: string): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const page = (await runDynalite(this.store, 'Scan', start ? { TableName: table, ExclusiveStartKey: start } : { TableName: table })) as {
        Items: Item[];
        LastEvaluatedKey?: Item;
      };
      items.push(...page.Items);
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /** Drops every item of every table; tables and streams stay. No change records (an admin reset, not writes). */
  async reset(): Promise<void> {
    for (const table of [...this.keyAttributes.keys()]) {
      const keys = this.keyAttributes.get(table)!;
      for (const item of await this.scanAll(table)) {
        const key: Item = {};
        for (const k of keys) key[k] = item[k];
        await runDynalite(this.store, 'DeleteItem', { TableName: table, Key: key });
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.locks.values()]);
    await closeStore(this.store);
  }
}
