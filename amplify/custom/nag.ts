import { createRequire } from 'node:module';
import { CfnResource, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

// cdk-nag is a CommonJS (jsii) package whose named exports Node's ESM loader cannot detect.
const { rules } = createRequire(import.meta.url)('cdk-nag') as typeof import('cdk-nag');

/** The parts of the backend whose cdk-nag (AwsSolutions) findings are accepted here. */
export interface NagBackend {
  stack: IConstruct;
  auth: { resources: { userPool: IConstruct; cfnResources: { cfnIdentityPool: IConstruct } } };
  data: {
    resources: {
      roles: Record<string, IConstruct>;
      nestedStacks: Record<string, IConstruct>;
      cfnResources: { cfnGraphqlApi: IConstruct };
    };
  };
  storage: { resources: { bucket: IConstruct } };
  postProcessor: { resources: { lambda: IConstruct } };
}

/** Our own constructs created in backend.ts. */
export interface NagExtras {
  failedBatches: IConstruct;
}

type Found = IConstruct | undefined;

const MANAGED_LOGGING_POLICIES = [
  'service-role/AWSLambdaBasicExecutionRole',
  'service-role/AWSAppSyncPushToCloudWatchLogs',
];

function acknowledge(on: Found | Found[], id: string, reason: string): void {
  for (const scope of [on].flat()) if (scope) Validations.of(scope).acknowledge({ id, reason });
}

/**
 * Acknowledges the IAM5 (wildcard) findings of every IAM resource under `scope` that match
 * `finding`, with one reason. cdk-nag 3 acknowledges a finding by its exact id
 * (`AwsSolutions-IAM5[Resource::<logicalId.Arn>/*]`), and those ids embed the logical ids CDK gives
 * cross-stack references, which exist only after the prepare phase of synthesis. Construct
 * validations are the first hook after it (and run before policy validation), so the ids are
 * computed there with cdk-nag's own rule. A finding that does not match stays and fails the tests.
 */
function acknowledgeWildcards(scope: Found | Found[], finding: RegExp, reason: string): void {
  for (const root of [scope].flat()) {
    root?.node.addValidation({
      validate: () => {
        for (const node of root.node.findAll()) {
          if (!CfnResource.isCfnResource(node)) continue;
          const result = rules.iam.IAMNoWildcardPermissions(node);
          if (!Array.isArray(result)) continue;
          for (const f of result as string[]) {
            if (finding.test(f)) Validations.of(node).acknowledge({ id: `AwsSolutions-IAM5[${f}]`, reason });
          }
        }
        return [];
      },
    });
  }
}

const childOf = (scope: IConstruct, match: (id: string) => boolean): Found =>
  scope.node.children.find((c) => match(c.node.id));

/**
 * cdk-nag (AwsSolutions) findings we accept, each with its reason, recorded as CDK validation
 * acknowledgements (cdk-nag 3). The checks run in tests/backend over every stack; a finding not
 * acknowledged here fails them. Most entries cover resources Amplify or CDK generate for us.
 */
export function acknowledgeNagFindings(backend: NagBackend, extras: NagExtras): void {
  const root = backend.stack;
  const { userPool, cfnResources: authCfn } = backend.auth.resources;
  const data = backend.data.resources;
  const dataStack = Stack.of(data.cfnResources.cfnGraphqlApi);
  const storageStack = Stack.of(backend.storage.resources.bucket);
  const bucketDeployment = childOf(dataStack, (id) => id.startsWith('Custom::CDKBucketDeployment'));
  const logRetention = childOf(dataStack, (id) => id.startsWith('LogRetention'));
  const codegenBucket = dataStack.node.findAll().find((c) => c.node.id === 'AmplifyCodegenAssetsBucket');

  // ── auth ──
  acknowledge(userPool, 'AwsSolutions-COG2',
    'MFA is OPTIONAL by product decision (TOTP or SMS, chosen by each user); requiring it would block sign-up.');
  acknowledge(userPool, 'AwsSolutions-COG8',
    'Essentials feature plan: threat protection (Plus) is priced per active user and is a per-branch decision.');
  acknowledge(authCfn.cfnIdentityPool, 'AwsSolutions-COG7',
    'Guest identities exist so signed-out app sessions can send analytics events; the guest role may only put records on the analytics stream.');
  acknowledgeWildcards(childOf(userPool, (id) => id === 'smsRole'), /^Resource::\*$/,
    'Cognito sends SMS (MFA and phone verification) with sns:Publish straight to phone numbers, which have no ARN.');

  // ── Lambda basics (ours, Amplify's and CDK's helper functions) ──
  for (const policy of MANAGED_LOGGING_POLICIES) {
    acknowledge(root, `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${policy}]`,
      'AWS managed policy granting only CloudWatch Logs writes for the function or API logs.');
  }
  acknowledgeWildcards(backend.postProcessor.resources.lambda, /^Resource::\*$/,
    'dynamodb:ListStreams has no resource-level permissions; it is the only unscoped action (asserted in tests).');
  acknowledgeWildcards(logRetention, /^Resource::\*$/,
    'CDK log-retention helper: sets retention on log groups whose names are only known at deploy time.');

  // ── data (resources generated by the Amplify data construct) ──
  acknowledge(data.cfnResources.cfnGraphqlApi, 'AwsSolutions-ASC3',
    'Request logs are on (field level ERROR); verbose content is excluded so tokens and user data never reach the logs.');
  acknowledgeWildcards(data.nestedStacks['AmplifyTableManager'], /.*/,
    'Amplify table manager (custom resource that creates the model tables): scoped to this API\'s tables and its own provider functions.');
  acknowledgeWildcards(Object.values(data.roles), /:table\/\$\{tablename\}\/\*/,
    'AppSync data source roles reach their own table\'s indexes (table/<name>/index/*).');
  acknowledgeWildcards(data.nestedStacks['FunctionDirectiveStack'], /^Resource::<.*postprocessorlambda[0-9A-F]*(\.)?Arn>:\*$/,
    'The processPost data source may invoke the post-processor\'s versions and aliases, nothing else.');
  acknowledgeWildcards(dataStack.node.children.filter((c) => c.node.id.startsWith('GraphqlAccessPolicy')),
    /^Resource::<amplifyDataGraphQLAPI.*\.Arn>\/types\/(Query|Mutation)\/\*$/,
    'allow.resource grants the functions this API\'s Query/Mutation types only (the post-confirmation trigger: Mutation only).');
  acknowledgeWildcards(bucketDeployment, /.*/,
    'CDK BucketDeployment that uploads the model introspection schema: reads the CDK asset bucket, writes the schema bucket.');
  acknowledge(bucketDeployment, 'AwsSolutions-L1',
    'CDK-managed helper function; its runtime moves with aws-cdk-lib.');
  acknowledge([codegenBucket, childOf(dataStack, (id) => id === 'modelIntrospectionSchemaBucket')], 'AwsSolutions-S1',
    'Generated build artifacts (codegen assets, model schema) written only at deploy time; access logs add nothing.');
  acknowledge(codegenBucket, 'AwsSolutions-S10',
    'Amplify codegen assets bucket, read by Amplify tooling at generate time with signed requests only; no user traffic.');
  acknowledge(extras.failedBatches, 'AwsSolutions-SQS3',
    'This queue is itself the dead-letter destination of the post-processor\'s stream event sources.');

  // ── branch deployments: Amplify's link between the stack and its Amplify Hosting branch ──
  const branchLinker = childOf(root, (id) => id === 'AmplifyBranchLinker');
  acknowledgeWildcards(branchLinker, /.*/,
    'Amplify branch linker (branch deployments only): updates this app\'s own Amplify Hosting branch record.');
  acknowledge(branchLinker, 'AwsSolutions-L1', 'Amplify-managed helper function; its runtime moves with @aws-amplify/backend.');

  // ── storage ──
  acknowledge(backend.storage.resources.bucket, 'AwsSolutions-S1',
    'Object-level audit comes from CloudTrail data events at the account level; a second log bucket per sandbox is not worth it.');
  acknowledgeWildcards(storageStack.node.children.filter((c) => c.node.id.includes('storageAccess')),
    /^Resource::<mediaStorageBucket.*\.Arn>\/(private|media)\/(<cognito-identity\.amazonaws\.com:sub>\/)?\*$/,
    'Storage access rules: each identity owns private/<identity>/* and media/<identity>/*; signed-in users read media/*.');
}
