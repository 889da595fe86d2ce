import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackendModel, DataModel } from '../../../../src/local/assembly/model.js';
import type { MutationEvent } from '../../../../src/local/data/engine/index.js';
import { startEngine, userPool, type TestEngine } from './helpers.js';

/**
 * A hand-written API (not from a synthesized backend) exercising AppSync behaviours the generated
 * templates do not: unit resolvers, error data, appended errors, JS resolvers, batch and
 * transaction operations, selection lists, invalidation, group directives and limits.
 */
const schema = /* GraphQL */ `
  type Note @aws_cognito_user_pools @aws_api_key {
    id: ID!
    text: String
    tags: [String]
    meta: AWSJSON
  }
  type Query {
    fail(id: ID!): Note
    warn: Note
    early: String
    info: Note
    jsEcho(text: String!): String
    jsFail: String
    batch(ids: [ID!]!): [Note]
    adminOnly: String @aws_cognito_user_pools(cognito_groups: ["Admins"])
    deep: Note
    json(value: AWSJSON): AWSJSON
    jsGet(id: ID!): Note
    batched(id: ID!): String
  }
  type Mutation {
    putNotes(ids: [ID!]!): [Note]
    transfer(from: ID!, to: ID!): [ID]
    closeNote(id: ID!): Note
    jsPut(id: ID!, text: String!): Note
    jsBump(id: ID!): Note
  }
  type Subscription {
    onCloseNote(id: ID): Note @aws_subscribe(mutations: ["closeNote"])
  }
`;

const T = 'Note-local-NONE';
const unit = (typeName: string, fieldName: string, dataSource: string, requestTemplate: string, responseTemplate: string) => ({
  typeName,
  fieldName,
  kind: 'UNIT' as const,
  pipeline: [],
  dataSource,
  runtime: 'VTL' as const,
  requestTemplate,
  responseTemplate,
});

const data: DataModel = {
  apiLogicalId: 'Api',
  apiId: 'localapi',
  name: 'semantics',
  defaultAuthMode: 'AMAZON_COGNITO_USER_POOLS',
  additionalAuthModes: ['API_KEY'],
  schema,
  dataSources: [
    { name: 'NONE_DS', type: 'NONE' },
    { name: 'NoteTable', type: 'AMAZON_DYNAMODB', tableName: T },
    { name: 'BatchFn', type: 'AWS_LAMBDA', functionLogicalId: 'fnBatch' },
  ],
  tables: [
    {
      logicalId: 'NoteTable',
      tableName: T,
      keySchema: [{ attributeName: 'id', keyType: 'HASH' }],
      attributeDefinitions: [{ attributeName: 'id', attributeType: 'S' }],
      globalSecondaryIndexes: [],
      localSecondaryIndexes: [],
      arn: `arn:aws:dynamodb:us-east-1:123456789012:table/${T}`,
    },
  ],
  functions: [
    {
      id: 'js-put',
      name: 'JsPut',
      dataSource: 'NoteTable',
      runtime: 'APPSYNC_JS',
      code: `import * as ddb from '@aws-appsync/utils/dynamodb';
        import { util } from '@aws-appsync/utils';
        export function request(ctx) {
          return ddb.put({ key: { id: ctx.args.id }, item: { text: ctx.args.text, tags: [] }, condition: { id: { attributeExists: false } } });
        }
        export function response(ctx) {
          if (ctx.error) util.error(ctx.error.message, ctx.error.type);
          return ctx.result;
        }`,
    },
    {
      id: 'js-bump',
      name: 'JsBump',
      dataSource: 'NoteTable',
      runtime: 'APPSYNC_JS',
      code: `import { update, operations } from '@aws-appsync/utils/dynamodb';
        export function request(ctx) {
          return update({ key: { id: ctx.args.id }, update: { text: operations.replace('bumped'), tags: operations.append(['x']) } });
        }
        export function response(ctx) { return ctx.result; }`,
    },
    {
      id: 'js-get',
      name: 'JsGet',
      dataSource: 'NoteTable',
      runtime: 'APPSYNC_JS',
      code: `import { get } from '@aws-appsync/utils/dynamodb';
        export const request = (ctx) => get({ key: { id: ctx.args.id } });
        export const response = (ctx) => ctx.result;`,
    },
    {
      id: 'js-echo',
      name: 'JsEcho',
      dataSource: 'NONE_DS',
      runtime: 'APPSYNC_JS',
      code: `import { util, runtime } from '@aws-appsync/utils';
        export function request(ctx) {
          if (ctx.args.text === 'early') runtime.earlyReturn('returned early');
          return { payload: { text: ctx.args.text.toUpperCase(), id: util.autoId() } };
        }
        export function response(ctx) { return ctx.result.text + ':' + ctx.info.fieldName; }`,
    },
    {
      id: 'js-fail',
      name: 'JsFail',
      dataSource: 'NONE_DS',
      runtime: 'APPSYNC_JS',
      code: `import { util } from '@aws-appsync/utils';
        export function request(ctx) { return {}; }
        export function response(ctx) { util.error('js says no', 'JsError'); }`,
    },
  ],
  resolvers: [
    unit(
      'Query',
      'batched',
      'BatchFn',
      '{"version": "2018-05-29", "operation": "BatchInvoke", "payload": {"id": $util.toJson($ctx.args.id)}}',
      '#if($ctx.error)$util.error($ctx.error.message, $ctx.error.type)#end$util.toJson($ctx.result)',
    ),
    { typeName: 'Mutation', fieldName: 'jsPut', kind: 'PIPELINE', pipeline: ['js-put'], runtime: 'VTL', requestTemplate: '{}', responseTemplate: '$util.toJson($ctx.prev.result)' },
    { typeName: 'Mutation', fieldName: 'jsBump', kind: 'PIPELINE', pipeline: ['js-bump'], runtime: 'VTL', requestTemplate: '{}', responseTemplate: '$util.toJson($ctx.prev.result)' },
    { typeName: 'Query', fieldName: 'jsGet', kind: 'PIPELINE', pipeline: ['js-get'], runtime: 'VTL', requestTemplate: '{}', responseTemplate: '$util.toJson($ctx.prev.result)' },
    unit('Query', 'fail', 'NONE_DS', '{"version": "2018-05-29", "payload": {}}', '$util.error("nope", "Custom", {"id": $ctx.args.id, "text": "secret", "tags": ["t"]}, {"why": "test"})'),
    unit('Query', 'warn', 'NONE_DS', '{"version": "2018-05-29", "payload": {"id": "w", "text": "still here"}}', '$util.appendError("careful", "Warning")$util.toJson($ctx.result)'),
    {
      typeName: 'Query',
      fieldName: 'early',
      kind: 'PIPELINE',
      pipeline: ['js-fail'],
      runtime: 'VTL',
      requestTemplate: '#return("from the before template")',
      responseTemplate: '$util.toJson("after")',
    },
    unit('Query', 'info', 'NONE_DS', '{"version": "2018-05-29", "payload": {"id": "$ctx.info.parentTypeName", "tags": $util.toJson($ctx.info.selectionSetList)}}', '$util.toJson($ctx.result)'),
    { typeName: 'Query', fieldName: 'jsEcho', kind: 'PIPELINE', pipeline: ['js-echo'], runtime: 'VTL', requestTemplate: '{}', responseTemplate: '$util.toJson($ctx.prev.result)' },
    { typeName: 'Query', fieldName: 'jsFail', kind: 'PIPELINE', pipeline: ['js-fail'], runtime: 'VTL', requestTemplate: '{}', responseTemplate: '$util.toJson($ctx.prev.result)' },
    unit(
      'Mutation',
      'putNotes',
      'NoteTable',
      `#set($items = [])
#foreach($id in $ctx.args.ids)$util.qr($items.add($util.dynamodb.toMapValues({"id": $id, "text": "note $id", "tags": ["a", "b"]})))#end
{"version": "2018-05-29", "operation": "BatchPutItem", "tables": {"${T}": $util.toJson($items)}}`,
      `$util.toJson($ctx.result.data.get("${T}"))`,
    ),
    unit(
      'Query',
      'batch',
      'NoteTable',
      `#set($keys = [])
#foreach($id in $ctx.args.ids)$util.qr($keys.add({"id": $util.dynamodb.toDynamoDB($id)}))#end
{"version": "2018-05-29", "operation": "BatchGetItem", "tables": {"${T}": {"keys": $util.toJson($keys), "consistentRead": true}}}`,
      `$util.toJson($ctx.result.data.get("${T}"))`,
    ),
    unit(
      'Mutation',
      'transfer',
      'NoteTable',
      `{"version": "2018-05-29", "operation": "TransactWriteItems", "transactItems": [
  {"table": "${T}", "operation": "DeleteItem", "key": {"id": $util.dynamodb.toDynamoDBJson($ctx.args.from)}, "condition": {"expression": "attribute_exists(id)"}},
  {"table": "${T}", "operation": "PutItem", "key": {"id": $util.dynamodb.toDynamoDBJson($ctx.args.to)}, "attributeValues": {"text": {"S": "moved"}}}
]}`,
      `#if($ctx.error)$util.error($ctx.error.message, $ctx.error.type, $ctx.result)#end#set($ids = [])#foreach($k in $ctx.result.keys)$util.qr($ids.add($k.id))#end$util.toJson($ids)`,
    ),
    unit('Query', 'adminOnly', 'NONE_DS', '{"version": "2018-05-29", "payload": "secret"}', '$util.toJson($ctx.result)'),
    unit('Query', 'deep', 'NONE_DS', '{"version": "2018-05-29", "payload": {"id": "d", "text": "t"}}', '$util.toJson($ctx.result)'),
    unit('Query', 'json', 'NONE_DS', '{"version": "2018-05-29", "payload": {"type": "$util.typeOf($ctx.args.value)", "value": $util.toJson($ctx.args.value)}}', '$util.toJson($ctx.result)'),
    unit(
      'Mutation',
      'closeNote',
      'NONE_DS',
      '{"version": "2018-05-29", "payload": {"id": $util.toJson($ctx.args.id), "text": "closed"}}',
      '$extensions.invalidateSubscriptions({"subscriptionField": "onCloseNote", "payload": {"id": $ctx.args.id}})$util.toJson($ctx.result)',
    ),
    unit(
      'Subscription',
      'onCloseNote',
      'NONE_DS',
      '{"version": "2018-05-29", "payload": {}}',
      '$extensions.setSubscriptionInvalidationFilter({"filterGroup": [{"filters": [{"fieldName": "id", "operator": "eq", "value": $ctx.args.id}]}]})$util.toJson(null)',
    ),
  ],
};

const model = { region: 'us-east-1', accountId: '123456789012', data } as unknown as BackendModel;
const alice = userPool('alice');

let t: TestEngine;

beforeAll(async () => {
  t = await startEngine(model, {
    queryDepthLimit: 3,
    invokeFunction: async (_id, event) => ({
      payload: (event as { id: string }[]).map((e) => (e.id === 'bad' ? { data: null, errorMessage: 'bad id', errorType: 'BadId' } : `summary of ${e.id}`)),
    }),
  });
});

afterAll(async () => {
  await t?.close();
});

describe('AppSync semantics on a hand-written API', () => {
  it('fails a field with $util.error, its data filtered by the selection set', async () => {
    const r = await t.run(alice, `query { fail(id: "n1") { id tags } }`);
    expect(r).toEqual({
      data: { fail: null },
      errors: [
        { path: ['fail'], data: { id: 'n1', tags: ['t'] }, errorType: 'Custom', errorInfo: { why: 'test' }, locations: [{ line: 1, column: 9, sourceName: null }], message: 'nope' },
      ],
    });
  });

  it('keeps the value of a field that appended an error', async () => {
    const r = await t.run(alice, `query { warn { id text } }`);
    expect(r.data).toEqual({ warn: { id: 'w', text: 'still here' } });
    expect(r.errors).toEqual([{ path: ['warn'], data: null, errorType: 'Warning', errorInfo: null, locations: [{ line: 1, column: 9, sourceName: null }], message: 'careful' }]);
  });

  it('returns from the resolver when the before template uses #return', async () => {
    expect(await t.run(alice, `query { early }`)).toEqual({ data: { early: 'from the before template' } });
  });

  it('exposes the selection set list in $ctx.info', async () => {
    expect(await t.run(alice, `query { info { id renamed: tags ... on Note { text } } }`)).toEqual({ data: { info: { id: 'Query', renamed: ['id', 'renamed', 'text'], text: null } } });
  });

  it('runs APPSYNC_JS functions with util, runtime.earlyReturn and errors', async () => {
    expect(await t.run(alice, `query { jsEcho(text: "hi") }`)).toEqual({ data: { jsEcho: 'HI:jsEcho' } });
    expect(await t.run(alice, `query { jsEcho(text: "early") }`)).toEqual({ data: { jsEcho: 'returned early' } });
    const r = await t.run(alice, `query { jsFail }`);
    expect(r.errors?.[0]).toMatchObject({ errorType: 'JsError', message: 'js says no' });
  });

  it('builds DynamoDB requests in APPSYNC_JS with @aws-appsync/utils/dynamodb', async () => {
    expect(await t.run(alice, `mutation { jsPut(id: "js1", text: "hello") { id text } }`)).toEqual({ data: { jsPut: { id: 'js1', text: 'hello' } } });
    const dup = await t.run(alice, `mutation { jsPut(id: "js1", text: "again") { id } }`);
    expect(dup.errors?.[0].errorType).toBe('DynamoDB:ConditionalCheckFailedException');
    expect(await t.run(alice, `mutation { jsBump(id: "js1") { text tags } }`)).toEqual({ data: { jsBump: { text: 'bumped', tags: ['x'] } } });
    expect(await t.run(alice, `query { jsGet(id: "js1") { id text tags } }`)).toEqual({ data: { jsGet: { id: 'js1', text: 'bumped', tags: ['x'] } } });
  });

  it('writes and reads batches, null where an item does not exist', async () => {
    const put = await t.run(alice, `mutation { putNotes(ids: ["a", "b"]) { id text tags } }`);
    expect(put).toEqual({ data: { putNotes: [{ id: 'a', text: 'note a', tags: ['a', 'b'] }, { id: 'b', text: 'note b', tags: ['a', 'b'] }] } });
    const got = await t.run(alice, `query { batch(ids: ["b", "zz", "a"]) { id } }`);
    expect(got).toEqual({ data: { batch: [{ id: 'b' }, null, { id: 'a' }] } });
  });

  it('runs transactions and reports cancellation reasons when a condition fails', async () => {
    expect(await t.run(alice, `mutation { transfer(from: "a", to: "c") }`)).toEqual({ data: { transfer: ['a', 'c'] } });
    const again = await t.run(alice, `mutation { transfer(from: "a", to: "d") }`);
    expect(again.errors?.[0]).toMatchObject({ errorType: 'DynamoDB:TransactionCanceledException', data: { keys: null, cancellationReasons: [{ type: 'ConditionalCheckFailed', message: 'The conditional request failed' }, { type: 'None', message: null }] } });
  });

  it('sends BatchInvoke requests as a list and maps per-item errors', async () => {
    expect(await t.run(alice, `query { a: batched(id: "1") b: batched(id: "2") }`)).toEqual({ data: { a: 'summary of 1', b: 'summary of 2' } });
    const bad = await t.run(alice, `query { batched(id: "bad") }`);
    expect(bad.errors?.[0]).toMatchObject({ errorType: 'BadId', message: 'bad id' });
  });

  it('enforces cognito_groups on a field', async () => {
    const denied = await t.run(alice, `query { adminOnly }`);
    expect(denied.errors?.[0]).toMatchObject({ errorType: 'Unauthorized', message: 'Not Authorized to access adminOnly on type Query' });
    expect(await t.run(userPool('root', ['Admins']), `query { adminOnly }`)).toEqual({ data: { adminOnly: 'secret' } });
  });

  it('passes AWSJSON arguments to resolvers as maps and returns JSON text', async () => {
    expect(await t.run(alice, `query { json(value: "{\\"a\\": [1]}") }`)).toEqual({ data: { json: '{"type":"Map","value":{"a":[1]}}' } });
  });

  it('applies the configured query depth limit', async () => {
    const r = await t.run(alice, `query { deep { id } a: deep { id } }`);
    expect(r.errors).toBeUndefined();
    const tooDeep = await t.run(alice, `query { __schema { types { fields { type { name } } } } }`);
    expect(tooDeep.errors?.[0]).toMatchObject({ errorType: 'QueryDepthLimitExceeded' });
  });

  it('invalidates subscriptions whose invalidation filter matches the mutation’s payload', async () => {
    const events: MutationEvent[] = [];
    const off = t.engine.onMutation((e) => events.push(e));
    const prepared = await t.engine.prepareSubscription({ query: `subscription { onCloseNote(id: "n9") { id } }`, authMode: 'AMAZON_COGNITO_USER_POOLS', identity: alice, headers: {}, requestId: 's' });
    if ('errors' in prepared) throw new Error(JSON.stringify(prepared.errors));
    await t.run(alice, `mutation { closeNote(id: "other") { id } }`);
    await t.run(alice, `mutation { closeNote(id: "n9") { id } }`);
    off();
    expect(events.map((e) => prepared.plan.invalidatedBy?.(e))).toEqual([false, true]);
    expect(await prepared.plan.deliver(events[1])).toEqual({ data: { onCloseNote: { id: 'n9' } } });
  });
});
