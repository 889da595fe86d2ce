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

export function describeRetention(get: () => SynthesizedBackend): void {
  const branch = () => get().type === 'branch';
  const title = (what: string) =>
    get === undefined ? what : what; // keeps names static below; the type is in the describe title
  void title;

  describe(`data retention (${'per deployment type'})`, () => {
    const userPool = () => everywhere(get(), 'AWS::Cognito::UserPool')[0][1];
    const tables = () => everywhere(get(), 'Custom::AmplifyDynamoDBTable').map(([, t]) => t);
    const bucket = () => resourcesOfType(get().stackNamed('storage').json, 'AWS::S3::Bucket')[0][1];
    const stream = () => everywhere(get(), 'AWS::Kinesis::Stream')[0][1];

    it('user pool: deletion protection and retained on branches, deletable in sandboxes', () => {
      expect(userPool().Properties.DeletionProtection).toBe(branch() ? 'ACTIVE' : 'INACTIVE');
      expect(userPool().DeletionPolicy).toBe(branch() ? 'Retain' : 'Delete');
      expect(userPool().UpdateReplacePolicy).toBe(branch() ? 'Retain' : 'Delete');
    });

    it('tables: deletion protection and retained on branches, deletable in sandboxes', () => {
      for (const table of tables()) {
        expect(table.Properties.deletionProtectionEnabled).toBe(branch());
        expect(table.DeletionPolicy).toBe(branch() ? 'Retain' : 'Delete');
      }
    });

    it('bucket: kept with its objects on branches, emptied and deleted in sandboxes', () => {
      expect(bucket().DeletionPolicy).toBe(branch() ? 'Retain' : 'Delete');
      const autoDelete = resourcesOfType(get().stackNamed('storage').json, 'Custom::S3AutoDeleteObjects');
      expect(autoDelete).toHaveLength(branch() ? 0 : 1);
    });

    it('analytics stream: retained on branches, deleted in sandboxes', () => {
      expect(stream().DeletionPolicy).toBe(branch() ? 'Retain' : 'Delete');
    });
  });
}
