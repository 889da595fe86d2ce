import path from 'node:path';
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../src/local/core/clock.js';
import { silentLogger } from '../../../../src/local/core/logger.js';
import { LocalDynamo } from '../../../../src/local/data/dynamo/local_dynamo.js';
import { ensureTables } from '../../../../src/local/data/dynamo/tables.js';
import { until } from '../../../helpers/until.js';
import { tempDir, thingTable } from './helpers.js';

const table = thingTable();
const T = table.tableName;

const dirs: string[] = [];
const opened: LocalDynamo[] = [];
afterEach(async () => {
  for (const d of opened.splice(0)) await d.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A local DynamoDB whose LevelDB iterators are counted: opened, and closed again. */
async function openCounted() {
  const dir = tempDir();
  dirs.push(dir);
  const d = await LocalDynamo.open({ dir: path.join(dir, 'dynamodb'), region: 'us-east-1', accountId: '123456789012', clock: new ManualClock(), log: silentLogger });
  opened.push(d);
  await ensureTables(d, [table], silentLogger);
  // The engine's LevelDB handle (internal): every range read makes an iterator through keys()/values().
  const level = (d as unknown as { store: { db: Record<string, (o: unknown) => { close(): Promise<void> }> } }).store.db;
  const counts = { opened: 0, closed: 0 };
  for (const method of ['keys', 'values'] as const) {
    const original = level[method].bind(level);
    level[method] = (options: unknown) => {
      const it = original(options);
      counts.opened++;
      const close = it.close.bind(it);
      it.close = () => {
        counts.closed++;
        return close();
      };
      return it;
    };
  }
  const call = async (op: string, body: unknown) => {
    const r = await d.handleJson(`DynamoDB_20120810.${op}`, JSON.stringify(body));
    expect(r.status, r.body).toBe(200);
    return JSON.parse(r.body) as { Items?: unknown[]; LastEvaluatedKey?: unknown };
  };
  for (let i = 0; i < 30; i++) await call('PutItem', { TableName: T, Item: { id: { S: `t${String(i).padStart(2, '0')}` }, group: { S: i % 2 ? 'odd' : 'even' } } });
  return { call, counts };
}

const allClosed = (counts: { opened: number; closed: number }) => (counts.closed >= counts.opened ? true : undefined);

describe('LevelDB iterators of Query and Scan', () => {
  it('closes the iterator of a Scan or Query that stops at its Limit (the list resolvers send one on every page)', async () => {
    const { call, counts } = await openCounted();
    const before = counts.opened;
    for (let i = 0; i < 10; i++) {
      expect((await call('Scan', { TableName: T, Limit: 5 })).Items).toHaveLength(5);
      expect((await call('Query', { TableName: T, IndexName: 'byGroup', KeyConditionExpression: '#g = :g', ExpressionAttributeNames: { '#g': 'group' }, ExpressionAttributeValues: { ':g': { S: 'odd' } }, Limit: 3 })).Items).toHaveLength(3);
    }
    expect(counts.opened - before).toBeGreaterThanOrEqual(20);
    await until(() => allClosed(counts), 2000, 'every iterator to be closed');
  });

  it('closes the iterators of a paginated Scan and of scans that read to the end', async () => {
    const { call, counts } = await openCounted();
    let start: unknown;
    let pages = 0;
    do {
      const page = await call('Scan', { TableName: T, Limit: 7, ...(start ? { ExclusiveStartKey: start } : {}) });
      start = page.LastEvaluatedKey;
      pages++;
    } while (start && pages < 20);
    expect(pages).toBeGreaterThan(4);
    expect((await call('Scan', { TableName: T })).Items).toHaveLength(30);
    await until(() => allClosed(counts), 2000, 'every iterator to be closed');
  });
});
