import { describe, expect, it } from 'vitest';
import { asArray, iamStatements, resourcesOfType, type Json, type SynthesizedBackend } from '../synth.js';

/** Every resource of `type` in every stack. */
function everywhere(s: SynthesizedBackend, type: string): [string, Json][] {
  return s.stacks.flatMap((st) => resourcesOfType(st.json, type).map(([id, r]) => [`${st.id}/${id}`, r] as [string, Json]));
}

/**
 * Unscoped (`Resource: "*"`) permissions that AWS offers no resource type for, and who needs them.
 * Anything else with `*` fails the test below.
 */
const UNSCOPED_ALLOWED: Record<string, string> = {
  'sns:Publish': 'Cognito SMS: messages go to phone numbers, which have no ARN',
  'dynamodb:ListStreams': 'the post-processor\'s stream event sources; no resource-level permissions exist',
  'logs:DeleteRetentionPolicy,logs:PutRetentionPolicy': 'CDK log-retention helper for the API log group',
};

export function describeHardening(get: () => SynthesizedBackend): void {
  describe('hardening (every deployment)', () => {
    it('every model table has point-in-time recovery', () => {
      const tables = everywhere(get(), 'Custom::AmplifyDynamoDBTable');
      expect(tables.map(([id]) => id.split('/')[0]).sort()).toEqual(['Comment', 'Device', 'Post', 'UserProfile']);
      for (const [, table] of tables) {
        expect(table.Properties.pointInTimeRecoverySpecification).toEqual({ pointInTimeRecoveryEnabled: true });
      }
      expect(everywhere(get(), 'AWS::DynamoDB::Table')).toEqual([]);
    });

    it('the API logs errors to CloudWatch (without tokens or bodies) and traces with X-Ray', () => {
      const [[, api]] = everywhere(get(), 'AWS::AppSync::GraphQLApi');
      expect(api.Properties.XrayEnabled).toBe(true);
      expect(api.Properties.LogConfig).toMatchObject({
        FieldLogLevel: 'ERROR',
        ExcludeVerboseContent: true,
        CloudWatchLogsRoleArn: { 'Fn::GetAtt': [expect.any(String), 'Arn'] },
      });
    });

    it('no IAM permission covers every resource unless AWS offers no narrower scope', () => {
      const unscoped = new Set<string>();
      for (const st of get().stacks) {
        for (const { statement } of iamStatements(st.json)) {
          if (statement.Effect !== 'Allow' || !asArray(statement.Resource).includes('*')) continue;
          unscoped.add(asArray<string>(statement.Action).sort().join(','));
        }
      }
      expect([...unscoped].filter((actions) => !(actions in UNSCOPED_ALLOWED))).toEqual([]);
      expect(unscoped).toContain('sns:Publish');
    });

    it('no IAM permission allows every action of a service', () => {
      for (const st of get().stacks) {
        for (const { statement } of iamStatements(st.json)) {
          if (statement.Effect !== 'Allow') continue;
          for (const action of asArray<string>(statement.Action)) expect(action).not.toMatch(/^(\*|[a-z0-9-]+:\*)$/);
        }
      }
    });
  });
}

export function describeRetention(get: () => SynthesizedBackend, type: 'sandbox' | 'branch'): void {
  const branch = type === 'branch';
  describe(`data retention in a ${type} deployment`, () => {
    const userPool = () => everywhere(get(), 'AWS::Cognito::UserPool')[0][1];
    const tables = () => everywhere(get(), 'Custom::AmplifyDynamoDBTable').map(([, t]) => t);
    const bucket = () => resourcesOfType(get().stackNamed('storage').json, 'AWS::S3::Bucket')[0][1];
    const stream = () => everywhere(get(), 'AWS::Kinesis::Stream')[0][1];

    it('synthesized as that deployment type', () => {
      expect(get().type).toBe(type);
      expect(get().root.json.Outputs?.deploymentType.Value).toBe(type);
    });

    it(branch ? 'the user pool has deletion protection and is retained' : 'the user pool is deleted with the sandbox', () => {
      expect(userPool().Properties.DeletionProtection).toBe(branch ? 'ACTIVE' : 'INACTIVE');
      expect(userPool().DeletionPolicy).toBe(branch ? 'Retain' : 'Delete');
      expect(userPool().UpdateReplacePolicy).toBe(branch ? 'Retain' : 'Delete');
    });

    it(branch ? 'every table has deletion protection and is retained' : 'every table is deleted with the sandbox', () => {
      for (const table of tables()) {
        expect(table.Properties.deletionProtectionEnabled).toBe(branch);
        expect(table.DeletionPolicy).toBe(branch ? 'Retain' : 'Delete');
      }
    });

    it(branch ? 'the bucket and its objects are retained' : 'the bucket is emptied and deleted with the sandbox', () => {
      expect(bucket().DeletionPolicy).toBe(branch ? 'Retain' : 'Delete');
      expect(resourcesOfType(get().stackNamed('storage').json, 'Custom::S3AutoDeleteObjects')).toHaveLength(branch ? 0 : 1);
    });

    it(branch ? 'the analytics stream is retained' : 'the analytics stream is deleted with the sandbox', () => {
      expect(stream().DeletionPolicy).toBe(branch ? 'Retain' : 'Delete');
    });
  });
}
