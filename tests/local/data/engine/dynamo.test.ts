import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { TableModel } from '../../../../src/local/assembly/model.js';
import { ManualClock } from '../../../../src/local/core/clock.js';
import { silentLogger } from '../../../../src/local/core/logger.js';
import type { ChangeRecord } from '../../../../src/local/core/registry.js';
import { LocalDynamo } from '../../../../src/local/data/dynamo/local_dynamo.js';
import { ensureTables } from '../../../../src/local/data/dynamo/tables.js';
import { tempDir, thingTable } from './helpers.js';

const table = thingTable({
  streamViewType: 'NEW_AND_OLD_IMAGES',
  streamArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/Thing-local-NONE/stream/2026-01-01T00:00:00.000',
});

const dirs: string[] = [];
const opened: LocalDynamo[] = [];

async function open(dir = tempDir(), tables: TableModel[] = [table]): Promise<LocalDynamo> {
  if (!dirs.includes(dir)) dirs.push(dir);
  const d = await LocalDynamo.open({ dir: path.join(dir, 'dynamodb'), region: 'us-east-1', accountId: '123456789012', clock: new ManualClock(), log: silentLogger });
  opened.push(d);
  await ensureTables(d, tables, silentLogger);
  return d;
}

afterEach(async () => {
  for (const d of opened.splice(0)) await d.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const T = table.tableName;
const json = async (d: LocalDynamo, op: string, body: unknown) => {
  const r = await d.handleJson(`DynamoDB_20120810.${op}`, JSON.stringify(body));
  return { status: r.status, body: JSON.parse(r.body) as Record<string, unknown>, headers: r.headers };
};

describe('local DynamoDB', () => {
  it('feeds INSERT, MODIFY and REMOVE records with keys, images and increasing sequence numbers', async () => {
    const d = await open();
    const records: ChangeRecord[] = [];
    d.changes.subscribe(T, (batch) => {
      records.push(...batch);
    });
    await json(d, 'PutItem', { TableName: T, Item: { id: { S: 'a' }, n: { N: '1' } } });
    await json(d, 'UpdateItem', { TableName: T, Key: { id: { S: 'a' } }, UpdateExpression: 'SET n = n + :one', ExpressionAttributeValues: { ':one': { N: '1' } } });
    await json(d, 'DeleteItem', { TableName: T, Key: { id: { S: 'a' } } });
    await json(d, 'DeleteItem', { TableName: T, Key: { id: { S: 'never-existed' } } });
    await d.changes.idle();
    expect(records.map((r) => r.eventName)).toEqual(['INSERT', 'MODIFY', 'REMOVE']);
    expect(records[1].dynamodb).toMatchObject({
      Keys: { id: { S: 'a' } },
      OldImage: { id: { S: 'a' }, n: { N: '1' } },
      NewImage: { id: { S: 'a' }, n: { N: '2' } },
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    });
    expect(records[2].dynamodb.NewImage).toBeUndefined();
    expect(records[0]).toMatchObject({ eventSource: 'aws:dynamodb', awsRegion: 'us-east-1', eventSourceARN: table.streamArn, tableName: T });
    const seq = records.map((r) => BigInt(r.dynamodb.SequenceNumber));
    expect(seq[0] < seq[1] && seq[1] < seq[2]).toBe(true);
  });

  it('feeds writes made in a batch and in a transaction', async () => {
    const d = await open();
    const records: ChangeRecord[] = [];
    d.changes.subscribe(T, (batch) => {
      records.push(...batch);
    });
    await json(d, 'BatchWriteItem', { RequestItems: { [T]: [{ PutRequest: { Item: { id: { S: 'b1' } } } }, { PutRequest: { Item: { id: { S: 'b2' } } } }] } });
    const tx = await json(d, 'TransactWriteItems', {
      TransactItems: [{ Put: { TableName: T, Item: { id: { S: 't1' } } } }, { Delete: { TableName: T, Key: { id: { S: 'b1' } } } }],
    });
    expect(tx.status).toBe(200);
    await d.changes.idle();
    expect(records.map((r) => `${r.eventName}:${String((r.dynamodb.Keys.id as { S: string }).S)}`)).toEqual(['INSERT:b1', 'INSERT:b2', 'INSERT:t1', 'REMOVE:b1']);
  });

  it('cancels a transaction whose condition fails, writing nothing', async () => {
    const d = await open();
    await json(d, 'PutItem', { TableName: T, Item: { id: { S: 'x' }, v: { S: 'old' } } });
    const r = await json(d, 'TransactWriteItems', {
      TransactItems: [
        { Put: { TableName: T, Item: { id: { S: 'y' } } } },
        { ConditionCheck: { TableName: T, Key: { id: { S: 'x' } }, ConditionExpression: 'v = :v', ExpressionAttributeValues: { ':v': { S: 'new' } } } },
      ],
    });
    expect(r.status).toBe(400);
    expect(r.body.__type).toBe('com.amazonaws.dynamodb.v20120810#TransactionCanceledException');
    expect(r.body.CancellationReasons).toEqual([{ Code: 'None' }, { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' }]);
    expect((await json(d, 'GetItem', { TableName: T, Key: { id: { S: 'y' } } })).body).toEqual({});
    const got = await json(d, 'TransactGetItems', { TransactItems: [{ Get: { TableName: T, Key: { id: { S: 'x' } } } }, { Get: { TableName: T, Key: { id: { S: 'y' } } } }] });
    expect(got.body).toEqual({ Responses: [{ Item: { id: { S: 'x' }, v: { S: 'old' } } }, {}] });
  });

  it('undoes the writes already made when a later write of the transaction fails, and feeds none of them', async () => {
    const d = await open();
    await json(d, 'PutItem', { TableName: T, Item: { id: { S: 'kept' }, v: { S: 'old' } } });
    await json(d, 'PutItem', { TableName: T, Item: { id: { S: 'text' }, n: { S: 'not a number' } } });
    await d.changes.idle();
    const records: ChangeRecord[] = [];
    d.changes.subscribe(T, (batch) => {
      records.push(...batch);
    });
    const r = await json(d, 'TransactWriteItems', {
      TransactItems: [
        { Put: { TableName: T, Item: { id: { S: 'new' } } } },
        { Put: { TableName: T, Item: { id: { S: 'kept' }, v: { S: 'replaced' } } } },
        { Update: { TableName: T, Key: { id: { S: 'text' } }, UpdateExpression: 'SET n = n + :one', ExpressionAttributeValues: { ':one': { N: '1' } } } },
      ],
    });
    expect(r.status).toBe(400);
    expect(r.body.__type).toBe('com.amazonaws.dynamodb.v20120810#TransactionCanceledException');
    const reasons = r.body.CancellationReasons as { Code: string; Message?: string }[];
    expect(reasons.map((x) => x.Code)).toEqual(['None', 'None', 'ValidationError']);
    expect(reasons[2].Message).toMatch(/operand|type/i);
    const got = await json(d, 'TransactGetItems', {
      TransactItems: ['new', 'kept', 'text'].map((id) => ({ Get: { TableName: T, Key: { id: { S: id } } } })),
    });
    expect(got.body).toEqual({ Responses: [{}, { Item: { id: { S: 'kept' }, v: { S: 'old' } } }, { Item: { id: { S: 'text' }, n: { S: 'not a number' } } }] });
    await d.changes.idle();
    expect(records).toEqual([]);
  });

  it('answers with DynamoDB’s own errors', async () => {
    const d = await open();
    const unknown = await d.handleJson('DynamoDB_20120810.ExecuteStatement', '{}');
    expect([unknown.status, JSON.parse(unknown.body).__type]).toEqual([400, 'com.amazon.coral.service#UnknownOperationException']);
    const bad = await d.handleJson('DynamoDB_20120810.GetItem', '{not json');
    expect(JSON.parse(bad.body).__type).toBe('com.amazon.coral.service#SerializationException');
    const missing = await json(d, 'GetItem', { TableName: 'NoSuchTable', Key: { id: { S: 'a' } } });
    expect(missing.body.__type).toBe('com.amazonaws.dynamodb.v20120810#ResourceNotFoundException');
    const big = await json(d, 'PutItem', { TableName: T, Item: { id: { S: 'big' }, blob: { S: 'x'.repeat(410 * 1024) } } });
    expect([big.status, big.body.__type, big.body.message]).toEqual([400, 'com.amazon.coral.validate#ValidationException', 'Item size has exceeded the maximum allowed size']);
    const cond = await json(d, 'PutItem', { TableName: T, Item: { id: { S: 'c' } }, ConditionExpression: 'attribute_exists(id)' });
    expect(cond.body.__type).toBe('com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException');
    expect(cond.headers['x-amzn-errortype']).toBe('ConditionalCheckFailedException');
  });

  it('keeps its items across a restart', async () => {
    const dir = tempDir();
    const first = await open(dir);
    await json(first, 'PutItem', { TableName: T, Item: { id: { S: 'kept' }, group: { S: 'g' } } });
    await first.close();
    opened.splice(opened.indexOf(first), 1);
    const second = await open(dir);
    expect((await json(second, 'GetItem', { TableName: T, Key: { id: { S: 'kept' } } })).body).toEqual({ Item: { id: { S: 'kept' }, group: { S: 'g' } } });
    const q = await json(second, 'Query', { TableName: T, IndexName: 'byGroup', KeyConditionExpression: '#g = :g', ExpressionAttributeNames: { '#g': 'group' }, ExpressionAttributeValues: { ':g': { S: 'g' } } });
    expect(q.body.Count).toBe(1);
  });

  it('keeps acknowledged writes when the process is killed with SIGKILL', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'write_then_wait.ts'), path.join(dir, 'dynamodb'), 'k1', 'k2'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('written')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`child exited early with ${code}`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const d = await LocalDynamo.open({ dir: path.join(dir, 'dynamodb'), region: 'us-east-1', accountId: '123456789012', clock: new ManualClock(), log: silentLogger });
    opened.push(d);
    const scan = await json(d, 'Scan', { TableName: 'Crash-local' });
    expect((scan.body.Items as { id: { S: string } }[]).map((i) => i.id.S).sort()).toEqual(['k1', 'k2']);
  });

  it('rebuilds a table whose indexes changed, keeping its items', async () => {
    const dir = tempDir();
    const first = await open(dir);
    await json(first, 'PutItem', { TableName: T, Item: { id: { S: 'i1' }, kind: { S: 'k' } } });
    await first.close();
    opened.splice(opened.indexOf(first), 1);
    const changed: TableModel = {
      ...table,
      attributeDefinitions: [...table.attributeDefinitions, { attributeName: 'kind', attributeType: 'S' }],
      globalSecondaryIndexes: [...table.globalSecondaryIndexes, { indexName: 'byKind', keySchema: [{ attributeName: 'kind', keyType: 'HASH' }], projection: { projectionType: 'ALL' } }],
    };
    const second = await open(dir, [changed]);
    const q = await json(second, 'Query', { TableName: T, IndexName: 'byKind', KeyConditionExpression: 'kind = :k', ExpressionAttributeValues: { ':k': { S: 'k' } } });
    expect(q.body.Items).toEqual([{ id: { S: 'i1' }, kind: { S: 'k' } }]);
  });

  it('answers key lookups through Query exactly like a range query, request after request', async () => {
    const d = await open();
    await json(d, 'PutItem', { TableName: T, Item: { id: { S: 'q' }, n: { N: '5' }, s: { S: 'x' } } });
    for (let i = 0; i < 3; i++) {
      // Reversed operands are rewritten by DynamoDB's key-condition rules; repeated requests must keep working.
      expect((await json(d, 'Query', { TableName: T, KeyConditionExpression: ':v = id', ExpressionAttributeValues: { ':v': { S: 'q' } } })).body).toEqual({ ScannedCount: 1, Count: 1, Items: [{ id: { S: 'q' }, n: { N: '5' }, s: { S: 'x' } }] });
    }
    const filtered = await json(d, 'Query', { TableName: T, KeyConditionExpression: 'id = :v', FilterExpression: 'n > :five', ExpressionAttributeValues: { ':v': { S: 'q' }, ':five': { N: '5' } } });
    expect(filtered.body).toEqual({ ScannedCount: 1, Count: 0, Items: [] });
    const projected = await json(d, 'Query', { TableName: T, KeyConditionExpression: 'id = :v', ProjectionExpression: 's', ExpressionAttributeValues: { ':v': { S: 'q' } }, Limit: 1 });
    expect(projected.body).toEqual({ ScannedCount: 1, Count: 1, Items: [{ s: { S: 'x' } }], LastEvaluatedKey: { id: { S: 'q' } } });
    const counted = await json(d, 'Query', { TableName: T, KeyConditionExpression: 'id = :v', Select: 'COUNT', ExpressionAttributeValues: { ':v': { S: 'q' } } });
    expect(counted.body).toEqual({ ScannedCount: 1, Count: 1 });
    const onKey = await json(d, 'Query', { TableName: T, KeyConditionExpression: 'id = :v', FilterExpression: 'id = :v', ExpressionAttributeValues: { ':v': { S: 'q' } } });
    expect(onKey.body.message).toBe('Filter Expression can only contain non-primary key attributes: Primary key attribute: id');
    for (let i = 0; i < 2; i++) {
      const unused = await json(d, 'Query', { TableName: T, KeyConditionExpression: 'id = :v', ExpressionAttributeValues: { ':v': { S: 'q' }, ':x': { S: 'y' } } });
      expect(unused.body.message).toBe('Value provided in ExpressionAttributeValues unused in expressions: keys: {:x}');
    }
  });

  it('drops every item on reset and keeps the tables', async () => {
    const d = await open();
    await json(d, 'PutItem', { TableName: T, Item: { id: { S: 'r' } } });
    await d.reset();
    expect((await json(d, 'Scan', { TableName: T })).body.Count).toBe(0);
  });
});
