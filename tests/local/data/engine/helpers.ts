import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BackendModel, TableModel } from '../../../../src/local/assembly/model.js';
import { loadBackendModel } from '../../../../src/local/assembly/load_assembly.js';
import { ManualClock } from '../../../../src/local/core/clock.js';
import { silentLogger } from '../../../../src/local/core/logger.js';
import {
  createGraphqlEngine,
  type AppSyncAuthMode,
  type AppSyncIdentity,
  type CreateGraphqlEngineOptions,
  type ExecuteRequest,
  type GraphqlResult,
  type IamIdentity,
  type LocalGraphqlEngine,
  type UserPoolIdentity,
} from '../../../../src/local/data/engine/index.js';
import { getOtherAssembly, getTestAssembly } from '../../../fixtures/assembly.js';

export async function ourModel(): Promise<BackendModel> {
  return loadBackendModel(await getTestAssembly());
}

export async function otherModel(): Promise<BackendModel> {
  return loadBackendModel(await getOtherAssembly());
}

/** A hand-made table with a GSI, for tests of the local DynamoDB alone (no assembly). */
export function thingTable(extra: Partial<TableModel> = {}): TableModel {
  return {
    logicalId: 'ThingTable',
    modelName: 'Thing',
    tableName: 'Thing-local-NONE',
    keySchema: [{ attributeName: 'id', keyType: 'HASH' }],
    attributeDefinitions: [
      { attributeName: 'id', attributeType: 'S' },
      { attributeName: 'group', attributeType: 'S' },
    ],
    globalSecondaryIndexes: [{ indexName: 'byGroup', keySchema: [{ attributeName: 'group', keyType: 'HASH' }], projection: { projectionType: 'ALL' } }],
    localSecondaryIndexes: [],
    arn: 'arn:aws:dynamodb:us-east-1:123456789012:table/Thing-local-NONE',
    ...extra,
  };
}

export function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'data-engine-'));
}

export interface TestEngine {
  engine: LocalGraphqlEngine;
  clock: ManualClock;
  dataDir: string;
  /** Runs an operation as `identity` (user pool unless `mode` says otherwise). */
  run(identity: AppSyncIdentity | null, query: string, variables?: Record<string, unknown>, mode?: AppSyncAuthMode, extra?: Partial<ExecuteRequest>): Promise<GraphqlResult>;
  close(): Promise<void>;
}

export async function startEngine(model: BackendModel, opts: Partial<CreateGraphqlEngineOptions> = {}): Promise<TestEngine> {
  const dataDir = opts.dataDir ?? tempDir();
  const clock = (opts.clock as ManualClock | undefined) ?? new ManualClock(Date.UTC(2026, 0, 1));
  const engine = await createGraphqlEngine({
    model: model.data!,
    region: model.region,
    accountId: model.accountId,
    dataDir,
    clock,
    log: silentLogger,
    ...opts,
  });
  return {
    engine,
    clock,
    dataDir,
    run: (identity, query, variables, mode, extra) =>
      engine.execute({
        query,
        variables,
        authMode: mode ?? (identity === null ? 'API_KEY' : 'sub' in identity ? 'AMAZON_COGNITO_USER_POOLS' : 'AWS_IAM'),
        identity,
        headers: { 'content-type': 'application/json' },
        requestId: 'test-request',
        ...extra,
      }),
    close: async () => {
      await engine.close();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A user-pool identity as AppSync builds it from an access token. */
export function userPool(username: string, groups: string[] | null = null): UserPoolIdentity {
  const sub = `sub-${username}`;
  return {
    sub,
    issuer: 'https://127.0.0.1:20002/us-east-1_test',
    username,
    claims: { sub, username, token_use: 'access', ...(groups ? { 'cognito:groups': groups } : {}) },
    sourceIp: ['127.0.0.1'],
    defaultAuthStrategy: 'ALLOW',
    groups,
  };
}

/** IAM credentials of a function's role (no identity pool): the transformer's "backend IAM" access. */
export function backendIam(roleName = 'fn-role'): IamIdentity {
  return {
    accountId: '123456789012',
    cognitoIdentityPoolId: null,
    cognitoIdentityId: null,
    sourceIp: ['127.0.0.1'],
    username: `AROAEXAMPLE:${roleName}`,
    userArn: `arn:aws:sts::123456789012:assumed-role/${roleName}/session`,
    cognitoIdentityAuthType: null,
    cognitoIdentityAuthProvider: null,
  };
}

/** IAM credentials from the identity pool (a guest or signed-in app user). */
export function identityPoolIam(kind: 'authenticated' | 'unauthenticated'): IamIdentity {
  return {
    accountId: '123456789012',
    cognitoIdentityPoolId: 'us-east-1:pool',
    cognitoIdentityId: 'us-east-1:identity',
    sourceIp: ['127.0.0.1'],
    username: 'AROAEXAMPLE:CognitoIdentityCredentials',
    userArn: 'arn:aws:sts::123456789012:assumed-role/auth-role/CognitoIdentityCredentials',
    cognitoIdentityAuthType: kind,
    cognitoIdentityAuthProvider: null,
  };
}

export function errorTypes(r: GraphqlResult): (string | undefined)[] {
  return (r.errors ?? []).map((e) => e.errorType);
}
