import * as ids from './ids.js';
import type { ResourceNode, Resolver } from './intrinsics.js';
import { LOCAL_ENDPOINT } from './local_endpoint.js';
import { MORE_RETURN_VALUES } from './return_values_more.js';
import { arn, type Attr, EPOCH, friendlyName, named, prop, refOf, type ReturnValues, seedOf, uuidOf } from './return_value_kit.js';

/**
 * What `Ref` and `Fn::GetAtt` return, per resource type, following the "Return values" section of
 * each type's CloudFormation reference: local, deterministic values of the real shape. Names given in
 * the template are kept; otherwise names are generated like CloudFormation's (`<stack>-<logicalId>-<SUFFIX>`)
 * and ids take the shape of the service's own ids (ids.ts). ARNs carry the local region and account.
 *
 * One table for every type, emulated or not (the classification is emulation.ts): apps put these
 * values in `addOutput` and escape hatches whether or not the local cloud serves the resource. A
 * type listed here rejects an attribute CloudFormation does not document (deploy would too); a type
 * not listed gets placeholders shaped by the attribute's name (placeholders.ts).
 */

const apiIdOf = (r: Resolver, n: ResourceNode) => {
  const apiId = r.propString(n, 'ApiId');
  if (!apiId) r.fail({ stack: n.stack, logicalId: n.logicalId, path: 'ApiId' }, n.def.Properties?.ApiId ?? null, 'the AppSync resource names no ApiId');
  return apiId;
};
const appSyncArn = (r: Resolver, resource: string) => arn(r, 'appsync', `apis/${resource}`);

const tableName = named('TableName', 255);
const tableArn: Attr = (r, n) => arn(r, 'dynamodb', `table/${refOf(r, n)}`);
// DynamoDB stream labels are creation timestamps; a fixed one keeps the ARN deterministic.
const streamArn: Attr = (r, n) => `${String(tableArn(r, n))}/stream/1970-01-01T00:00:00.000`;

function bucketRef(r: Resolver, n: ResourceNode): string {
  const explicit = r.propString(n, 'BucketName');
  if (explicit) return explicit.includes('.') ? explicit : ids.bucketName(explicit, seedOf(n));
  return ids.bucketName(friendlyName(r, n) ?? n.logicalId, seedOf(n));
}

function queueName(r: Resolver, n: ResourceNode): string {
  const explicit = r.propString(n, 'QueueName');
  if (explicit) return explicit;
  const fifo = r.prop(n, 'FifoQueue') === true || r.prop(n, 'FifoQueue') === 'true';
  return fifo ? `${ids.generatedName(n.stack.name, n.logicalId, seedOf(n), 75)}.fifo` : ids.generatedName(n.stack.name, n.logicalId, seedOf(n), 80);
}

const topicName = named('TopicName', 256);
const stateMachineName = named('StateMachineName', 80);

/** The resource's Ref is its id; the attribute of the same name repeats it. */
const idAttr = { Id: refOf };

export const RETURN_VALUES: Record<string, ReturnValues> = {
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
  'AWS::Cognito::UserPoolDomain': {
    ref: named('Domain', 63),
    attrs: { CloudFrontDistribution: (_r, n) => `d${ids.derive(`cloudfront:${seedOf(n)}`, ids.LOWER_ALNUM, 13)}.cloudfront.net` },
  },
  'AWS::Cognito::IdentityPool': {
    ref: (r, n) => ids.identityPoolId(r.region, seedOf(n)),
    attrs: { Id: refOf, Name: (r, n) => r.propString(n, 'IdentityPoolName') ?? n.logicalId },
  },
  'AWS::Cognito::IdentityPoolRoleAttachment': { attrs: idAttr },
  'AWS::IAM::Role': {
    ref: named('RoleName', 64),
    attrs: {
      Arn: (r, n) => arn(r, 'iam', `role${r.propString(n, 'Path') ?? '/'}${refOf(r, n)}`, 'global'),
      RoleId: (_r, n) => ids.roleId(seedOf(n)),
    },
  },
  'AWS::IAM::Policy': { attrs: idAttr },
  'AWS::IAM::ManagedPolicy': {
    ref: (r, n) => arn(r, 'iam', `policy${r.propString(n, 'Path') ?? '/'}${named('ManagedPolicyName', 128)(r, n)}`, 'global'),
    attrs: {
      PolicyArn: refOf,
      PolicyId: (_r, n) => `ANPA${ids.derive(`policyid:${seedOf(n)}`, ids.UPPER_ALNUM, 17)}`,
      DefaultVersionId: () => 'v1',
      IsAttachable: () => 'true',
      AttachmentCount: () => '0',
      PermissionsBoundaryUsageCount: () => '0',
      CreateDate: () => EPOCH,
      UpdateDate: () => EPOCH,
    },
  },
  'AWS::IAM::User': {
    ref: named('UserName', 64),
    attrs: { Arn: (r, n) => arn(r, 'iam', `user${r.propString(n, 'Path') ?? '/'}${refOf(r, n)}`, 'global') },
  },
  'AWS::Lambda::Function': {
    ref: named('FunctionName', 64),
    attrs: { Arn: (r, n) => arn(r, 'lambda', `function:${refOf(r, n)}`) },
  },
  'AWS::Lambda::LayerVersion': {
    ref: (r, n) => arn(r, 'lambda', `layer:${named('LayerName', 64)(r, n)}:1`),
    attrs: { LayerVersionArn: refOf },
  },
  'AWS::Lambda::EventSourceMapping': {
    ref: uuidOf('esm'),
    attrs: { Id: refOf, EventSourceMappingArn: (r, n) => arn(r, 'lambda', `event-source-mapping:${refOf(r, n)}`) },
  },
  'AWS::AppSync::GraphQLApi': {
    ref: (r, n) => appSyncArn(r, ids.appSyncId(seedOf(n))),
    attrs: {
      ApiId: (_r, n) => ids.appSyncId(seedOf(n)),
      Arn: refOf,
      GraphQLEndpointArn: refOf,
      // Served by the local cloud's data service; see local_endpoint.ts for the marker.
      GraphQLUrl: () => `${LOCAL_ENDPOINT}/graphql`,
      RealtimeUrl: () => `${LOCAL_ENDPOINT}/graphql/realtime`,
      // AWS's host names, in AWS's shape (the local API answers at the local endpoint, not there).
      GraphQLDns: (r, n) => `${ids.appSyncId(seedOf(n))}.appsync-api.${r.region}.${r.urlSuffix}`,
      RealtimeDns: (r, n) => `${ids.appSyncId(seedOf(n))}.appsync-realtime-api.${r.region}.${r.urlSuffix}`,
    },
  },
  'AWS::AppSync::GraphQLSchema': { attrs: idAttr },
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
  'AWS::DynamoDB::Table': { ref: tableName, attrs: { Arn: tableArn, StreamArn: streamArn } },
  'AWS::DynamoDB::GlobalTable': { ref: tableName, attrs: { Arn: tableArn, StreamArn: streamArn, TableId: uuidOf('tableid') } },
  // Gen 2 data tables: a custom resource with lowerCamel properties, named `<Model>-<apiId>-NONE`.
  // Its attributes are what Amplify's table manager returns.
  'Custom::AmplifyDynamoDBTable': {
    ref: named('tableName', 255),
    attrs: { TableArn: tableArn, TableStreamArn: streamArn, TableName: refOf, Name: refOf },
  },
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
    attrs: {
      Type: prop('Type'),
      Value: prop('Value'),
      Arn: (r, n) => arn(r, 'ssm', `parameter/${refOf(r, n).replace(/^\//, '')}`),
    },
  },
  'AWS::SQS::Queue': {
    // The queue URL names the local endpoint, so SDK clients handed it (the SQS client sends to the
    // URL's host) reach the local queues service.
    ref: (r, n) => `${LOCAL_ENDPOINT}/${r.accountId}/${queueName(r, n)}`,
    attrs: { Arn: (r, n) => arn(r, 'sqs', queueName(r, n)), QueueName: queueName, QueueUrl: refOf },
  },
  'AWS::SQS::QueuePolicy': { attrs: idAttr },
  'AWS::SNS::Topic': {
    ref: (r, n) => arn(r, 'sns', topicName(r, n)),
    attrs: { TopicArn: refOf, TopicName: topicName },
  },
  'AWS::SNS::Subscription': {
    ref: (r, n) => `${r.propString(n, 'TopicArn') ?? arn(r, 'sns', 'topic')}:${ids.uuidFrom(`subscription:${seedOf(n)}`)}`,
    attrs: { Arn: refOf },
  },
  'AWS::SNS::TopicPolicy': { attrs: idAttr },
  'AWS::KMS::Key': {
    ref: uuidOf('kms'),
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
    attrs: { Arn: (r, n) => arn(r, 'mobiletargeting', `apps/${refOf(r, n)}`), Id: refOf },
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
    ref: (r, n) => arn(r, 'states', `stateMachine:${stateMachineName(r, n)}`),
    attrs: { Arn: refOf, Name: stateMachineName, StateMachineRevisionId: refOf },
  },
  'AWS::Events::EventBus': {
    ref: named('Name', 256),
    attrs: {
      Arn: (r, n) => arn(r, 'events', `event-bus/${refOf(r, n)}`),
      Name: refOf,
      Policy: (r, n) => {
        const policy = r.prop(n, 'Policy');
        return typeof policy === 'string' ? policy : JSON.stringify(policy ?? {});
      },
    },
  },
  'AWS::Events::Rule': {
    // A rule on a custom bus is `<bus>|<rule>`; on the default bus, its name.
    ref: (r, n) => {
      const bus = busName(r, n);
      return bus ? `${bus}|${named('Name', 64)(r, n)}` : named('Name', 64)(r, n);
    },
    attrs: {
      Arn: (r, n) => {
        const bus = busName(r, n);
        return arn(r, 'events', `rule/${bus ? `${bus}/` : ''}${named('Name', 64)(r, n)}`);
      },
      RuleName: (r, n) => named('Name', 64)(r, n),
    },
  },
  'AWS::CloudFormation::Stack': {
    ref: (r, n) => {
      const child = n.stack.children.get(n.logicalId);
      return child ? r.stackId(child) : ids.generatedName(n.stack.name, n.logicalId, seedOf(n), 128);
    },
    attrs: {
      StackId: refOf,
      StackStatus: () => 'CREATE_COMPLETE',
      CreationTime: () => EPOCH,
      LastUpdateTime: () => EPOCH,
      RootId: (r) => r.stackId(r.assembly.root),
      ParentId: (r, n) => r.stackId(n.stack),
      ChangeSetId: (r, n) => arn(r, 'cloudformation', `changeSet/local/${ids.uuidFrom(`changeset:${seedOf(n)}`)}`),
    },
  },
  ...MORE_RETURN_VALUES,
};

/** The bus a rule is on when it is not the default one (a name or an ARN in the template). */
function busName(r: Resolver, n: ResourceNode): string | undefined {
  const bus = r.propString(n, 'EventBusName');
  if (!bus || bus === 'default') return undefined;
  return bus.startsWith('arn:') ? bus.slice(bus.lastIndexOf('/') + 1) : bus;
}
