/**
 * Creates the model's tables at start when absent. A table whose key schema or indexes changed
 * since the data was written (the schema evolved) is rebuilt with its items copied over, the way
 * Amplify's table manager replaces tables on index changes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TableModel } from '../../assembly/model.js';
import type { Logger } from '../../core/logger.js';
import { DynamoDbError } from './dynalite.js';
import type { LocalDynamo } from './local_dynamo.js';

type Input = Record<string, unknown>;

function createTableInput(t: TableModel): Input {
  const input: Input = {
    TableName: t.tableName,
    AttributeDefinitions: t.attributeDefinitions.map((a) => ({ AttributeName: a.attributeName, AttributeType: a.attributeType })),
    KeySchema: t.keySchema.map((k) => ({ AttributeName: k.attributeName, KeyType: k.keyType })),
    BillingMode: 'PAY_PER_REQUEST',
  };
  const index = (i: TableModel['globalSecondaryIndexes'][number]) => ({
    IndexName: i.indexName,
    KeySchema: i.keySchema.map((k) => ({ AttributeName: k.attributeName, KeyType: k.keyType })),
    Projection: {
      ProjectionType: i.projection.projectionType,
      ...(i.projection.nonKeyAttributes?.length ? { NonKeyAttributes: i.projection.nonKeyAttributes } : {}),
    },
  });
  if (t.globalSecondaryIndexes.length) input.GlobalSecondaryIndexes = t.globalSecondaryIndexes.map(index);
  if (t.localSecondaryIndexes.length) input.LocalSecondaryIndexes = t.localSecondaryIndexes.map(index);
  return input;
}

/** A comparable description of keys and indexes. */
function shape(desc: Input): string {
  const keys = (ks: unknown) => JSON.stringify((ks as { AttributeName: string; KeyType: string }[] | undefined)?.map((k) => `${k.AttributeName}:${k.KeyType}`) ?? []);
  const idx = (list: unknown) =>
    ((list as Input[] | undefined) ?? [])
      .map((i) => `${String(i.IndexName)}=${keys(i.KeySchema)}/${JSON.stringify(i.Projection ?? {})}`)
      .sort()
      .join(';');
  const attrs = ((desc.AttributeDefinitions as { AttributeName: string; AttributeType: string }[] | undefined) ?? [])
    .map((a) => `${a.AttributeName}:${a.AttributeType}`)
    .sort()
    .join(',');
  return `${keys(desc.KeySchema)}|${attrs}|${idx(desc.GlobalSecondaryIndexes)}|${idx(desc.LocalSecondaryIndexes)}`;
}

function keyNames(desc: Input): string {
  return ((desc.KeySchema as { AttributeName: string; KeyType: string }[] | undefined) ?? [])
    .map((k) => (k.KeyType === 'RANGE' ? `${k.AttributeName} (sort)` : k.AttributeName))
    .join(' + ');
}

/**
 * Creates absent tables and rebuilds changed ones. Items that do not fit a rebuilt table's new keys
 * are dropped, and written to `<backupDir>/<table>-<time>.json` when `backupDir` is given. Returns
 * one line per rebuilt table, for the developer (also logged as warnings).
 */
export async function ensureTables(dynamo: LocalDynamo, tables: TableModel[], log: Logger, backupDir?: string): Promise<string[]> {
  const notes: string[] = [];
  for (const t of tables) {
    const wanted = createTableInput(t);
    let existing: Input | undefined;
    try {
      existing = ((await dynamo.request('DescribeTable', { TableName: t.tableName })) as { Table: Input }).Table;
    } catch (err) {
      if (!(err instanceof DynamoDbError && err.type === 'ResourceNotFoundException')) throw err;
    }
    if (!existing) {
      await dynamo.request('CreateTable', wanted);
    } else if (shape(existing) !== shape(wanted)) {
      const items = await dynamo.scanAll(t.tableName);
      const before = keyNames(existing);
      const after = keyNames(wanted);
      const what = before === after ? 'indexes changed' : `key changed from ${before} to ${after}`;
      log.warn(`table ${t.tableName}: ${what}, rebuilding it with its ${items.length} item(s)`);
      await dynamo.request('DeleteTable', { TableName: t.tableName });
      await dynamo.request('CreateTable', wanted);
      const dropped: unknown[] = [];
      for (const item of items) {
        try {
          await dynamo.request('PutItem', { TableName: t.tableName, Item: item });
        } catch {
          dropped.push(item);
        }
      }
      let note = `table ${t.tableName}: ${what}; ${items.length - dropped.length} of ${items.length} item(s) kept`;
      if (dropped.length) {
        note += `, ${dropped.length} without the new key were dropped`;
        if (backupDir) {
          mkdirSync(backupDir, { recursive: true });
          const file = path.join(backupDir, `${t.tableName}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
          writeFileSync(file, `${JSON.stringify(dropped, null, 2)}\n`);
          note += ` (saved in ${file})`;
        }
        log.warn(note);
      }
      notes.push(note);
    }
    if (t.streamViewType && t.streamArn) dynamo.enableStream(t.tableName, t.streamViewType, t.streamArn);
  }
  return notes;
}

