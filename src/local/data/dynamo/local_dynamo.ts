/**
 * The local DynamoDB: dynalite's engine in-process on a LevelDB store under the data dir
 * (durable across `kill -9`: LevelDB's log is written before each write returns), plus what
 * dynalite lacks and the local cloud needs:
 * - a change feed (old/new images captured around every write, writes serialized per item),
 * - TransactWriteItems / TransactGetItems (transactions.ts),
 * - DynamoDB's JSON protocol for functions' SDK calls (`handleJson`, ../dynamodb_wire.ts).
 */
import { mkdirSync } from 'node:fs';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { handleDynamoDbJson, type DynamoDbJsonResponse } from '../dynamodb_wire.js';
import type { DynamoEngine } from '../engine/types.js';
import { LocalChangeFeed, type StreamViewType } from './change_feed.js';
import {
  DYNALITE_OPERATIONS,
  DynamoDbError,
  closeStore,
  openStore,
  queryByKey,
  runDynalite,
  runValidated,
  setStoreIdentity,
  validated,
  type Store,
} from './dynalite.js';
import { ItemLocks } from './item_locks.js';
import { transactGet, transactWrite, type TransactionContext } from './transactions.js';

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

export class LocalDynamo implements DynamoEngine {
  readonly changes: LocalChangeFeed;
  private readonly store: Store;
  /** Key attribute names per table (for per-item locks and stream keys). */
  private readonly keyAttributes = new Map<string, string[]>();
  private readonly locks = new ItemLocks((table) => this.keyAttributes.get(table));
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
        return transactWrite(this.transactionContext(), input);
      case 'TransactGetItems':
        return transactGet(this.store, input);
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
  handleJson(target: string, body: string): Promise<DynamoDbJsonResponse> {
    return handleDynamoDbJson({ supports: (op) => SUPPORTED.has(op), request: (op, input) => this.request(op, input) }, target, body, this.opts.log);
  }

  private async put(input: Input): Promise<Input> {
    const table = String(input.TableName ?? '');
    const wanted = input.ReturnValues;
    const data = validated(this.store, 'PutItem', { ...input, ReturnValues: 'ALL_OLD' });
    return this.locks.withLocks([this.locks.keyOf(table, data.Item)], async () => {
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
    return this.locks.withLocks([this.locks.keyOf(table, data.Key)], async () => {
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
    return this.locks.withLocks([this.locks.keyOf(table, data.Key)], async () => {
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

  private transactionContext(): TransactionContext {
    return {
      store: this.store,
      changes: this.changes,
      locks: this.locks,
      currentItem: (table, key) => this.currentItem(table, key),
      keyOf: (table, item) => this.keyOf(table, item),
    };
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

  /** Every item of a table, a page at a time (snapshot exports of large tables). */
  async *scanPages(table: string): AsyncGenerator<Item[]> {
    let start: Item | undefined;
    do {
      const page = (await runDynalite(this.store, 'Scan', start ? { TableName: table, ExclusiveStartKey: start } : { TableName: table })) as {
        Items: Item[];
        LastEvaluatedKey?: Item;
      };
      yield page.Items;
      start = page.LastEvaluatedKey;
    } while (start);
  }

  /** Checks an item as PutItem would (attribute value shapes, size) without writing it. Throws DynamoDbError. */
  checkItem(table: string, item: Item): void {
    validated(this.store, 'PutItem', { TableName: table, Item: item });
  }

  /**
   * Writes items as they are, with no change records: a snapshot import restores state, it is not
   * a series of writes that streams or subscriptions should see.
   */
  async restoreItems(table: string, items: AsyncIterable<Item> | Iterable<Item>): Promise<number> {
    let n = 0;
    for await (const item of items) {
      await runDynalite(this.store, 'PutItem', { TableName: table, Item: item });
      n += 1;
    }
    return n;
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
    await this.locks.settled();
    await closeStore(this.store);
  }
}
