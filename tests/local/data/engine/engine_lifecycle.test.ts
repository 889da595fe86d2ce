import { rmSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BackendModel, DataModel } from '../../../../src/local/assembly/model.js';
import type { ChangeRecord, InvokeResult } from '../../../../src/local/core/registry.js';
import { EngineStartError } from '../../../../src/local/data/engine/index.js';
import { errorTypes, ourModel, startEngine, tempDir, userPool } from './helpers.js';

const alice = userPool('alice');
let model: BackendModel;

beforeAll(async () => {
  model = await ourModel();
});

function withData(change: (d: DataModel) => void): BackendModel {
  const data = structuredClone(model.data!);
  change(data);
  return { ...model, data };
}

async function startError(m: BackendModel): Promise<EngineStartError> {
  try {
    const t = await startEngine(m);
    await t.close();
  } catch (e) {
    if (e instanceof EngineStartError) return e;
    throw e;
  }
  throw new Error('the engine started');
}

describe('engine start', () => {
  it('fails with the resolver and function names when a template cannot be parsed', async () => {
    const broken = withData((d) => {
      const getPost = d.resolvers.find((r) => r.typeName === 'Query' && r.fieldName === 'getPost')!;
      const fn = d.functions.find((f) => f.id === getPost.pipeline[getPost.pipeline.length - 1])!;
      fn.requestTemplate = '#if( $ctx.args.id \n $util.toJson({})';
    });
    const err = await startError(broken);
    expect(err.problems.some((p) => p.startsWith('resolver Query.getPost (function ') && p.includes('request template: parse error'))).toBe(true);
    expect(err.message).toContain('Query.getPost');
  });

  it('lists data sources it cannot emulate instead of ignoring them', async () => {
    const http = withData((d) => {
      d.dataSources.push({ name: 'Remote', type: 'HTTP' });
      d.resolvers.push({ typeName: 'Query', fieldName: 'getPost', kind: 'UNIT', pipeline: [], dataSource: 'Remote', runtime: 'VTL', requestTemplate: '{}', responseTemplate: '{}' });
    });
    const err = await startError(http);
    expect(err.problems).toContainEqual(expect.stringContaining("data source 'Remote' of type HTTP is not supported locally"));
  });

  it('describes what it serves', async () => {
    const t = await startEngine(model);
    expect(t.engine.describe()[0]).toMatch(/^GraphQL engine: \d+ resolvers/);
    await t.close();
  });

  it('keeps data across a restart on the same data dir', async () => {
    const dataDir = tempDir();
    const first = await startEngine(model, { dataDir });
    await first.run(alice, `mutation { createPost(input: {id: "kept", title: "T", content: "C"}) { id } }`);
    await first.close();
    const second = await startEngine(model, { dataDir });
    expect(await second.run(alice, `query { getPost(id: "kept") { id title } }`)).toEqual({ data: { getPost: { id: 'kept', title: 'T' } } });
    await second.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
});

describe('engine data sources', () => {
  it('feeds the change feed from resolver writes', async () => {
    const t = await startEngine(model);
    const table = model.data!.tables.find((x) => x.modelName === 'Post')!.tableName;
    const records: ChangeRecord[] = [];
    t.engine.changes.subscribe(table, (batch) => {
      records.push(...batch);
    });
    await t.run(alice, `mutation { createPost(input: {id: "fed", title: "T", content: "C"}) { id } }`);
    await t.run(alice, `mutation { updatePost(input: {id: "fed", title: "T2"}) { id } }`);
    await t.run(alice, `mutation { deletePost(input: {id: "fed"}) { id } }`);
    for (let i = 0; i < 20 && records.length < 3; i++) await new Promise((r) => setTimeout(r, 5));
    expect(records.map((r) => r.eventName)).toEqual(['INSERT', 'MODIFY', 'REMOVE']);
    expect(records[0].dynamodb.NewImage).toMatchObject({ id: { S: 'fed' }, title: { S: 'T' }, owner: { S: 'sub-alice::alice' } });
    expect(records[1].dynamodb.OldImage).toMatchObject({ title: { S: 'T' } });
    await t.close();
  });

  it('rejects an item over 400 KB with DynamoDB’s validation error', async () => {
    const t = await startEngine(model);
    const r = await t.run(alice, `mutation C($c: String!) { createPost(input: {id: "huge", title: "T", content: $c}) { id } }`, { c: 'x'.repeat(410 * 1024) });
    expect(r.data).toEqual({ createPost: null });
    expect(r.errors?.[0].errorType).toBe('DynamoDB:DynamoDbException');
    expect(r.errors?.[0].message).toMatch(/^Item size has exceeded the maximum allowed size \(Service: DynamoDb/);
    await t.close();
  });

  it('answers Lambda:Unhandled with a local note when no functions service is running', async () => {
    const t = await startEngine(model);
    await t.run(alice, `mutation { createPost(input: {id: "lp", title: "T", content: "C"}) { id } }`);
    const r = await t.run(alice, `mutation { processPost(postId: "lp") { id } }`);
    expect(r.data).toEqual({ processPost: null });
    expect(r.errors?.[0]).toMatchObject({ errorType: 'Lambda:Unhandled', path: ['processPost'] });
    expect(r.errors?.[0].message).toContain('((local: the functions service is not running))');
    await t.close();
  });

  it('invokes the function with AppSync’s event and returns its result', async () => {
    const calls: { id: string; event: Record<string, unknown> }[] = [];
    const invokeFunction = async (id: string, event: unknown): Promise<InvokeResult> => {
      calls.push({ id, event: event as Record<string, unknown> });
      return { payload: { id: 'lp', title: 'From function', content: 'C' } };
    };
    const t = await startEngine(model, { invokeFunction });
    const r = await t.run(alice, `mutation { processPost(postId: "lp") { id title } }`, undefined, undefined, { headers: { 'x-test': '1' } });
    expect(r).toEqual({ data: { processPost: { id: 'lp', title: 'From function' } } });
    expect(calls).toHaveLength(1);
    const lambdaDs = model.data!.dataSources.find((d) => d.type === 'AWS_LAMBDA')!;
    expect(calls[0].id).toBe(lambdaDs.functionLogicalId);
    expect(calls[0].event).toMatchObject({ typeName: 'Mutation', fieldName: 'processPost', arguments: { postId: 'lp' }, identity: { sub: 'sub-alice', username: 'alice' }, request: { headers: { 'x-test': '1' } } });
    await t.close();
  });

  it('reports a function error as Lambda:Unhandled with its message', async () => {
    const t = await startEngine(model, { invokeFunction: async () => ({ payload: { errorType: 'Error', errorMessage: 'not your post' }, functionError: 'Unhandled' }) });
    const r = await t.run(alice, `mutation { processPost(postId: "x") { id } }`);
    expect(errorTypes(r)).toEqual(['Lambda:Unhandled']);
    expect(r.errors?.[0].message).toBe('not your post');
    await t.close();
  });
});
