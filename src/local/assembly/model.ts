/**
 * The typed view of a synthesized Gen 2 backend that every local service is configured from.
 * Everything here is read from the cloud assembly (templates + assets) by `load_assembly.ts`;
 * nothing is declared by hand. CloudFormation intrinsics are resolved to local physical ids.
 *
 * Changes to these types must be additive: every service reads them.
 */

export interface BackendModel {
  /** Root stack name, e.g. `amplify-app-local-sandbox-0300a24c75`. */
  stackName: string;
  region: string;
  /** The local cloud's fake account id (12 digits). */
  accountId: string;
  /** Absolute path of the cloud assembly directory (assets live there). */
  assemblyDir: string;
  auth?: AuthModel;
  data?: DataModel;
  storage?: StorageModel;
  functions: FunctionModel[];
  eventSourceMappings: EventSourceMappingModel[];
  iam: IamModel;
  messaging: MessagingModel;
  /** Resolved root-stack outputs (the values `ampx generate outputs` would read), keyed by output name. */
  stackOutputs: Record<string, string>;
  /** Parsed `customOutputs` (what `backend.addOutput` added), or `{}`. */
  customOutputs: Record<string, unknown>;
  /**
   * CDK/Amplify-internal Lambda functions (custom-resource providers, the table manager, bucket
   * deployments...): listed for completeness, never run locally. Each has `internal: true`.
   */
  internalFunctions?: FunctionModel[];
  /** Things the loader skipped or could not fully resolve that the local cloud does not need. */
  warnings?: string[];
}

// ── auth ─────────────────────────────────────────────────────────────────────

export type CognitoTrigger =
  | 'PreSignUp'
  | 'PostConfirmation'
  | 'PreAuthentication'
  | 'PostAuthentication'
  | 'PreTokenGeneration'
  | 'CustomMessage'
  | 'DefineAuthChallenge'
  | 'CreateAuthChallenge'
  | 'VerifyAuthChallengeResponse'
  | 'UserMigration';

export interface AttributeSchema {
  /** Cognito attribute name, e.g. `email`, `phone_number`, `given_name`, `custom:tier`. */
  name: string;
  required: boolean;
  mutable: boolean;
  dataType: 'String' | 'Number' | 'DateTime' | 'Boolean';
  minLength?: number;
  maxLength?: number;
}

export interface PasswordPolicy {
  minimumLength: number;
  requireLowercase: boolean;
  requireUppercase: boolean;
  requireNumbers: boolean;
  requireSymbols: boolean;
  temporaryPasswordValidityDays: number;
}

export interface UserPoolModel {
  logicalId: string;
  /** Local pool id, `<region>_<9 alnum>`, stable for a given assembly. */
  id: string;
  name: string;
  /** `email` and/or `phone_number` when they are used as the username (UsernameAttributes). */
  usernameAttributes: string[];
  aliasAttributes: string[];
  /** AutoVerifiedAttributes: `email`, `phone_number`. */
  autoVerifiedAttributes: string[];
  /** Standard + custom attributes with their constraints. */
  schema: AttributeSchema[];
  passwordPolicy: PasswordPolicy;
  mfaConfiguration: 'OFF' | 'ON' | 'OPTIONAL';
  /** Enabled MFA types, e.g. `SMS_MFA`, `SOFTWARE_TOKEN_MFA`, `EMAIL_OTP`. */
  enabledMfas: string[];
  /** AccountRecoverySetting.RecoveryMechanisms ordered by priority (`verified_email`, `verified_phone_number`, `admin_only`). */
  accountRecovery: string[];
  verificationMessage: {
    emailSubject?: string;
    emailMessage?: string;
    smsMessage?: string;
    defaultEmailOption?: 'CONFIRM_WITH_CODE' | 'CONFIRM_WITH_LINK';
  };
  mfaMessage?: string;
  /** Lambda triggers declared on the pool → the `FunctionModel.logicalId` they invoke. */
  triggers: Partial<Record<CognitoTrigger, string>>;
  /** AdminCreateUserConfig.AllowAdminCreateUserOnly. */
  adminCreateUserOnly: boolean;
  groups: { name: string; precedence?: number; roleArn?: string; description?: string }[];
  /** Local pool ARN. */
  arn?: string;
  /** UsernameConfiguration.CaseSensitive (Cognito's API default when absent: true). */
  usernameCaseSensitive?: boolean;
  /** UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate. */
  attributesRequireVerificationBeforeUpdate?: string[];
  /** AdminCreateUserConfig.UnusedAccountValidityDays / InviteMessageTemplate. */
  inviteMessage?: { emailSubject?: string; emailMessage?: string; smsMessage?: string };
  /** `LambdaConfig.PreTokenGenerationConfig.LambdaVersion` (`V1_0`, `V2_0`, `V3_0`) when declared that way. */
  preTokenGenerationVersion?: string;
}

export interface UserPoolClientModel {
  logicalId: string;
  /** Local client id (26 lowercase alnum, like Cognito's). */
  id: string;
  name: string;
  accessTokenValidityMinutes: number;
  idTokenValidityMinutes: number;
  refreshTokenValidityMinutes: number;
  /** ExplicitAuthFlows as in the template, e.g. `ALLOW_USER_SRP_AUTH`, `ALLOW_REFRESH_TOKEN_AUTH`. */
  explicitAuthFlows: string[];
  enableTokenRevocation: boolean;
  preventUserExistenceErrors: boolean;
  readAttributes?: string[];
  writeAttributes?: string[];
  /** AuthSessionValidity in minutes (Cognito default 3). */
  authSessionValidityMinutes?: number;
  /** Local client secret when the template asks for one (GenerateSecret). */
  clientSecret?: string;
  callbackUrls?: string[];
  logoutUrls?: string[];
  allowedOAuthFlows?: string[];
  allowedOAuthScopes?: string[];
}

export interface IdentityPoolModel {
  logicalId: string;
  /** Local identity pool id, `<region>:<uuid>`. */
  id: string;
  name: string;
  allowUnauthenticated: boolean;
  /** Cognito user pool providers accepted in `Logins`. */
  providers: { userPoolId: string; clientId: string }[];
  /** Role ARNs from the role attachment. */
  authenticatedRoleArn?: string;
  unauthenticatedRoleArn?: string;
  /**
   * IdentityPoolRoleAttachment.RoleMappings: `provider` is `<providerName>:<clientId>` as in the template
   * (its region/pool are local). `Token` means: use the token's `cognito:preferred_role`/`cognito:roles`.
   */
  roleMappings?: {
    provider: string;
    type: 'Token' | 'Rules';
    ambiguousRoleResolution?: 'AuthenticatedRole' | 'Deny';
    rules?: { claim: string; matchType: string; value: string; roleArn: string }[];
  }[];
}

export interface AuthModel {
  userPool: UserPoolModel;
  clients: UserPoolClientModel[];
  /** The client the outputs name as `user_pool_client_id` (Amplify's web client). */
  defaultClientId: string;
  identityPool?: IdentityPoolModel;
}

// ── IAM (for SigV4-authorized services: storage, IAM GraphQL, kinesis, pinpoint) ──

export interface PolicyStatementModel {
  effect: 'Allow' | 'Deny';
  actions: string[];
  /** Resolved ARNs, possibly with `${cognito-identity.amazonaws.com:sub}` policy variables kept verbatim. */
  resources: string[];
  conditions?: Record<string, Record<string, string | string[]>>;
  /** NotAction / NotResource when the statement uses them (then `actions`/`resources` may be empty). */
  notActions?: string[];
  notResources?: string[];
  /** Trust-policy statements only: Principal (`Service`, `Federated`, `AWS`) → values. */
  principals?: Record<string, string[]>;
}

export interface RoleModel {
  logicalId: string;
  arn: string;
  name: string;
  /** Every statement of every inline/attached policy that names this role. */
  statements: PolicyStatementModel[];
  /** AssumeRolePolicyDocument statements (who may assume the role). */
  trustStatements?: PolicyStatementModel[];
  /** AWS-managed (or otherwise external) policy ARNs attached by ARN; their statements are not known locally. */
  managedPolicyArns?: string[];
}

export interface IamModel {
  roles: RoleModel[];
}

// ── data (AppSync) ───────────────────────────────────────────────────────────

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

export interface KeySchemaElement {
  attributeName: string;
  keyType: 'HASH' | 'RANGE';
}

export interface TableIndexModel {
  indexName: string;
  keySchema: KeySchemaElement[];
  projection: { projectionType: 'ALL' | 'KEYS_ONLY' | 'INCLUDE'; nonKeyAttributes?: string[] };
}

export interface TableModel {
  logicalId: string;
  /** The model it backs when created by the data transformer (`Post`), else undefined. */
  modelName?: string;
  /** Local physical name, e.g. `Post-<apiId>-NONE`. */
  tableName: string;
  keySchema: KeySchemaElement[];
  attributeDefinitions: { attributeName: string; attributeType: 'S' | 'N' | 'B' }[];
  globalSecondaryIndexes: TableIndexModel[];
  localSecondaryIndexes: TableIndexModel[];
  /** `NEW_AND_OLD_IMAGES` etc. when streams are enabled. */
  streamViewType?: 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES' | 'KEYS_ONLY';
  /** Local stream ARN (what event source mappings reference). */
  streamArn?: string;
  ttlAttribute?: string;
  arn: string;
  /** `PAY_PER_REQUEST` or `PROVISIONED` when the template says. */
  billingMode?: string;
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
  /** The user pool of AMAZON_COGNITO_USER_POOLS modes (local id). */
  userPoolId?: string;
  /** AWS_LAMBDA authorization: the authorizer function. */
  lambdaAuthorizer?: { functionLogicalId: string; ttlSeconds?: number; identityValidationExpression?: string };
  /** OPENID_CONNECT authorization. */
  openIdConnect?: { issuer: string; clientId?: string; iatTtlMs?: number; authTtlMs?: number };
  /** The GraphQL URL; contains the `${LOCAL_ENDPOINT}` marker (see local_endpoint.ts). */
  graphqlUrl?: string;
}

// ── storage ──────────────────────────────────────────────────────────────────

export type StorageAccessAction = 'get' | 'list' | 'write' | 'delete';

export interface StorageBucketModel {
  logicalId: string;
  /** The name from `defineStorage` (`mediaStorage`). */
  friendlyName: string;
  /** Local bucket name; always contains a dot so the v6 client uses path-style URLs. */
  bucketName: string;
  isDefault: boolean;
  versioned: boolean;
  /**
   * Paths → access as the outputs describe them, e.g.
   * `"media/${cognito-identity.amazonaws.com:sub}/*": { "entityidentity": ["get","list","write","delete"] }`,
   * `"media/*": { "authenticated": ["get","list"] }`, `{ "groupsAdmin": [...] }`, `{ "guest": [...] }`, `{ "resource": [...] }`.
   */
  paths: Record<string, Record<string, StorageAccessAction[]>>;
  arn: string;
  /** CorsConfiguration.CorsRules. */
  corsRules?: { allowedMethods: string[]; allowedOrigins: string[]; allowedHeaders?: string[]; exposedHeaders?: string[]; maxAgeSeconds?: number }[];
}

export interface StorageModel {
  /** The user's buckets: `defineStorage` buckets (with paths) and buckets of custom stacks (paths `{}`). */
  buckets: StorageBucketModel[];
}

// ── functions ────────────────────────────────────────────────────────────────

export interface FunctionModel {
  logicalId: string;
  /** Local physical name (deterministic, like the deployed one). */
  functionName: string;
  /** Gen 2 name from `defineFunction` when known (`post-processor`). */
  friendlyName?: string;
  /** Handler string, e.g. `index.handler`. */
  handler: string;
  runtime: string;
  timeoutSeconds: number;
  memoryMB: number;
  /** Environment with intrinsics resolved to local values. */
  environment: Record<string, string>;
  /** Absolute path of the bundled code folder (`asset.<hash>/`), holding `index.mjs`. */
  codeDir: string;
  roleArn?: string;
  arn: string;
  /** True for CDK/Amplify-internal functions (only in `BackendModel.internalFunctions`). */
  internal?: boolean;
  /**
   * Variables Gen 2 declares through AMPLIFY_SSM_ENV_CONFIG, resolved from the assembly's
   * AWS::SSM::Parameter resources: name → SSM path and the local value (already in `environment`).
   * `environment.AMPLIFY_SSM_ENV_CONFIG` keeps only the entries that could not be resolved (`{}` when all were).
   */
  ssmEnvironment?: Record<string, { path: string; value: string }>;
  /**
   * `secret()` values: SSM paths with no parameter in the assembly (set with `ampx sandbox secret`).
   * Their variables keep Gen 2's placeholder `<value will be resolved during runtime>` in `environment`.
   */
  secrets?: { name: string; path: string; sharedPath?: string }[];
  architectures?: string[];
}

export interface EventSourceMappingModel {
  logicalId: string;
  functionLogicalId: string;
  /** For DynamoDB streams: the local table name behind the stream. */
  tableName?: string;
  eventSourceArn: string;
  batchSize: number;
  maxBatchingWindowSeconds: number;
  startingPosition?: 'LATEST' | 'TRIM_HORIZON';
  /** Lambda event filter patterns (JSON strings, as in FilterCriteria.Filters[].Pattern). */
  filterPatterns: string[];
  /**
   * MaximumRetryAttempts; -1 (Lambda's default for stream sources) means retry until the record
   * expires from the stream (24 h for DynamoDB streams), i.e. a failing batch blocks its shard.
   */
  maximumRetryAttempts: number;
  bisectBatchOnFunctionError: boolean;
  reportBatchItemFailures: boolean;
  enabled: boolean;
  /** MaximumRecordAgeInSeconds; -1 (default) = no limit besides the stream's retention. */
  maximumRecordAgeSeconds?: number;
  parallelizationFactor?: number;
  tumblingWindowSeconds?: number;
  /** DestinationConfig.OnFailure.Destination (e.g. an SQS queue ARN). */
  onFailureDestinationArn?: string;
  /** For Kinesis / SQS sources: the local stream or queue name. */
  streamName?: string;
  queueName?: string;
}

// ── messaging ────────────────────────────────────────────────────────────────

export interface PinpointAppModel {
  logicalId: string;
  /** Local application id (32 hex). */
  id: string;
  name: string;
  /** Channel types enabled by the template: `APNS`, `APNS_SANDBOX`, `GCM`, ... */
  channels: string[];
  arn?: string;
}

export interface KinesisStreamModel {
  logicalId: string;
  name: string;
  arn: string;
}

export interface MessagingModel {
  pinpointApps: PinpointAppModel[];
  kinesisStreams: KinesisStreamModel[];
}
