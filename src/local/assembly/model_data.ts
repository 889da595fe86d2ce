/** The AppSync API of the backend model. */

import type { TableModel } from './model_tables.js';

export type AppSyncAuthMode = 'AMAZON_COGNITO_USER_POOLS' | 'AWS_IAM' | 'API_KEY' | 'AWS_LAMBDA' | 'OPENID_CONNECT';

export interface DataSourceModel {
  name: string;
  type: 'AMAZON_DYNAMODB' | 'AWS_LAMBDA' | 'NONE' | 'HTTP' | 'RELATIONAL_DATABASE' | 'AMAZON_OPENSEARCH_SERVICE' | 'AMAZON_EVENTBRIDGE';
  /** For AMAZON_DYNAMODB: the local table name. */
  tableName?: string;
  /** For AWS_LAMBDA: the `FunctionModel.logicalId` it invokes. */
  functionLogicalId?: string;
  /** For HTTP: HttpConfig.Endpoint. */
  httpEndpoint?: string;
  serviceRoleArn?: string;
}

export interface ResolverCode {
  /** VTL 2018-05-29 templates, or an APPSYNC_JS `code` body. */
  runtime: 'VTL' | 'APPSYNC_JS';
  requestTemplate?: string;
  responseTemplate?: string;
  code?: string;
}

export interface AppSyncFunctionModel extends ResolverCode {
  /** Local function id (also what pipeline configs reference). */
  id: string;
  name: string;
  dataSource: string;
  logicalId?: string;
  maxBatchSize?: number;
}

export interface ResolverModel extends ResolverCode {
  typeName: string;
  fieldName: string;
  kind: 'PIPELINE' | 'UNIT';
  /** PIPELINE: ordered `AppSyncFunctionModel.id`s. */
  pipeline: string[];
  /** UNIT: the data source name. */
  dataSource?: string;
  maxBatchSize?: number;
  logicalId?: string;
}

export interface DataModel {
  apiLogicalId: string;
  /** Local API id (26 lowercase alnum). */
  apiId: string;
  name: string;
  defaultAuthMode: AppSyncAuthMode;
  additionalAuthModes: AppSyncAuthMode[];
  /** When API_KEY is enabled: the local key value. */
  apiKey?: string;
  /** Transformed SDL (the schema AppSync serves). */
  schema: string;
  /** Model introspection JSON (what `generateClient` needs), parsed. */
  modelIntrospection?: unknown;
  resolvers: ResolverModel[];
  functions: AppSyncFunctionModel[];
  dataSources: DataSourceModel[];
  tables: TableModel[];
  /** Role ARNs the transformer grants IAM admin access (functions with allow.resource, etc.). */
  iamAdminRoleArns?: string[];
  /**
   * Where a deployed API keeps the model introspection JSON for functions (the SSM values
   * AMPLIFY_DATA_MODEL_INTROSPECTION_SCHEMA_BUCKET_NAME/_KEY): a local system bucket (its name contains
   * a dot) and key. The storage service serves `modelIntrospection` there, read-only. `file` is the
   * asset file in the assembly holding it.
   */
  modelIntrospectionLocation?: { bucket: string; key: string; file?: string };
  /** API_KEY expiry (epoch seconds) when the template sets one. */
  apiKeyExpires?: number;
  /** AppSync's QueryDepthLimit and ResolverCountLimit (1–75, 1–10000); absent or 0 = no limit. */
  queryDepthLimit?: number;
  resolverCountLimit?: number;
  /** The user pool of AMAZON_COGNITO_USER_POOLS modes (local id). */
  userPoolId?: string;
  /** AWS_LAMBDA authorization: the authorizer function. */
  lambdaAuthorizer?: { functionLogicalId: string; ttlSeconds?: number; identityValidationExpression?: string };
  /** OPENID_CONNECT authorization. */
  openIdConnect?: { issuer: string; clientId?: string; iatTtlMs?: number; authTtlMs?: number };
  /** The GraphQL URL; contains the `${LOCAL_ENDPOINT}` marker (see local_endpoint.ts). */
  graphqlUrl?: string;
}
