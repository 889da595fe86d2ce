import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBackendModel } from '../../../src/local/assembly/load_assembly.js';
import type { BackendModel } from '../../../src/local/assembly/model.js';
import { getOtherAssembly, getTestAssembly } from '../../fixtures/assembly.js';
import { rawResources } from './raw_templates.js';

let assemblyDir: string;
let model: BackendModel;

beforeAll(async () => {
  assemblyDir = await getOtherAssembly();
  model = loadBackendModel(assemblyDir);
});

describe('loadBackendModel on the second fixture backend', () => {
  it('synthesizes from a folder without its own package.json, under its own stack name', () => {
    expect(existsSync(path.join(assemblyDir, 'manifest.json'))).toBe(true);
    expect(model.stackName).toMatch(/^amplify-otherbackend-local-sandbox-[0-9a-f]{10}$/);
  });

  it('reads groups with their roles and a custom attribute', () => {
    const pool = model.auth!.userPool;
    expect(pool.groups.map((g) => g.name)).toEqual(['Admins', 'Editors']);
    for (const g of pool.groups) expect(model.iam.roles.map((r) => r.arn)).toContain(g.roleArn);
    expect(pool.schema.find((a) => a.name === 'custom:team')).toMatchObject({ dataType: 'String', mutable: true, maxLength: 32 });
    expect(pool.mfaConfiguration).toBe('OFF');
    expect(pool.enabledMfas).toEqual([]);
    expect(pool.triggers).toEqual({});
  });

  it('enables the API key as an additional mode and gives it a local key', () => {
    const data = model.data!;
    expect(data.defaultAuthMode).toBe('AMAZON_COGNITO_USER_POOLS');
    expect(data.additionalAuthModes).toContain('API_KEY');
    expect(data.apiKey).toMatch(/^da2-[a-z0-9]{26}$/);
    expect(data.apiKeyExpires).toBeGreaterThan(0);
  });

  it('reads the sorted secondary index and the join table of the many-to-many relation', () => {
    const tables = model.data!.tables;
    expect(tables.map((t) => t.modelName).sort()).toEqual(['Project', 'ProjectTag', 'Tag']);
    const project = tables.find((t) => t.modelName === 'Project')!;
    expect(project.globalSecondaryIndexes).toContainEqual({
      indexName: 'projectsByCategoryAndDueDate',
      keySchema: [
        { attributeName: 'category', keyType: 'HASH' },
        { attributeName: 'dueDate', keyType: 'RANGE' },
      ],
      projection: { projectionType: 'ALL' },
    });
    const join = tables.find((t) => t.modelName === 'ProjectTag')!;
    expect(join.globalSecondaryIndexes.map((i) => i.keySchema[0].attributeName).sort()).toEqual(['projectId', 'tagId']);
  });

  it('has the enum, custom type, field rule and relation resolvers of its schema', () => {
    const data = model.data!;
    expect(data.schema).toMatch(/enum Priority \{\s+LOW\s+MEDIUM\s+HIGH\s+\}/);
    expect(data.schema).toMatch(/type Location\b/);
    const fields = data.resolvers.map((r) => `${r.typeName}.${r.fieldName}`);
    expect(fields).toEqual(expect.arrayContaining(['Project.budget', 'Project.tags', 'Tag.projects', 'ProjectTag.project', 'Query.listProjectsByCategory']));
    expect(data.resolvers.find((r) => r.fieldName === 'budget')!.requestTemplate).toContain('"typeName", "Project"');
  });

  it('loads the APPSYNC_JS custom query with its code', () => {
    const data = model.data!;
    const echo = data.resolvers.find((r) => r.fieldName === 'echo')!;
    expect(echo.runtime).toBe('APPSYNC_JS');
    expect(echo.code).toContain(data.apiId);
    const fns = echo.pipeline.map((id) => data.functions.find((f) => f.id === id)!);
    const handler = fns.find((f) => f.code?.includes('payload'))!;
    expect(handler).toMatchObject({ runtime: 'APPSYNC_JS', dataSource: 'NONE_DS' });
  });

  it('runs the function-backed query through a Lambda data source to a function in its own stack', () => {
    const fn = model.functions.find((f) => f.friendlyName === 'summarize')!;
    expect(fn.environment.SUMMARY_PREFIX).toBe('Project');
    expect(fn.timeoutSeconds).toBe(5);
    expect(existsSync(path.join(fn.codeDir, 'index.mjs'))).toBe(true);
    const source = model.data!.dataSources.find((d) => d.type === 'AWS_LAMBDA')!;
    expect(source.functionLogicalId).toBe(fn.logicalId);
    const stackFiles = rawResources(assemblyDir, 'AWS::Lambda::Function').filter((r) => r.logicalId === fn.logicalId).map((r) => r.file);
    expect(stackFiles).toHaveLength(1);
    expect(stackFiles[0]).toMatch(/function[0-9A-F]{8}\.nested\.template\.json$/);
  });

  it('has no storage, streams, mappings or messaging, and empty custom outputs', () => {
    expect(model.storage).toBeUndefined();
    expect(model.eventSourceMappings).toEqual([]);
    expect(model.messaging).toEqual({ pinpointApps: [], kinesisStreams: [] });
    expect(model.customOutputs).toEqual({});
  });

  it('gets ids of its own, different from the app backend', async () => {
    const ours = loadBackendModel(await getTestAssembly());
    expect(model.auth!.userPool.id).not.toBe(ours.auth!.userPool.id);
    expect(model.data!.apiId).not.toBe(ours.data!.apiId);
    expect(loadBackendModel(assemblyDir)).toEqual(model);
  });
});
