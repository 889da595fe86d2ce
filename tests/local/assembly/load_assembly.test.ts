import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBackendModel, LOCAL_ENDPOINT } from '../../../src/local/assembly/load_assembly.js';
import type { BackendModel, FunctionModel } from '../../../src/local/assembly/model.js';
import { getTestAssembly } from '../../fixtures/assembly.js';
import { allStrings, rawResources } from './raw_templates.js';

let assemblyDir: string;
let model: BackendModel;

beforeAll(async () => {
  assemblyDir = await getTestAssembly();
  model = loadBackendModel(assemblyDir);
});

const fnByFriendly = (name: string): FunctionModel => {
  const fn = model.functions.find((f) => f.friendlyName === name);
  if (!fn) throw new Error(`no function ${name}`);
  return fn;
};

describe('loadBackendModel on this backend: auth', () => {
  it('gives the user pool, client and identity pool AWS-shaped local ids', () => {
    const auth = model.auth!;
    expect(auth.userPool.id).toMatch(/^us-east-1_[A-Za-z0-9]{9}$/);
    expect(auth.clients).toHaveLength(1);
    expect(auth.clients[0].id).toMatch(/^[a-z0-9]{26}$/);
    expect(auth.defaultClientId).toBe(auth.clients[0].id);
    expect(auth.defaultClientId).toBe(model.stackOutputs.webClientId);
    expect(auth.identityPool!.id).toMatch(/^us-east-1:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(model.stackOutputs.userPoolId).toBe(auth.userPool.id);
    expect(model.stackOutputs.identityPoolId).toBe(auth.identityPool!.id);
  });

  it('reads the password policy, email username, MFA and recovery settings from the template', () => {
    const pool = model.auth!.userPool;
    expect(pool.passwordPolicy).toEqual({
      minimumLength: 8,
      requireLowercase: true,
      requireUppercase: true,
      requireNumbers: true,
      requireSymbols: true,
      temporaryPasswordValidityDays: 7,
    });
    expect(pool.usernameAttributes).toEqual(['email']);
    expect(pool.autoVerifiedAttributes).toEqual(['email']);
    expect(pool.mfaConfiguration).toBe('OPTIONAL');
    expect(pool.enabledMfas.sort()).toEqual(['SMS_MFA', 'SOFTWARE_TOKEN_MFA']);
    expect(pool.accountRecovery).toEqual(['verified_email']);
    expect(pool.verificationMessage.emailSubject).toBe('Your verification code');
    expect(pool.verificationMessage.emailMessage).toContain('{####}');
    expect(pool.mfaMessage).toContain('{####}');
    expect(pool.adminCreateUserOnly).toBe(false);
  });

  it('lists standard attributes with the required ones the backend declares', () => {
    const schema = new Map(model.auth!.userPool.schema.map((a) => [a.name, a]));
    expect(schema.get('email')).toMatchObject({ required: true, mutable: true, dataType: 'String' });
    expect(schema.get('phone_number')).toMatchObject({ required: true });
    expect(schema.get('given_name')).toMatchObject({ required: false });
    expect(schema.get('sub')).toMatchObject({ required: false, mutable: false });
    expect(schema.get('email_verified')?.dataType).toBe('Boolean');
  });

  it('converts token validities to minutes: 60 min access/ID, 30-day refresh', () => {
    const client = model.auth!.clients[0];
    expect(client.accessTokenValidityMinutes).toBe(60);
    expect(client.idTokenValidityMinutes).toBe(60);
    expect(client.refreshTokenValidityMinutes).toBe(30 * 24 * 60);
    expect(client.explicitAuthFlows).toContain('ALLOW_USER_SRP_AUTH');
    expect(client.enableTokenRevocation).toBe(true);
    expect(client.preventUserExistenceErrors).toBe(true);
  });

  it('maps the postConfirmation trigger to the post-confirmation function', () => {
    expect(model.auth!.userPool.triggers).toEqual({ PostConfirmation: fnByFriendly('post-confirmation').logicalId });
  });

  it('links the identity pool to the user pool client and to roles that exist in the IAM model', () => {
    const { identityPool, userPool, defaultClientId } = model.auth!;
    expect(identityPool!.allowUnauthenticated).toBe(true);
    expect(identityPool!.providers).toEqual([{ userPoolId: userPool.id, clientId: defaultClientId }]);
    const arns = model.iam.roles.map((r) => r.arn);
    expect(arns).toContain(identityPool!.authenticatedRoleArn);
    expect(arns).toContain(identityPool!.unauthenticatedRoleArn);
    expect(identityPool!.roleMappings?.[0].provider).toBe(`cognito-idp.us-east-1.amazonaws.com/${userPool.id}:${defaultClientId}`);
  });
});

describe('loadBackendModel on this backend: IAM', () => {
  it('gathers the storage and analytics statements of the signed-in role, keeping policy variables verbatim', () => {
    const role = model.iam.roles.find((r) => r.arn === model.auth!.identityPool!.authenticatedRoleArn)!;
    const bucket = model.storage!.buckets[0];
    const resources = role.statements.flatMap((s) => s.resources);
    expect(resources).toContain(`${bucket.arn}/private/\${cognito-identity.amazonaws.com:sub}/*`);
    const list = role.statements.find((s) => s.actions.includes('s3:ListBucket'))!;
    expect(list.conditions?.StringLike?.['s3:prefix']).toContain('media/*');
    const stream = model.messaging.kinesisStreams[0];
    expect(role.statements.some((s) => s.actions.includes('kinesis:PutRecords') && s.resources.includes(stream.arn))).toBe(true);
    expect(role.trustStatements?.[0].principals?.Federated).toEqual(['cognito-identity.amazonaws.com']);
  });

  it('resolves every role and statement to local ARNs', () => {
    expect(model.iam.roles.length).toBe(rawResources(assemblyDir, 'AWS::IAM::Role').length);
    for (const role of model.iam.roles) {
      expect(role.arn).toMatch(/^arn:aws:iam::123456789012:role\/[\w+=,.@-]{1,64}$/);
      for (const s of role.statements) for (const r of s.resources) expect(r === '*' || r.startsWith('arn:aws:')).toBe(true);
    }
    const processor = fnByFriendly('post-processor');
    expect(model.data!.iamAdminRoleArns).toContain(processor.roleArn);
    const processorRole = model.iam.roles.find((r) => r.arn === processor.roleArn)!;
    const app = model.messaging.pinpointApps[0];
    expect(processorRole.statements.some((s) => s.resources.includes(`${app.arn}/messages`))).toBe(true);
    expect(processorRole.managedPolicyArns).toEqual(['arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole']);
  });
});

describe('loadBackendModel on this backend: data', () => {
  it('reads the API, its auth modes and the transformed schema', () => {
    const data = model.data!;
    expect(data.apiId).toMatch(/^[a-z0-9]{26}$/);
    expect(data.apiId).toBe(model.stackOutputs.awsAppsyncApiId);
    expect(data.defaultAuthMode).toBe('AMAZON_COGNITO_USER_POOLS');
    expect(data.additionalAuthModes).toEqual(['AWS_IAM']);
    expect(data.userPoolId).toBe(model.auth!.userPool.id);
    expect(data.apiKey).toBeUndefined();
    expect(data.schema).toMatch(/type Post\b/);
    expect(data.graphqlUrl).toBe(`${LOCAL_ENDPOINT}/graphql`);
    expect(model.stackOutputs.awsAppsyncApiEndpoint).toBe(`${LOCAL_ENDPOINT}/graphql`);
  });

  it('has the four model tables with their keys, indexes and streams', () => {
    const { tables, apiId } = model.data!;
    expect(tables.map((t) => t.modelName).sort()).toEqual(['Comment', 'Device', 'Post', 'UserProfile']);
    for (const t of tables) {
      expect(t.tableName).toBe(`${t.modelName}-${apiId}-NONE`);
      expect(t.keySchema).toEqual([{ attributeName: 'id', keyType: 'HASH' }]);
      expect(t.streamViewType).toBe('NEW_AND_OLD_IMAGES');
      expect(t.streamArn).toBe(`arn:aws:dynamodb:us-east-1:123456789012:table/${t.tableName}/stream/1970-01-01T00:00:00.000`);
      expect(t.arn).toBe(`arn:aws:dynamodb:us-east-1:123456789012:table/${t.tableName}`);
    }
    const comment = tables.find((t) => t.modelName === 'Comment')!;
    expect(comment.globalSecondaryIndexes.map((i) => i.indexName)).toContain('commentsByPostId');
    const byPost = comment.globalSecondaryIndexes.find((i) => i.indexName === 'commentsByPostId')!;
    expect(byPost.keySchema).toEqual([{ attributeName: 'postId', keyType: 'HASH' }]);
    expect(byPost.projection.projectionType).toBe('ALL');
    expect(comment.attributeDefinitions).toContainEqual({ attributeName: 'postId', attributeType: 'S' });
  });

  it('has every resolver and function of the templates, with complete pipelines', () => {
    const data = model.data!;
    expect(data.resolvers.length).toBe(rawResources(assemblyDir, 'AWS::AppSync::Resolver').length);
    expect(data.functions.length).toBe(rawResources(assemblyDir, 'AWS::AppSync::FunctionConfiguration').length);
    const fnIds = new Set(data.functions.map((f) => f.id));
    expect(fnIds.size).toBe(data.functions.length);
    const sources = new Set(data.dataSources.map((d) => d.name));
    for (const r of data.resolvers) {
      if (r.kind === 'PIPELINE') {
        expect(r.pipeline.length).toBeGreaterThan(0);
        for (const id of r.pipeline) expect(fnIds.has(id), `${r.typeName}.${r.fieldName} → ${id}`).toBe(true);
      } else {
        expect(sources.has(r.dataSource!)).toBe(true);
      }
    }
    for (const f of data.functions) expect(sources.has(f.dataSource), f.name).toBe(true);
    expect(data.resolvers.find((r) => r.typeName === 'Mutation' && r.fieldName === 'processPost')).toBeDefined();
  });

  it('resolves every template to a non-empty string with no intrinsic left', () => {
    const data = model.data!;
    for (const item of [...data.resolvers, ...data.functions]) {
      const texts = item.runtime === 'VTL' ? [item.requestTemplate, item.responseTemplate] : [item.code];
      for (const text of texts) {
        expect(typeof text).toBe('string');
        expect(text!.length).toBeGreaterThan(0);
        expect(text).not.toContain('{"Ref"');
        expect(text).not.toContain('Fn::');
      }
    }
    const getPost = data.resolvers.find((r) => r.fieldName === 'getPost')!;
    const postTable = data.tables.find((t) => t.modelName === 'Post')!;
    expect(getPost.requestTemplate).toContain(`"apiId", "${data.apiId}"`);
    expect(getPost.requestTemplate).toContain(`"tableName", "${postTable.tableName}"`);
    expect(getPost.requestTemplate).toContain(`"identityPoolId", "${model.auth!.identityPool!.id}"`);
  });

  it('maps data sources to tables and to the post-processor function', () => {
    const ds = model.data!.dataSources;
    expect(ds.find((d) => d.type === 'NONE')).toBeDefined();
    for (const d of ds.filter((x) => x.type === 'AMAZON_DYNAMODB')) {
      expect(model.data!.tables.map((t) => t.tableName)).toContain(d.tableName);
    }
    const lambda = ds.find((d) => d.type === 'AWS_LAMBDA')!;
    expect(lambda.functionLogicalId).toBe(fnByFriendly('post-processor').logicalId);
  });

  it('finds the model introspection JSON and where functions expect it', () => {
    const data = model.data!;
    const models = (data.modelIntrospection as { models: Record<string, unknown> }).models;
    expect(Object.keys(models).sort()).toEqual(['Comment', 'Device', 'Post', 'UserProfile']);
    expect(data.modelIntrospectionLocation!.key).toBe('modelIntrospectionSchema.json');
    expect(data.modelIntrospectionLocation!.bucket).toContain('.');
    expect(existsSync(data.modelIntrospectionLocation!.file!)).toBe(true);
    expect(model.storage!.buckets.map((b) => b.bucketName)).not.toContain(data.modelIntrospectionLocation!.bucket);
  });
});

describe('loadBackendModel on this backend: storage, functions, streams, messaging, outputs', () => {
  it('reads the default bucket and its path rules from the outputs', () => {
    const buckets = model.storage!.buckets;
    expect(buckets).toHaveLength(1);
    const b = buckets[0];
    expect(b.friendlyName).toBe('mediaStorage');
    expect(b.bucketName).toMatch(/^mediastorage\.[0-9a-f]{8}\.local$/);
    expect(b.isDefault).toBe(true);
    expect(b.versioned).toBe(true);
    expect(b.arn).toBe(`arn:aws:s3:::${b.bucketName}`);
    expect(b.paths).toEqual({
      'private/${cognito-identity.amazonaws.com:sub}/*': { entityidentity: ['get', 'list', 'write', 'delete'] },
      'media/${cognito-identity.amazonaws.com:sub}/*': { entityidentity: ['get', 'list', 'write', 'delete'] },
      'media/*': { authenticated: ['get', 'list'] },
    });
    expect(model.stackOutputs.bucketName).toBe(b.bucketName);
  });

  it('lists the two defineFunction functions with their bundled code and resolved environment', () => {
    expect(model.functions.map((f) => f.friendlyName).sort()).toEqual(['post-confirmation', 'post-processor']);
    for (const fn of model.functions) {
      expect(existsSync(path.join(fn.codeDir, 'index.mjs'))).toBe(true);
      expect(fn.handler).toBe('index.handler');
      expect(fn.runtime).toMatch(/^nodejs\d+\.x$/);
      expect(fn.arn).toBe(`arn:aws:lambda:us-east-1:123456789012:function:${fn.functionName}`);
      expect(fn.functionName.length).toBeLessThanOrEqual(64);
      expect(fn.internal).toBeUndefined();
      expect(fn.environment.AMPLIFY_DATA_GRAPHQL_ENDPOINT).toBe(`${LOCAL_ENDPOINT}/graphql`);
      expect(fn.environment.AMPLIFY_DATA_MODEL_INTROSPECTION_SCHEMA_BUCKET_NAME).toBe(model.data!.modelIntrospectionLocation!.bucket);
      expect(fn.environment.AMPLIFY_DATA_MODEL_INTROSPECTION_SCHEMA_KEY).toBe('modelIntrospectionSchema.json');
      expect(fn.environment.AMPLIFY_DATA_DEFAULT_NAME).toBe('amplifyData');
      expect(fn.environment.AMPLIFY_SSM_ENV_CONFIG).toBe('{}');
      expect(Object.values(fn.environment)).not.toContain('<value will be resolved during runtime>');
      expect(fn.ssmEnvironment!.AMPLIFY_DATA_GRAPHQL_ENDPOINT.path).toMatch(/^\/amplify\/resource_reference\/.+\/AMPLIFY_DATA_GRAPHQL_ENDPOINT$/);
      expect(model.iam.roles.map((r) => r.arn)).toContain(fn.roleArn);
    }
    const processor = fnByFriendly('post-processor');
    expect(processor).toMatchObject({ timeoutSeconds: 30, memoryMB: 256 });
    expect(processor.environment.PINPOINT_APP_ID).toBe(model.messaging.pinpointApps[0].id);
    expect(processor.environment.BLOCKED_TERMS.split(',')).toContain('forbidden');
    expect(fnByFriendly('post-confirmation').timeoutSeconds).toBe(10);
    expect(model.stackOutputs.definedFunctions).toBe(JSON.stringify(model.functions.map((f) => f.functionName)));
  });

  it('keeps CDK and Amplify machinery out of the user functions', () => {
    const internal = model.internalFunctions!;
    expect(internal.length).toBeGreaterThan(0);
    for (const fn of internal) expect(fn.internal).toBe(true);
    expect(internal.map((f) => f.logicalId).join(' ')).toMatch(/TableManager/);
    const allLambdas = rawResources(assemblyDir, 'AWS::Lambda::Function').length;
    expect(model.functions.length + internal.length).toBe(allLambdas);
  });

  it('reads both table-stream mappings of the post-processor with their INSERT filter and retry policy', () => {
    const mappings = model.eventSourceMappings;
    expect(mappings).toHaveLength(2);
    const tables = model.data!.tables;
    expect(mappings.map((m) => tables.find((t) => t.tableName === m.tableName)?.modelName).sort()).toEqual(['Comment', 'Post']);
    for (const m of mappings) {
      expect(m.functionLogicalId).toBe(fnByFriendly('post-processor').logicalId);
      expect(m.eventSourceArn).toBe(tables.find((t) => t.tableName === m.tableName)!.streamArn);
      expect(m.filterPatterns).toEqual(['{"eventName":["INSERT"]}']);
      expect(m).toMatchObject({
        batchSize: 10,
        maxBatchingWindowSeconds: 1,
        startingPosition: 'LATEST',
        maximumRetryAttempts: 3,
        bisectBatchOnFunctionError: true,
        reportBatchItemFailures: true,
        enabled: true,
      });
      expect(m.onFailureDestinationArn).toMatch(/^arn:aws:sqs:us-east-1:123456789012:/);
    }
  });

  it('reads the Pinpoint app and the Kinesis stream of the custom stacks', () => {
    const [app] = model.messaging.pinpointApps;
    expect(model.messaging.pinpointApps).toHaveLength(1);
    expect(app.id).toMatch(/^[0-9a-f]{32}$/);
    expect(app.name).toBe('local-push');
    expect(app.channels).toEqual([]);
    const [stream] = model.messaging.kinesisStreams;
    expect(model.messaging.kinesisStreams).toHaveLength(1);
    expect(stream.arn).toBe(`arn:aws:kinesis:us-east-1:123456789012:stream/${stream.name}`);
  });

  it('parses the custom outputs with local values', () => {
    const custom = model.customOutputs as {
      notifications: { amazon_pinpoint_app_id: string; aws_region: string };
      custom: { analytics: { kinesis: { stream_name: string } } };
    };
    expect(custom.notifications.amazon_pinpoint_app_id).toBe(model.messaging.pinpointApps[0].id);
    expect(custom.notifications.aws_region).toBe('us-east-1');
    expect(custom.custom.analytics.kinesis.stream_name).toBe(model.messaging.kinesisStreams[0].name);
  });

  it('leaves no unresolved intrinsic or stringified object anywhere in the model', () => {
    for (const s of allStrings({ ...model, data: { ...model.data, modelIntrospection: undefined } })) {
      expect(s).not.toContain('[object Object]');
      expect(s).not.toMatch(/"(Ref|Fn::\w+)"\s*:/);
    }
    expect(model.warnings).toEqual([]);
  });
});

describe('loadBackendModel determinism and options', () => {
  it('gives identical models when loading the same assembly twice', () => {
    expect(loadBackendModel(assemblyDir)).toEqual(model);
  });

  it('uses the requested local region in ids and ARNs', () => {
    const other = loadBackendModel(assemblyDir, { region: 'eu-central-1' });
    expect(other.region).toBe('eu-central-1');
    expect(other.auth!.userPool.id).toMatch(/^eu-central-1_/);
    expect(other.auth!.userPool.id.split('_')[1]).toBe(model.auth!.userPool.id.split('_')[1]);
    expect(other.data!.tables[0].arn).toMatch(/^arn:aws:dynamodb:eu-central-1:/);
    expect(other.stackOutputs.authRegion).toBe('eu-central-1');
  });
});
