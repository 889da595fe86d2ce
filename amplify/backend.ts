import { defineBackend } from '@aws-amplify/backend';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { auth } from './auth/resource.js';
import { postConfirmation } from './auth/post-confirmation/resource.js';
import { data } from './data/resource.js';
import { defaultPostStatusToPending } from './data/post_status_default.js';
import { storage } from './storage/resource.js';
import { postProcessor } from './functions/post-processor/resource.js';
import { PushNotifications } from './custom/push.js';
import { AnalyticsStream } from './custom/analytics.js';
import { Monitoring } from './custom/monitoring.js';
import { acknowledgeNagFindings } from './custom/nag.js';

export const backend = defineBackend({ auth, data, storage, postProcessor, postConfirmation });

/** `branch` for Amplify Hosting deploys (production data), `sandbox` for per-developer clouds. */
const backendType = backend.stack.node.tryGetContext('amplify-backend-type') as string | undefined;
const isBranch = backendType === 'branch';
const backendName = (backend.stack.node.tryGetContext('amplify-backend-name') as string | undefined) ?? 'app';
/** Branch names may hold `/` and other characters that dashboards and Pinpoint app names refuse. */
const resourcePrefix = backendName.replace(/[^A-Za-z0-9_-]/g, '-');

// ── auth: token lifetimes, password policy, readable attributes, retention ─────────────
const { cfnUserPool, cfnUserPoolClient } = backend.auth.resources.cfnResources;
cfnUserPoolClient.accessTokenValidity = 60;
cfnUserPoolClient.idTokenValidity = 60;
cfnUserPoolClient.refreshTokenValidity = 30;
cfnUserPoolClient.tokenValidityUnits = { accessToken: 'minutes', idToken: 'minutes', refreshToken: 'days' };
cfnUserPoolClient.readAttributes = [
  'email',
  'email_verified',
  'phone_number',
  'phone_number_verified',
  'given_name',
  'family_name',
];
cfnUserPoolClient.writeAttributes = ['email', 'phone_number', 'given_name', 'family_name'];
cfnUserPool.policies = {
  passwordPolicy: {
    minimumLength: 8,
    requireLowercase: true,
    requireUppercase: true,
    requireNumbers: true,
    requireSymbols: true,
    temporaryPasswordValidityDays: 7,
  },
};
cfnUserPool.deletionProtection = isBranch ? 'ACTIVE' : 'INACTIVE';
cfnUserPool.applyRemovalPolicy(isBranch ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY);

// ── data: recovery, retention, tracing, and the Post.status default ─────────────────────
const dataResources = backend.data.resources;
dataResources.cfnResources.cfnGraphqlApi.xrayEnabled = true;
for (const table of Object.values(dataResources.cfnResources.amplifyDynamoDbTables)) {
  table.pointInTimeRecoveryEnabled = true;
  table.deletionProtectionEnabled = isBranch;
  table.applyRemovalPolicy(isBranch ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY);
}
defaultPostStatusToPending(dataResources);

// ── storage: no public access (versioning, TLS-only and branch retention are set in defineStorage) ──
backend.storage.resources.cfnResources.cfnBucket.publicAccessBlockConfiguration = {
  blockPublicAcls: true,
  blockPublicPolicy: true,
  ignorePublicAcls: true,
  restrictPublicBuckets: true,
};

// ── post-processor: table streams (new items only), with retries and a failure queue ────
const processorFn = backend.postProcessor.resources.lambda;
const failedBatches = new sqs.Queue(Stack.of(processorFn), 'PostProcessorFailedBatches', {
  encryption: sqs.QueueEncryption.SQS_MANAGED,
  enforceSSL: true,
  retentionPeriod: Duration.days(14),
});
for (const model of ['Post', 'Comment']) {
  processorFn.addEventSource(
    new DynamoEventSource(dataResources.tables[model], {
      startingPosition: lambda.StartingPosition.LATEST,
      batchSize: 10,
      maxBatchingWindow: Duration.seconds(1),
      retryAttempts: 3,
      bisectBatchOnError: true,
      reportBatchItemFailures: true,
      onFailure: new SqsDlq(failedBatches),
      filters: [lambda.FilterCriteria.filter({ eventName: lambda.FilterRule.isEqual('INSERT') })],
    }),
  );
}

// ── push: its own stack; the function may send through this app only ───────────────────
// Nothing in the push stack references data or functions, so data → push is the only edge.
const push = new PushNotifications(backend.createStack('push'), 'Push', {
  appName: resourcePrefix,
  apnsSecretName: process.env.PUSH_APNS_SECRET || undefined,
  apnsSandbox: process.env.PUSH_APNS_SANDBOX === 'true',
  fcmSecretName: process.env.PUSH_FCM_SECRET || undefined,
});
for (const note of push.notes) console.warn(`push: ${note}`);
backend.postProcessor.addEnvironment('PINPOINT_APP_ID', push.applicationId);
backend.postProcessor.addEnvironment('APNS_CHANNEL_TYPE', push.apnsChannelType);
push.grantSendMessages(processorFn);

// ── analytics: Kinesis stream written by signed-in and guest users ──────────────────────
const analytics = new AnalyticsStream(backend.createStack('analytics'), 'Analytics', {
  writers: [
    backend.auth.resources.authenticatedUserIamRole,
    backend.auth.resources.unauthenticatedUserIamRole,
  ],
  removalPolicy: isBranch ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
});

// ── monitoring: dashboard and alarms ─────────────────────────────────────────────────────
const monitoringStack = backend.createStack('monitoring');
const monitoring = new Monitoring(monitoringStack, 'Monitoring', {
  dashboardName: `${resourcePrefix}-${backendType ?? 'app'}-${monitoringStack.node.addr.slice(0, 8)}`,
  graphqlApiId: dataResources.graphqlApi.apiId,
  functionName: processorFn.functionName,
  tableNames: Object.fromEntries(Object.entries(dataResources.tables).map(([m, t]) => [m, t.tableName])),
  userPoolId: backend.auth.resources.userPool.userPoolId,
  userPoolClientId: backend.auth.resources.userPoolClient.userPoolClientId,
});

// ── outputs for the apps ─────────────────────────────────────────────────────────────────
backend.addOutput({
  notifications: {
    aws_region: Stack.of(push).region,
    amazon_pinpoint_app_id: push.applicationId,
    // The outputs schema wants at least one channel when the list is present.
    ...(push.channels.length > 0 ? { channels: push.channels } : {}),
  },
  custom: {
    analytics: { kinesis: { stream_name: analytics.stream.streamName, aws_region: Stack.of(analytics).region } },
    monitoring: { dashboard_name: monitoring.dashboard.dashboardName },
  },
});

acknowledgeNagFindings(backend, { failedBatches });
