import { whereOf, type LoadContext } from './context.js';
import type { ResourceNode } from './intrinsics.js';
import type { KeySchemaElement, TableIndexModel, TableModel } from './model_tables.js';

/**
 * Every DynamoDB table of the assembly: Gen 2 model tables (Custom::AmplifyDynamoDBTable, whose
 * properties are lowerCamel) and plain AWS::DynamoDB::Table resources of custom stacks (PascalCase).
 */
export function loadTables(ctx: LoadContext, apiId: string): TableModel[] {
  const { r } = ctx;
  return r.resources((t) => t === 'Custom::AmplifyDynamoDBTable' || t === 'AWS::DynamoDB::Table').map((n) => {
    const amplify = n.def.Type === 'Custom::AmplifyDynamoDBTable';
    // Property names differ only in the case of their first letter.
    const get = (name: string) => r.prop(n, amplify ? name[0].toLowerCase() + name.slice(1) : name) as unknown;
    const tableName = String(r.ref(n.stack, n.logicalId));
    const stream = get('StreamSpecification') as Record<string, unknown> | undefined;
    const streamViewType = field(stream, 'StreamViewType') as TableModel['streamViewType'];
    const ttl = get('TimeToLiveSpecification') as Record<string, unknown> | undefined;
    const ttlEnabled = field(ttl, 'Enabled');
    const model: TableModel = {
      logicalId: n.logicalId,
      modelName: amplify ? modelNameOf(tableName, apiId, n) : undefined,
      tableName,
      keySchema: keySchema(ctx, n, get('KeySchema')),
      attributeDefinitions: list(get('AttributeDefinitions')).map((a) => ({
        attributeName: String(field(a, 'AttributeName')),
        attributeType: field(a, 'AttributeType') as 'S' | 'N' | 'B',
      })),
      globalSecondaryIndexes: list(get('GlobalSecondaryIndexes')).map((i) => index(ctx, n, i)),
      localSecondaryIndexes: list(get('LocalSecondaryIndexes')).map((i) => index(ctx, n, i)),
      streamViewType,
      // A stream exists when a view type is set (StreamEnabled is implied by CloudFormation).
      streamArn: streamViewType ? String(r.getAtt(n.stack, n.logicalId, amplify ? 'TableStreamArn' : 'StreamArn')) : undefined,
      ttlAttribute: ttl && (ttlEnabled === true || ttlEnabled === 'true') ? String(field(ttl, 'AttributeName')) : undefined,
      arn: String(r.getAtt(n.stack, n.logicalId, amplify ? 'TableArn' : 'Arn')),
      billingMode: (get('BillingMode') as string | undefined) ?? undefined,
    };
    return model;
  });
}

/** Reads `Name` or `name` from a resolved object (the two tables spell nested keys differently). */
function field(o: unknown, name: string): unknown {
  if (!o || typeof o !== 'object') return undefined;
  const rec = o as Record<string, unknown>;
  return rec[name] ?? rec[name[0].toLowerCase() + name.slice(1)];
}

const list = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? (v as Record<string, unknown>[]) : []);

function keySchema(ctx: LoadContext, n: ResourceNode, v: unknown): KeySchemaElement[] {
  const keys = list(v).map((k) => ({ attributeName: String(field(k, 'AttributeName')), keyType: field(k, 'KeyType') as 'HASH' | 'RANGE' }));
  if (!keys.some((k) => k.keyType === 'HASH')) ctx.r.fail(whereOf(n, 'KeySchema'), v ?? null, 'the key schema has no HASH key');
  return keys;
}

function index(ctx: LoadContext, n: ResourceNode, i: Record<string, unknown>): TableIndexModel {
  const projection = (field(i, 'Projection') ?? {}) as Record<string, unknown>;
  const nonKey = field(projection, 'NonKeyAttributes') as string[] | undefined;
  return {
    indexName: String(field(i, 'IndexName')),
    keySchema: keySchema(ctx, n, field(i, 'KeySchema')),
    projection: {
      projectionType: ((field(projection, 'ProjectionType') as string | undefined) ?? 'ALL') as TableIndexModel['projection']['projectionType'],
      ...(nonKey ? { nonKeyAttributes: nonKey } : {}),
    },
  };
}

/** `Post-<apiId>-NONE` → `Post`; else the logical id without its `Table` suffix. */
function modelNameOf(tableName: string, apiId: string, n: ResourceNode): string {
  const marker = `-${apiId}-`;
  const at = tableName.indexOf(marker);
  if (at > 0) return tableName.slice(0, at);
  return n.logicalId.replace(/Table$/, '');
}
