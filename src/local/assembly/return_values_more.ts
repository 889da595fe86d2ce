import * as ids from './ids.js';
import type { ResourceNode, Resolver } from './intrinsics.js';
import { arn, EPOCH, idOf, named, prop, refOf, type ReturnValues, seedOf, uuidOf } from './return_value_kit.js';

/**
 * The rest of the return-value table (return_values.ts): types apps reach through escape hatches
 * and custom stacks — API Gateway, Lambda aliases and URLs, EventBridge Scheduler, Secrets Manager,
 * CloudFront, Location, SES, more of Cognito — and those `defineNotifications` brings (Connect, Customer
 * Profiles, Wisdom, App Integrations, an HTTP API). Values follow each type's CloudFormation "Return values".
 */

/** API Gateway ids: 10 lowercase alphanumerics for APIs, 6 for resources and deployments. */
const gatewayId = (kind: string, length = 10) => idOf(`apigw-${kind}`, ids.LOWER_ALNUM, length);
const restApiId = (r: Resolver, n: ResourceNode) => r.propString(n, 'RestApiId');

const scheduleGroup = (r: Resolver, n: ResourceNode) => r.propString(n, 'GroupName') ?? 'default';
const connectInstanceId = uuidOf('connect');

function secretArn(r: Resolver, n: ResourceNode): string {
  // Secrets Manager appends a dash and six random characters to the name.
  return arn(r, 'secretsmanager', `secret:${named('Name', 256)(r, n)}-${ids.derive(`secret:${seedOf(n)}`, ids.ALNUM, 6)}`);
}

export const MORE_RETURN_VALUES: Record<string, ReturnValues> = {
  'AWS::ApiGateway::RestApi': {
    ref: gatewayId('api'),
    attrs: { RestApiId: refOf, RootResourceId: gatewayId('root') },
  },
  'AWS::ApiGateway::Stage': { ref: named('StageName', 128) },
  'AWS::ApiGateway::Deployment': { ref: gatewayId('deployment', 6), attrs: { DeploymentId: refOf } },
  'AWS::ApiGateway::Resource': { ref: gatewayId('resource', 6), attrs: { ResourceId: refOf } },
  'AWS::ApiGateway::Method': {
    ref: (r, n) => `${restApiId(r, n) ?? 'api'}-${ids.derive(`apigw-method:${seedOf(n)}`, ids.LOWER_ALNUM, 6)}`,
  },
  'AWS::ApiGateway::Authorizer': { ref: gatewayId('authorizer', 6), attrs: { AuthorizerId: refOf } },
  'AWS::ApiGateway::ApiKey': { ref: gatewayId('apikey'), attrs: { APIKeyId: refOf } },
  'AWS::ApiGateway::UsagePlan': { ref: gatewayId('usageplan', 6), attrs: { Id: refOf } },
  'AWS::ApiGatewayV2::Api': {
    ref: gatewayId('v2api'),
    attrs: {
      ApiId: refOf,
      ExecuteApiArn: (r, n) => arn(r, 'execute-api', refOf(r, n)),
      ApiEndpoint: (r, n) => {
        const websocket = r.propString(n, 'ProtocolType') === 'WEBSOCKET';
        return `${websocket ? 'wss' : 'https'}://${refOf(r, n)}.execute-api.${r.region}.${r.urlSuffix}`;
      },
    },
  },
  'AWS::ApiGatewayV2::Stage': { ref: named('StageName', 128) },
  'AWS::ApiGatewayV2::Route': { ref: gatewayId('route', 7), attrs: { RouteId: refOf } },
  'AWS::ApiGatewayV2::Integration': { ref: gatewayId('integration', 7), attrs: { IntegrationId: refOf } },
  'AWS::ApiGatewayV2::Authorizer': { ref: gatewayId('v2authorizer', 6), attrs: { AuthorizerId: refOf } },
  'AWS::ApiGatewayV2::Deployment': { ref: gatewayId('v2deployment', 6), attrs: { DeploymentId: refOf } },
  'AWS::Lambda::Alias': {
    ref: (r, n) => `${functionArn(r, n)}:${r.propString(n, 'Name') ?? n.logicalId}`,
    attrs: { AliasArn: refOf },
  },
  'AWS::Lambda::Version': {
    ref: (r, n) => `${functionArn(r, n)}:1`,
    attrs: { FunctionArn: refOf, Version: () => '1' },
  },
  'AWS::Lambda::Url': {
    ref: (r, n) => functionArn(r, n),
    attrs: {
      FunctionArn: refOf,
      FunctionUrl: (r, n) => `https://${ids.derive(`lambda-url:${seedOf(n)}`, ids.LOWER_ALNUM, 32)}.lambda-url.${r.region}.on.aws/`,
    },
  },
  'AWS::Lambda::Permission': { attrs: { Id: refOf } },
  'AWS::Scheduler::Schedule': {
    ref: named('Name', 64),
    attrs: { Arn: (r, n) => arn(r, 'scheduler', `schedule/${scheduleGroup(r, n)}/${refOf(r, n)}`) },
  },
  'AWS::Scheduler::ScheduleGroup': {
    ref: named('Name', 64),
    attrs: {
      Arn: (r, n) => arn(r, 'scheduler', `schedule-group/${refOf(r, n)}`),
      State: () => 'ACTIVE',
      CreationDate: () => EPOCH,
      LastModificationDate: () => EPOCH,
    },
  },
  'AWS::SecretsManager::Secret': { ref: secretArn, attrs: { Id: refOf } },
  'AWS::CloudFront::Distribution': {
    ref: (_r, n) => `E${ids.derive(`cloudfront-id:${seedOf(n)}`, ids.UPPER_ALNUM, 13)}`,
    attrs: {
      Id: refOf,
      DomainName: (_r, n) => `d${ids.derive(`cloudfront:${seedOf(n)}`, ids.LOWER_ALNUM, 13)}.cloudfront.net`,
    },
  },
  'AWS::Location::Map': {
    ref: named('MapName', 100),
    attrs: {
      Arn: (r, n) => arn(r, 'geo', `map/${refOf(r, n)}`),
      MapArn: (r, n) => arn(r, 'geo', `map/${refOf(r, n)}`),
      CreateTime: () => EPOCH,
      UpdateTime: () => EPOCH,
      // The provider the map style names (`VectorEsriStreets` → Esri).
      DataSource: (r, n) => {
        const style = String((r.prop(n, 'Configuration') as { Style?: unknown } | undefined)?.Style ?? '');
        return /^(?:Vector|Raster|Hybrid)(Esri|Here|OpenData|Grab)/.exec(style)?.[1] ?? 'Esri';
      },
    },
  },
  'AWS::Location::PlaceIndex': {
    ref: named('IndexName', 100),
    attrs: {
      Arn: (r, n) => arn(r, 'geo', `place-index/${refOf(r, n)}`),
      IndexArn: (r, n) => arn(r, 'geo', `place-index/${refOf(r, n)}`),
      CreateTime: () => EPOCH,
      UpdateTime: () => EPOCH,
    },
  },
  'AWS::Logs::SubscriptionFilter': { ref: named('FilterName', 512) },
  'AWS::Connect::Instance': {
    ref: (r, n) => arn(r, 'connect', `instance/${connectInstanceId(r, n)}`),
    attrs: {
      Arn: refOf,
      Id: connectInstanceId,
      InstanceStatus: () => 'ACTIVE',
      CreatedTime: () => EPOCH,
      ServiceRole: (r, n) =>
        arn(r, 'iam', `role/aws-service-role/connect.amazonaws.com/AWSServiceRoleForAmazonConnect_${ids.derive(`connect-role:${seedOf(n)}`, ids.UPPER_ALNUM, 20)}`, 'global'),
    },
  },
  'AWS::Connect::IntegrationAssociation': {
    ref: uuidOf('connect-integration'),
    attrs: { IntegrationAssociationId: refOf },
  },
  'AWS::CustomerProfiles::Domain': {
    ref: named('DomainName', 64),
    attrs: { CreatedAt: () => EPOCH, LastUpdatedAt: () => EPOCH },
  },
  'AWS::CustomerProfiles::ObjectType': {
    ref: (r, n) => `${r.propString(n, 'DomainName') ?? 'domain'}|${r.propString(n, 'ObjectTypeName') ?? n.logicalId}`,
    attrs: { CreatedAt: () => EPOCH, LastUpdatedAt: () => EPOCH, MaxAvailableProfileObjectCount: () => '0' },
  },
  'AWS::CustomerProfiles::Integration': {
    ref: (r, n) => r.propString(n, 'Uri') ?? named(undefined)(r, n),
    attrs: { CreatedAt: () => EPOCH, LastUpdatedAt: () => EPOCH },
  },
  'AWS::Wisdom::Assistant': {
    ref: uuidOf('wisdom-assistant'),
    attrs: { AssistantId: refOf, AssistantArn: (r, n) => arn(r, 'wisdom', `assistant/${refOf(r, n)}`) },
  },
  'AWS::Wisdom::KnowledgeBase': {
    ref: uuidOf('wisdom-kb'),
    attrs: { KnowledgeBaseId: refOf, KnowledgeBaseArn: (r, n) => arn(r, 'wisdom', `knowledge-base/${refOf(r, n)}`) },
  },
  'AWS::Wisdom::AssistantAssociation': {
    ref: uuidOf('wisdom-association'),
    attrs: {
      AssistantAssociationId: refOf,
      AssistantAssociationArn: (r, n) => arn(r, 'wisdom', `association/${r.propString(n, 'AssistantId') ?? 'assistant'}/${refOf(r, n)}`),
      AssistantArn: (r, n) => arn(r, 'wisdom', `assistant/${r.propString(n, 'AssistantId') ?? 'assistant'}`),
    },
  },
  'AWS::AppIntegrations::DataIntegration': {
    ref: uuidOf('data-integration'),
    attrs: { Id: refOf, DataIntegrationArn: (r, n) => arn(r, 'app-integrations', `data-integration/${refOf(r, n)}`) },
  },
  'AWS::SES::EmailIdentity': {
    ref: (r, n) => r.propString(n, 'EmailIdentity') ?? named(undefined)(r, n),
    // The three DKIM CNAME records Easy DKIM asks for.
    attrs: Object.fromEntries(
      [1, 2, 3].flatMap((i) => [
        [`DkimDNSTokenName${i}`, (r: Resolver, n: ResourceNode) => `${dkimToken(n, i)}._domainkey.${refOf(r, n).replace(/^.*@/, '')}`],
        [`DkimDNSTokenValue${i}`, (_r: Resolver, n: ResourceNode) => `${dkimToken(n, i)}.dkim.amazonses.com`],
      ]),
    ),
  },
  'AWS::SES::ConfigurationSet': { ref: named('Name', 64) },
  'AWS::SES::Template': { ref: named(undefined), attrs: { Id: refOf } },
  'AWS::Cognito::UserPoolIdentityProvider': { ref: named('ProviderName', 32) },
  'AWS::Cognito::UserPoolResourceServer': { ref: named('Identifier', 256) },
  'AWS::Cognito::UserPoolUser': { ref: named('Username', 128) },
  'AWS::Kinesis::StreamConsumer': {
    ref: (r, n) => `${r.propString(n, 'StreamARN') ?? arn(r, 'kinesis', 'stream/stream')}/consumer/${r.propString(n, 'ConsumerName') ?? n.logicalId}:0`,
    attrs: {
      ConsumerARN: refOf,
      ConsumerName: (r, n) => r.propString(n, 'ConsumerName') ?? n.logicalId,
      StreamARN: prop('StreamARN'),
      ConsumerStatus: () => 'ACTIVE',
      ConsumerCreationTimestamp: () => '0',
    },
  },
};

const dkimToken = (n: ResourceNode, i: number) => ids.derive(`dkim:${i}:${seedOf(n)}`, ids.LOWER_ALNUM, 32);

/** The function a Lambda alias, version or URL points at, as an ARN (the template may give a name). */
function functionArn(r: Resolver, n: ResourceNode): string {
  const fn = r.propString(n, 'FunctionName') ?? r.propString(n, 'TargetFunctionArn') ?? n.logicalId;
  return fn.startsWith('arn:') ? fn.replace(/(:function:[^:]+).*$/, '$1') : arn(r, 'lambda', `function:${fn}`);
}
