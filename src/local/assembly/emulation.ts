import type { ResourceNode, Resolver } from './intrinsics.js';
import type { BackendModel, NotEmulatedResource } from './model.js';

/**
 * Which resources of a template the local cloud serves, and which it leaves out on purpose. Every
 * other resource is *not emulated*: the backend still starts (its Ref and GetAtt resolve to
 * placeholders, see placeholders.ts) and the model lists it in `notEmulated`, which the banner shows.
 *
 * - `emulated`: a local service serves it (or reads it into the model and acts on it).
 * - `inert`: it changes nothing an app can observe locally — resource policies, permissions,
 *   CDK metadata, nested-stack wrappers, the CDK's and Amplify's own deployment machinery.
 * - a function: decided per resource (a Lambda function runs locally unless it is CDK machinery).
 *
 * Extend the table when a service starts emulating a type.
 */
type Emulation = 'emulated' | 'inert';
type Rule = Emulation | ((n: ResourceNode, facts: Facts) => Emulation | 'not-emulated');

/** What the per-resource rules need from the rest of the model. */
type Facts = Pick<BackendModel, 'data' | 'storage' | 'functions' | 'internalFunctions' | 'schedules'> & { r: Resolver };

const EMULATION: Record<string, Rule> = {
  // auth, identity
  'AWS::Cognito::UserPool': 'emulated',
  'AWS::Cognito::UserPoolClient': 'emulated',
  'AWS::Cognito::UserPoolGroup': 'emulated',
  'AWS::Cognito::IdentityPool': 'emulated',
  'AWS::Cognito::IdentityPoolRoleAttachment': 'emulated',
  // data
  'AWS::AppSync::GraphQLApi': 'emulated',
  'AWS::AppSync::GraphQLSchema': 'emulated',
  'AWS::AppSync::ApiKey': 'emulated',
  'AWS::AppSync::DataSource': 'emulated',
  'AWS::AppSync::FunctionConfiguration': 'emulated',
  'AWS::AppSync::Resolver': 'emulated',
  'Custom::AmplifyDynamoDBTable': 'emulated',
  // Tables are served next to an AppSync API (load_tables.ts).
  'AWS::DynamoDB::Table': (_n, f) => (f.data ? 'emulated' : 'not-emulated'),
  // storage: buckets the storage service leaves out are Amplify's asset buckets, read from the assembly.
  'AWS::S3::Bucket': (n, f) => (f.storage?.buckets.some((b) => b.bucketName === f.r.ref(n.stack, n.logicalId)) ? 'emulated' : 'inert'),
  // functions: the CDK's and Amplify's own functions never run locally, on purpose.
  'AWS::Lambda::Function': (n, f) => (f.functions.some((fn) => fn.arn === f.r.getAtt(n.stack, n.logicalId, 'Arn')) ? 'emulated' : 'inert'),
  'AWS::Lambda::EventSourceMapping': 'emulated',
  'AWS::Lambda::LayerVersion': (n, f) => (usedOnlyByInternalFunctions(n, f) ? 'inert' : 'not-emulated'),
  // The local Invoke API authorizes callers by their identity policies.
  'AWS::Lambda::Permission': 'inert',
  // messaging
  'AWS::Pinpoint::App': 'emulated',
  'AWS::Kinesis::Stream': 'emulated',
  // queues
  'AWS::SQS::Queue': 'emulated',
  // keys
  'AWS::KMS::Key': 'emulated',
  'AWS::KMS::Alias': 'emulated',
  // Schedules fire on the local clock (load_schedules.ts); a rule with only an event pattern does not.
  'AWS::Events::Rule': (n, f) => (isSchedule(n, f) ? 'emulated' : 'not-emulated'),
  'AWS::Scheduler::Schedule': (n, f) => (isSchedule(n, f) ? 'emulated' : 'not-emulated'),
  'AWS::Scheduler::ScheduleGroup': 'inert',
  // Read into function environments (AMPLIFY_SSM_ENV_CONFIG).
  'AWS::SSM::Parameter': 'emulated',
  // IAM: roles and their policies are what every signed request is authorized against.
  'AWS::IAM::Role': 'emulated',
  'AWS::IAM::Policy': 'emulated',
  'AWS::IAM::ManagedPolicy': 'emulated',
  // Resource policies of resources the local cloud serves, or does not.
  'AWS::S3::BucketPolicy': 'inert',
  'AWS::SQS::QueuePolicy': 'inert',
  'AWS::SNS::TopicPolicy': 'inert',
  // The shape of the assembly itself.
  'AWS::CloudFormation::Stack': 'inert',
  'AWS::CDK::Metadata': 'inert',
  'AWS::CloudFormation::WaitConditionHandle': 'inert',
  // The CDK's and Amplify's deployment machinery (their effects are read from the assembly).
  'AWS::StepFunctions::StateMachine': (n, f) => (drivesOnlyInternalFunctions(n, f) ? 'inert' : 'not-emulated'),
  'Custom::CDKBucketDeployment': 'inert',
  'Custom::S3AutoDeleteObjects': 'inert',
  'Custom::LogRetention': 'inert',
  'Custom::CrossRegionExportReader': 'inert',
  'Custom::CrossRegionExportWriter': 'inert',
  // Drawn by the console from the local counters under the same metric names (load_dashboards.ts).
  'AWS::CloudWatch::Dashboard': 'emulated',
  // Storage triggers (load_storage_notifications.ts).
  'Custom::S3BucketNotifications': 'emulated',
};

/** Pinpoint channels (AWS::Pinpoint::APNSChannel, …) configure the emulated SendMessages. */
const PATTERNS: [RegExp, Emulation][] = [[/^AWS::Pinpoint::\w+Channel$/, 'emulated']];

function classify(n: ResourceNode, facts: Facts): Emulation | 'not-emulated' {
  const rule = EMULATION[n.def.Type] ?? PATTERNS.find(([re]) => re.test(n.def.Type))?.[1];
  if (rule === undefined) return 'not-emulated';
  if (typeof rule !== 'function') return rule;
  try {
    return rule(n, facts);
  } catch {
    // A value the rule needs does not resolve: the resource cannot be one a service serves.
    return 'not-emulated';
  }
}

/** Every resource (whose Condition holds) that no local service emulates, in stack order. */
export function notEmulatedResources(facts: Facts): NotEmulatedResource[] {
  return facts.r
    .resources(() => true)
    .filter((n) => classify(n, facts) === 'not-emulated')
    .map((n) => ({ type: n.def.Type, logicalId: n.logicalId, stack: n.stack.name }));
}

/** `AWS::Connect::Instance ×1, AWS::SNS::Topic ×2`: counts per type, sorted by type. */
export function summarizeNotEmulated(resources: readonly NotEmulatedResource[]): string {
  const counts = new Map<string, number>();
  for (const { type } of resources) counts.set(type, (counts.get(type) ?? 0) + 1);
  return [...counts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([type, count]) => `${type} ×${count}`)
    .join(', ');
}

const isSchedule = (n: ResourceNode, f: Facts) =>
  (f.schedules ?? []).some((s) => s.logicalId === n.logicalId && s.stackName === n.stack.name);

const internalArns = (f: Facts) => new Set((f.internalFunctions ?? []).map((fn) => fn.arn));

/** Lambda ARNs in a resolved value's text (the tasks of a state machine definition, say). */
function lambdaArnsIn(text: string): string[] {
  return [...text.matchAll(/arn:[\w-]+:lambda:[\w-]*:\d*:function:[\w-]+/g)].map((m) => m[0]);
}

/** A state machine of a custom-resource provider (Amplify's table waiter): its tasks are internal functions. */
function drivesOnlyInternalFunctions(n: ResourceNode, f: Facts): boolean {
  const definition = JSON.stringify(f.r.prop(n, 'DefinitionString') ?? f.r.prop(n, 'Definition') ?? '');
  const arns = lambdaArnsIn(definition);
  const internal = internalArns(f);
  return arns.length > 0 && arns.every((a) => internal.has(a));
}

/** A layer only the CDK's own functions use (the AWS CLI layer of bucket deployments). */
function usedOnlyByInternalFunctions(n: ResourceNode, f: Facts): boolean {
  const layerArn = String(f.r.ref(n.stack, n.logicalId));
  const internal = internalArns(f);
  const users = f.r.resources('AWS::Lambda::Function').filter((fn) => JSON.stringify(f.r.prop(fn, 'Layers') ?? []).includes(layerArn));
  return users.every((fn) => internal.has(String(f.r.getAtt(fn.stack, fn.logicalId, 'Arn'))));
}
