import * as ids from './ids.js';
import type { ResourceNode, ResourcePhysics, Resolver } from './intrinsics.js';
import { LOCAL_ENDPOINT } from './local_endpoint.js';

/**
 * Local physical ids and attributes per resource type: what `Ref` and `Fn::GetAtt` return.
 * Names given in the template are kept; otherwise names are generated like CloudFormation's
 * (`<stack>-<logicalId>-<SUFFIX>`) and ids take the shape of the service's own ids (ids.ts).
 * ARNs carry the local region and account.
 */

type Attr = (r: Resolver, n: ResourceNode) => unknown;

interface Rule {
  /** The Ref value. Defaults to the generated name. */
  ref?: (r: Resolver, n: ResourceNode) => string;
  attrs?: Record<string, Attr>;
}

export const seedOf = (n: ResourceNode) => `${n.stack.path}/${n.logicalId}`;

/** The template's explicit name property, else a CloudFormation-style generated name. */
function named(prop: string | undefined, maxLength = 64) {
  return (r: Resolver, n: ResourceNode): string =>
    (prop ? r.propString(n, prop) : undefined) ?? ids.generatedName(n.stack.name, n.logicalId, seedOf(n), maxLength);
}

const refOf = (r: Resolver, n: ResourceNode) => String(r.ref(n.stack, n.logicalId));
const arn = (r: Resolver, service: string, resource: string, scope: 'regional' | 'global' | 'none' = 'regional') =>
  `arn:${r.partition}:${service}:${scope === 'regional' ? r.region : ''}:${scope === 'none' ? '' : r.accountId}:${resource}`;
const prop = (name: string): Attr => (r, n) => r.prop(n, name);

const apiIdOf = (r: Resolver, n: ResourceNode) => {
  const apiId = r.propString(n, 'ApiId');
  if (!apiId) r.fail({ stack: n.stack, logicalId: n.logicalId, path: 'ApiId' }, n.def.Properties?.ApiId ?? null, 'the AppSync resource names no ApiId');
  return apiId;
};
const appSyncArn = (r: Resolver, resource: string) => arn(r, 'appsync', `apis/${resource}`);

const tableName = named('TableName', 255);
const tableRule = (nameOf: (r: Resolver, n: ResourceNode) => string, arnAttrs: string[], streamAttrs: string[]): Rule => {
  const tableArn: Attr = (r, n) => arn(r, 'dynamodb', `table/${refOf(r, n)}`);
  // DynamoDB stream labels are creation timestamps; a fixed one keeps the ARN deterministic.
  const streamArn: Attr = (r, n) => `${String(tableArn(r, n))}/stream/1970-01-01T00:00:00.000`;
  return {
    ref: nameOf,
    attrs: {
      ...Object.fromEntries(arnAttrs.map((a) => [a, tableArn])),
      ...Object.fromEntries(streamAttrs.map((a) => [a, streamArn])),
      TableName: refOf,
      Name: refOf,
    },
  };
};

function bucketRef(r: Resolver, n: ResourceNode): string {
  const explicit = r.propString(n, 'BucketName');
  if (explicit) return explicit.includes('.') ? explicit : ids.bucketName(explicit, seedOf(n));
  return ids.bucketName(friendlyName(r, n) ?? n.logicalId, seedOf(n));
}

/** The `amplify:friendly-name` tag Gen 2 puts on the resources of each `define*`. */
export function friendlyName(r: Resolver, n: ResourceNode): string | undefined {
  const tags = n.def.Properties?.Tags;
  if (Array.isArray(tags)) {
    const tag = tags.find((t) => (t as { Key?: unknown }).Key === 'amplify:friendly-name') as { Value?: unknown } | undefined;
    return tag?.Value === undefined ? undefined : r.string(tag.Value, { stack: n.stack, logicalId: n.logicalId, path: 'Tags' });
  }
  if (tags && typeof tags === 'object') {
    const value = (tags as Record<string, unknown>)['amplify:friendly-name'];
    return value === undefined ? undefined : r.string(value, { stack: n.stack, logicalId: n.logicalId, path: 'Tags' });
  }
  return undefined;
}

const RULES: Record<string, Rule> = {
  'AWS::Cognito::UserPool': {
    ref: (r, n) => ids.userPoolId(r.region, seedOf(n)),
    attrs: {
      Arn: (r, n) => arn(r, 'cognito-idp', `userpool/${refOf(r, n)}`),
      ProviderName: (r, n) => `cognito-idp.${r.region}.${r.urlSuffix}/${refOf(r, n)}`,
      ProviderURL: (r, n) => `https://cognito-idp.${r.region}.${r.urlSuffix}/${refOf(r, n)}`,
      UserPoolId: refOf,
    },
  },
  'AWS::Cognito::UserPoolClient': {
    ref: (_r, n) => ids.userPoolClientId(seedOf(n)),
    attrs: { ClientId: refOf, Name: prop('ClientName'), ClientSecret: (_r, n) => ids.userPoolClientSecret(seedOf(n)) },
  },
  'AWS::Cognito::UserPoolGroup': { ref: named('GroupName', 128) },
  'AWS::Cognito::UserPoolDomain': { ref: named('Domain', 63) },
  'AWS::Cognito::IdentityPool': {
    ref: (r, n) => ids.identityPoolId(r.region, seedOf(n)),
    attrs: { Id: refOf, Name: (r, n) => r.propString(n, 'IdentityPoolName') ?? n.logicalId },
  },
  'AWS::Cognito::IdentityPoolRoleAttachment': { attrs: { Id: refOf } },
  'AWS::IAM::Role': {
    ref: named('RoleName', 64),
    attrs: {
      Arn: (r, n) => arn(r, 'iam', `role${r.propString(n, 'Path') ?? '/'}${refOf(r, n)}`, 'global'),
      RoleId: (_r, n) => ids.roleId(seedOf(n)),
    },
  },
  'AWS::IAM::Policy': { attrs: { Id: refOf } },
  'AWS::IAM::ManagedPolicy': {
    ref: (r, n) => arn(r, 'iam', `policy${r.propString(n, 'Path') ?? '/'}${named('ManagedPolicyName', 128)(r, n)}`, 'global'),
    attrs: { PolicyArn: refOf, PolicyId: (_r, n) => `ANPA${ids.derive(`policyid:${seedOf(n)}`, ids.UPPER_ALNUM, 17)}` },
  },
  'AWS::Lambda::Function': {
    ref: named('FunctionName', 64),
    attrs: { Arn: (r, n) => arn(r, 'lambda', `function:${refOf(r, n)}`) },
  },
  'AWS::Lambda::LayerVersion': {
    ref: (r, n) => arn(r, 'lambda', `layer:${named('LayerName', 64)(r, n)}:1`),
    attrs: { LayerVersionArn: refOf },
  },
  'AWS::Lambda::EventSourceMapping': { ref: (_r, n) => ids.uuidFrom(`esm:${seedOf(n)}`), attrs: { Id: refOf } },
  'AWS::AppSync::GraphQLApi': {
    ref: (r, n) => appSyncArn(r, ids.appSyncId(seedOf(n))),
    attrs: {
      ApiId: (_r, n) => ids.appSyncId(seedOf(n)),
      Arn: refOf,
      GraphQLEndpointArn: refOf,
      // Served by the local cloud's data service; see local_endpoint.ts for the marker.
      GraphQLUrl: () => `${LOCAL_ENDPOINT}/graphql`,
      RealtimeUrl: () => `${LOCAL_ENDPOINT}/graphql/realtime`,
    },
  },
  'AWS::AppSync::GraphQLSchema': {},
  'AWS::AppSync::ApiKey': {
    ref: (r, n) => appSyncArn(r, `${apiIdOf(r, n)}/apikeys/${ids.appSyncApiKey(seedOf(n))}`),
    attrs: { ApiKey: (_r, n) => ids.appSyncApiKey(seedOf(n)), Arn: refOf, ApiKeyId: (_r, n) => ids.appSyncApiKey(seedOf(n)) },
  },
  'AWS::AppSync::DataSource': {
    ref: (r, n) => appSyncArn(r, `${apiIdOf(r, n)}/datasources/${r.propString(n, 'Name')}`),
    attrs: { DataSourceArn: refOf, Name: prop('Name') },
  },
  'AWS::AppSync::FunctionConfiguration': {
    ref: (r, n) => appSyncArn(r, `${apiIdOf(r, n)}/functions/${ids.appSyncId(seedOf(n))}`),
    attrs: { FunctionArn: refOf, FunctionId: (_r, n) => ids.appSyncId(seedOf(n)), Name: prop('Name'), DataSourceName: prop('DataSourceName') },
  },
  'AWS::AppSync::Resolver': {
    ref: (r, n) => appSyncArn(r, `${apiIdOf(r, n)}/types/${r.propString(n, 'TypeName')}/resolvers/${r.propString(n, 'FieldName')}`),
    attrs: { ResolverArn: refOf, FieldName: prop('FieldName'), TypeName: prop('TypeName') },
  },
  'AWS::DynamoDB::Table': tableRule(tableName, ['Arn'], ['StreamArn']),
  'AWS::DynamoDB::GlobalTable': tableRule(tableName, ['Arn'], ['StreamArn']),
  // Gen 2 data tables: a custom resource with lowerCamel properties, named `<Model>-<apiId>-NONE`.
  'Custom::AmplifyDynamoDBTable': tableRule(named('tableName', 255), ['TableArn'], ['TableStreamArn']),
  'AWS::S3::Bucket': {
    ref: bucketRef,
    attrs: {
      Arn: (r, n) => arn(r, 's3', refOf(r, n), 'none'),
      DomainName: (r, n) => `${refOf(r, n)}.s3.${r.urlSuffix}`,
      RegionalDomainName: (r, n) => `${refOf(r, n)}.s3.${r.region}.${r.urlSuffix}`,
      DualStackDomainName: (r, n) => `${refOf(r, n)}.s3.dualstack.${r.region}.${r.urlSuffix}`,
      WebsiteURL: (r, n) => `http://${refOf(r, n)}.s3-website-${r.region}.${r.urlSuffix}`,
    },
  },
  'AWS::SSM::Parameter': {
    ref: (r, n) => r.propString(n, 'Name') ?? `CFN-${n.logicalId}-${ids.derive(`ssm:${seedOf(n)}`, ids.ALNUM, 12)}`,
    attrs: { Type: prop('Type'), Value: prop('Value') },
  },
  'AWS::SQS::Queue': {
    // The queue URL names the local endpoint, so SDK clients handed it (the SQS client sends to the
    // URL's host) reach the local queues service.
    ref: (r, n) => `${LOCAL_ENDPOINT}/${r.accountId}/${queueName(r, n)}`,
    attrs: {
      Arn: (r, n) => arn(r, 'sqs', queueName(r, n)),
      QueueName: (r, n) => queueName(r, n),
      QueueUrl: refOf,
    },
  },
  'AWS::SNS::Topic': {
    ref: (r, n) => arn(r, 'sns', named('TopicName', 256)(r, n)),
    attrs: { TopicArn: refOf, TopicName: (r, n) => named('TopicName', 256)(r, n) },
  },
  'AWS::KMS::Key': {
    ref: (_r, n) => ids.uuidFrom(`kms:${seedOf(n)}`),
    attrs: { Arn: (r, n) => arn(r, 'kms', `key/${refOf(r, n)}`), KeyId: refOf },
  },
  'AWS::KMS::Alias': { ref: named('AliasName', 256) },
  'AWS::Kinesis::Stream': {
    ref: named('Name', 128),
    attrs: { Arn: (r, n) => arn(r, 'kinesis', `stream/${refOf(r, n)}`) },
  },
  'AWS::KinesisFirehose::DeliveryStream': {
    ref: named('DeliveryStreamName', 64),
    attrs: { Arn: (r, n) => arn(r, 'firehose', `deliverystream/${refOf(r, n)}`) },
  },
  'AWS::Pinpoint::App': {
    ref: (_r, n) => ids.pinpointAppId(seedOf(n)),
    attrs: { Arn: (r, n) => arn(r, 'mobiletargeting', `apps/${refOf(r, n)}`) },
  },
  'AWS::CloudWatch::Dashboard': { ref: named('DashboardName', 255) },
  'AWS::CloudWatch::Alarm': {
    ref: named('AlarmName', 255),
    attrs: { Arn: (r, n) => arn(r, 'cloudwatch', `alarm:${refOf(r, n)}`) },
  },
  'AWS::Logs::LogGroup': {
    ref: named('LogGroupName', 512),
    attrs: { Arn: (r, n) => arn(r, 'logs', `log-group:${refOf(r, n)}:*`) },
  },
  'AWS::StepFunctions::StateMachine': {
    ref: (r, n) => arn(r, 'states', `stateMachine:${named('StateMachineName', 80)(r, n)}`),
    attrs: { Arn: refOf, Name: (r, n) => named('StateMachineName', 80)(r, n) },
  },
  'AWS::Events::Rule': {
    ref: named('Name', 64),
    attrs: { Arn: (r, n) => arn(r, 'events', `rule/${refOf(r, n)}`) },
  },
  'AWS::Scheduler::Schedule': {
    ref: named('Name', 64),
    attrs: { Arn: (r, n) => arn(r, 'scheduler', `schedule/${r.propString(n, 'GroupName') ?? 'default'}/${refOf(r, n)}`) },
  },
  'AWS::CloudFormation::Stack': {
    ref: (r, n) => {
      const child = n.stack.children.get(n.logicalId);
      return child ? r.stackId(child) : ids.generatedName(n.stack.name, n.logicalId, seedOf(n), 128);
    },
  },
};

function queueName(r: Resolver, n: ResourceNode): string {
  const explicit = r.propString(n, 'QueueName');
  if (explicit) return explicit;
  const fifo = r.prop(n, 'FifoQueue') === true || r.prop(n, 'FifoQueue') === 'true';
  return fifo ? `${ids.generatedName(n.stack.name, n.logicalId, seedOf(n), 75)}.fifo` : ids.generatedName(n.stack.name, n.logicalId, seedOf(n), 80);
}

/** Pinpoint channel resources return their application id as Ref. */
const PINPOINT_CHANNEL = /^AWS::Pinpoint::\w+Channel$/;

const isCustomResource = (type: string) => type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource';

export const localPhysics: ResourcePhysics = {
  ref(r, n) {
    const type = n.def.Type;
    if (PINPOINT_CHANNEL.test(type)) return r.propString(n, 'ApplicationId') ?? named(undefined)(r, n);
    const rule = RULES[type];
    return rule?.ref ? rule.ref(r, n) : named(undefined)(r, n);
  },
  attr(r, n, name) {
    const fn = RULES[n.def.Type]?.attrs?.[name];
    if (fn) return fn(r, n);
    // A custom resource's attributes come from its handler at deploy time. Those CDK passes through
    // as properties of the same name (BucketDeployment's DestinationBucketArn) are known here.
    if (isCustomResource(n.def.Type) && n.def.Properties?.[name] !== undefined) return r.prop(n, name);
    return undefined;
  },
};
