import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { functionNameOf, num, readAssetText, s3Key, whereOf, type LoadContext } from './context.js';
import type { ResourceNode } from './intrinsics.js';
import type {
  AppSyncAuthMode,
  AppSyncFunctionModel,
  DataModel,
  DataSourceModel,
  ResolverCode,
  ResolverModel,
} from './model_data.js';
import { loadTables } from './load_tables.js';

/**
 * The AppSync API the root output `awsAppsyncApiId` names (else the first): its auth modes, the
 * transformed schema, resolvers, functions and data sources with every template resolved to a string,
 * the DynamoDB tables, the API key and the model introspection JSON.
 */
export function loadData(ctx: LoadContext): DataModel | undefined {
  const { r } = ctx;
  const apis = r.resources('AWS::AppSync::GraphQLApi');
  if (apis.length === 0) return undefined;
  const wanted = ctx.rootOutput('awsAppsyncApiId');
  const api = apis.find((n) => r.getAtt(n.stack, n.logicalId, 'ApiId') === wanted) ?? apis[0];
  if (apis.length > 1) ctx.warnings.push(`${apis.length} AppSync APIs in the assembly; only ${api.logicalId} is served locally`);
  const apiId = String(r.getAtt(api.stack, api.logicalId, 'ApiId'));
  const ofApi = (type: string) => r.resources(type).filter((n) => r.propString(n, 'ApiId') === apiId);

  const additional = (r.prop(api, 'AdditionalAuthenticationProviders') ?? []) as Record<string, unknown>[];
  const providers = [{ AuthenticationType: r.propString(api, 'AuthenticationType'), ...(r.prop(api, 'UserPoolConfig') ? { UserPoolConfig: r.prop(api, 'UserPoolConfig') } : {}), LambdaAuthorizerConfig: r.prop(api, 'LambdaAuthorizerConfig'), OpenIDConnectConfig: r.prop(api, 'OpenIDConnectConfig') }, ...additional];
  const apiKeyNode = ofApi('AWS::AppSync::ApiKey')[0];
  const tables = loadTables(ctx, apiId);

  const model: DataModel = {
    apiLogicalId: api.logicalId,
    apiId,
    name: r.propString(api, 'Name') ?? api.logicalId,
    defaultAuthMode: r.propString(api, 'AuthenticationType') as AppSyncAuthMode,
    additionalAuthModes: additional.map((p) => p.AuthenticationType as AppSyncAuthMode),
    apiKey: apiKeyNode ? String(r.getAtt(apiKeyNode.stack, apiKeyNode.logicalId, 'ApiKey')) : undefined,
    apiKeyExpires: apiKeyNode ? num(r.prop(apiKeyNode, 'Expires')) : undefined,
    queryDepthLimit: num(r.prop(api, 'QueryDepthLimit')) || undefined,
    resolverCountLimit: num(r.prop(api, 'ResolverCountLimit')) || undefined,
    schema: loadSchema(ctx, ofApi('AWS::AppSync::GraphQLSchema'), api),
    resolvers: ofApi('AWS::AppSync::Resolver').map((n) => loadResolver(ctx, n)),
    functions: ofApi('AWS::AppSync::FunctionConfiguration').map((n) => loadFunctionConfiguration(ctx, n)),
    dataSources: ofApi('AWS::AppSync::DataSource').map((n) => loadDataSource(ctx, n)),
    tables,
    graphqlUrl: String(r.getAtt(api.stack, api.logicalId, 'GraphQLUrl')),
    ...authDetails(ctx, api, providers),
    ...modelIntrospection(ctx),
  };
  return model;
}

function authDetails(ctx: LoadContext, api: ResourceNode, providers: Record<string, unknown>[]): Partial<DataModel> {
  const out: Partial<DataModel> = {};
  for (const p of providers) {
    const userPool = p.UserPoolConfig as { UserPoolId?: string } | undefined;
    if (userPool?.UserPoolId) out.userPoolId ??= userPool.UserPoolId;
    const lambda = p.LambdaAuthorizerConfig as { AuthorizerUri?: string; AuthorizerResultTtlInSeconds?: unknown; IdentityValidationExpression?: string } | undefined;
    if (lambda?.AuthorizerUri) {
      const fn = ctx.functionsByName.get(functionNameOf(lambda.AuthorizerUri));
      if (!fn) ctx.r.fail(whereOf(api, 'LambdaAuthorizerConfig.AuthorizerUri'), lambda.AuthorizerUri, 'the authorizer is no function of this backend');
      out.lambdaAuthorizer = { functionLogicalId: fn.logicalId, ttlSeconds: num(lambda.AuthorizerResultTtlInSeconds), identityValidationExpression: lambda.IdentityValidationExpression };
    }
    const oidc = p.OpenIDConnectConfig as { Issuer?: string; ClientId?: string; IatTTL?: unknown; AuthTTL?: unknown } | undefined;
    if (oidc?.Issuer) out.openIdConnect = { issuer: oidc.Issuer, clientId: oidc.ClientId, iatTtlMs: num(oidc.IatTTL), authTtlMs: num(oidc.AuthTTL) };
  }
  return out;
}

function loadSchema(ctx: LoadContext, schemas: ResourceNode[], api: ResourceNode): string {
  const n = schemas[0];
  if (!n) ctx.r.fail(whereOf(api), { Ref: api.logicalId }, 'the API has no AWS::AppSync::GraphQLSchema');
  const inline = ctx.r.propString(n, 'Definition');
  if (inline !== undefined) return inline;
  const fromAsset = readAssetText(ctx, n, 'DefinitionS3Location');
  if (fromAsset === undefined) ctx.r.fail(whereOf(n), n.def.Properties ?? {}, 'the schema has neither Definition nor DefinitionS3Location');
  return fromAsset;
}

/** Templates and code of a resolver or function, inline or from `…S3Location` assets. */
function code(ctx: LoadContext, n: ResourceNode): ResolverCode {
  const runtime = ctx.r.prop(n, 'Runtime') as { Name?: string } | undefined;
  const text = (inline: string, asset: string) => ctx.r.propString(n, inline) ?? readAssetText(ctx, n, asset);
  if (runtime?.Name === 'APPSYNC_JS') return { runtime: 'APPSYNC_JS', code: text('Code', 'CodeS3Location') };
  return {
    runtime: 'VTL',
    requestTemplate: text('RequestMappingTemplate', 'RequestMappingTemplateS3Location'),
    responseTemplate: text('ResponseMappingTemplate', 'ResponseMappingTemplateS3Location'),
  };
}

function loadResolver(ctx: LoadContext, n: ResourceNode): ResolverModel {
  const { r } = ctx;
  const kind = (r.propString(n, 'Kind') ?? 'UNIT') as 'PIPELINE' | 'UNIT';
  const functions = ((r.prop(n, 'PipelineConfig') as { Functions?: unknown[] } | undefined)?.Functions ?? []).map(String);
  return {
    typeName: r.propString(n, 'TypeName')!,
    fieldName: r.propString(n, 'FieldName')!,
    kind,
    pipeline: kind === 'PIPELINE' ? functions : [],
    dataSource: r.propString(n, 'DataSourceName'),
    maxBatchSize: num(r.prop(n, 'MaxBatchSize')),
    logicalId: n.logicalId,
    ...code(ctx, n),
  };
}

function loadFunctionConfiguration(ctx: LoadContext, n: ResourceNode): AppSyncFunctionModel {
  const { r } = ctx;
  return {
    id: String(r.getAtt(n.stack, n.logicalId, 'FunctionId')),
    name: r.propString(n, 'Name') ?? n.logicalId,
    dataSource: r.propString(n, 'DataSourceName')!,
    logicalId: n.logicalId,
    maxBatchSize: num(r.prop(n, 'MaxBatchSize')),
    ...code(ctx, n),
  };
}

function loadDataSource(ctx: LoadContext, n: ResourceNode): DataSourceModel {
  const { r } = ctx;
  const type = r.propString(n, 'Type') as DataSourceModel['type'];
  const model: DataSourceModel = { name: r.propString(n, 'Name')!, type, serviceRoleArn: r.propString(n, 'ServiceRoleArn') };
  if (type === 'AMAZON_DYNAMODB') {
    model.tableName = (r.prop(n, 'DynamoDBConfig') as { TableName?: string } | undefined)?.TableName;
  } else if (type === 'AWS_LAMBDA') {
    const arn = (r.prop(n, 'LambdaConfig') as { LambdaFunctionArn?: string } | undefined)?.LambdaFunctionArn ?? '';
    const fn = ctx.functionsByName.get(functionNameOf(arn));
    if (!fn) ctx.r.fail(whereOf(n, 'LambdaConfig.LambdaFunctionArn'), arn, 'the data source invokes no function of this backend');
    model.functionLogicalId = fn.logicalId;
  } else if (type === 'HTTP') {
    model.httpEndpoint = (r.prop(n, 'HttpConfig') as { Endpoint?: string } | undefined)?.Endpoint;
  }
  return model;
}

/**
 * The model introspection JSON functions read (generateClient): the SSM parameters
 * `<DATA>_MODEL_INTROSPECTION_SCHEMA_BUCKET_NAME` / `_KEY` name its bucket and key, and the
 * Custom::CDKBucketDeployment into that bucket names the asset folder holding the file.
 */
function modelIntrospection(ctx: LoadContext): Pick<DataModel, 'modelIntrospection' | 'modelIntrospectionLocation'> {
  const { r } = ctx;
  const params = new Map<string, string>();
  for (const n of r.resources('AWS::SSM::Parameter')) {
    const name = r.propString(n, 'Name') ?? '';
    if (/_MODEL_INTROSPECTION_SCHEMA_(BUCKET_NAME|KEY)$/.test(name)) params.set(name, r.propString(n, 'Value') ?? '');
  }
  const bucketParam = [...params.keys()].find((k) => k.endsWith('_BUCKET_NAME'));
  let bucket = bucketParam ? params.get(bucketParam) : undefined;
  let key = bucketParam ? params.get(bucketParam.replace(/_BUCKET_NAME$/, '_KEY')) : undefined;
  const deployments = bucketDeployments(ctx);
  let file = bucket && key ? deployedFile(deployments, bucket, key) : undefined;
  if (!file) {
    // No SSM parameters (an older transformer): look for the conventional file in any deployment.
    for (const [b, sources] of deployments) {
      const f = deployedFile(new Map([[b, sources]]), b, 'modelIntrospectionSchema.json');
      if (f) [bucket, key, file] = [b, 'modelIntrospectionSchema.json', f];
    }
  }
  if (!file || !bucket || !key) return {};
  return { modelIntrospection: JSON.parse(readFileSync(file, 'utf8')), modelIntrospectionLocation: { bucket, key, file } };
}

/** Destination bucket → the asset folders (and key prefix) each Custom::CDKBucketDeployment copies into it. */
export function bucketDeployments(ctx: LoadContext): Map<string, { prefix: string; dir: string }[]> {
  const out = new Map<string, { prefix: string; dir: string }[]>();
  for (const n of ctx.r.resources('Custom::CDKBucketDeployment')) {
    const bucket = ctx.r.propString(n, 'DestinationBucketName');
    if (!bucket) continue;
    const prefix = ctx.r.propString(n, 'DestinationBucketKeyPrefix') ?? '';
    for (const objectKey of (ctx.r.prop(n, 'SourceObjectKeys') ?? []) as string[]) {
      const dir = ctx.asm.assets.get(s3Key(String(objectKey)));
      if (dir) (out.get(bucket) ?? out.set(bucket, []).get(bucket)!).push({ prefix: prefix ? `${prefix.replace(/\/$/, '')}/` : '', dir });
    }
  }
  return out;
}

function deployedFile(deployments: Map<string, { prefix: string; dir: string }[]>, bucket: string, key: string): string | undefined {
  for (const { prefix, dir } of deployments.get(bucket) ?? []) {
    if (!key.startsWith(prefix)) continue;
    const file = path.join(dir, key.slice(prefix.length));
    if (existsSync(file)) return file;
  }
  return undefined;
}
