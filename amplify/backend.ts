import { defineBackend } from '@aws-amplify/backend';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { auth } from './auth/resource.js';
import { postConfirmation } from './auth/post-confirmation/resource.js';
import { data } from './data/resource.js';
import { storage } from './storage/resource.js';
import { postProcessor } from './functions/post-processor/resource.js';
import { PushNotifications } from './custom/push.js';
import { AnalyticsStream } from './custom/analytics.js';
import { Monitoring } from './custom/monitoring.js';
import { suppressNagFindings } from './custom/nag.js';

export const backend = defineBackend({ auth, data, storage, postProcessor, postConfirmation });

/** `branch` for Amplify Hosting deploys (production data), `sandbox` for per-developer clouds. */
const backendType = backend.stack.node.tryGetContext('amplify-backend-type') as string | undefined;
const isBranch = backendType === 'branch';
const projectName = (backend.stack.node.tryGetContext('amplify-backend-name') as string | undefined) ?? 'app';

// ── auth: token lifetimes and password policy ───────────────────────────────────────────
const { cfnUserPool, cfnUserPoolClient } = backend.auth.resources.cfnResources;
cfnUserPoolClient.accessTokenValidity = 60;
cfnUserPoolClient.idTokenValidity = 60;
cfnUserPoolClient.refreshTokenValidity = 30;
cfnUserPoolClient.tokenValidityUnits = { accessToken: 'minutes', idToken: 'minutes', refreshToken: 'days' };
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
if (isBranch) cfnUserPool.applyRemovalPolicy(RemovalPolicy.RETAIN);

// ── data: recovery, retention and tracing ───────────────────────────────────────────────
const dataResources = backend.data.resources;
dataResources.cfnResources.cfnGraphqlApi.xrayEnabled = true;
for (const table of Object.values(dataResources.cfnResources.amplifyDynamoDbTables)) {
  table.pointInTimeRecoveryEnabled = true;
  table.deletionProtectionEnabled = isBranch;
  table.applyRemovalPolicy(isBranch ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY);
}

// ── storage: versioned, private, TLS only ───────────────────────────────────────────────
const { cfnBucket } = backend.storage.resources.cfnResources;
cfnBucket.versioningConfiguration = { status: 'Enabled' };
cfnBucket.publicAccessBlockConfiguration = {
  blockPublicAcls: true,
  blockPublicPolicy: true,
  ignorePublicAcls: true,
  restrictPublicBuckets: true,
};
if (isBranch) cfnBucket.applyRemovalPolicy(RemovalPolicy.RETAIN);

// ── post-processor: table streams (new items only), with retries and a failure queue ────
const processorFn = backend.postProcessor.resources.lambda;
const dataStack = Stack.of(processorFn);
const failedBatches = new sqs.Queue(dataStack, 'PostProcessorFailedBatches', {
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
  appName: projectName,
  apnsSecretName: process.env.PUSH_APNS_SECRET || undefined,
  apnsSandbox: process.env.PUSH_APNS_SANDBOX === 'true',
  fcmSecretName: process.env.PUSH_FCM_SECRET || undefined,
});
for (const note of push.notes) console.warn(`push: ${note}`);
backend.postProcessor.addEnvironment('PINPOINT_APP_ID', push.applicationId);
push.grantSendMessages(processorFn);

// ── analytics: Kinesis stream written by signed-in and guest users ──────────────────────
const analytics = new AnalyticsStream(backend.createStack('analytics'), 'Analytics', {
  writers: [
    backend.auth.resources.authenticatedUserIamRole,
    backend.auth.resources.unauthenticatedUserIamRole,
  ],
});

// ── monitoring: dashboard and alarms ─────────────────────────────────────────────────────
const monitoringStack = backend.createStack('monitoring');
const monitoring = new Monitoring(monitoringStack, 'Monitoring', {
  dashboardName: `${projectName}-${backendType ?? 'app'}-${monitoringStack.node.addr.slice(0, 8)}`,
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

suppressNagFindings(backend.stack);
