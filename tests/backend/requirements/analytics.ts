import { describe, expect, it } from 'vitest';
import { iamStatements, logicalIdOf, resourcesOfType, traceValue, type Json, type SynthesizedBackend } from '../synth.js';

export function describeAnalytics(get: () => SynthesizedBackend): void {
  describe('analytics (amplify/custom/analytics.ts)', () => {
    const analytics = () => get().stackNamed('analytics');

    it('events go to a Kinesis data stream encrypted at rest', () => {
      get().templateOf(analytics()).hasResourceProperties('AWS::Kinesis::Stream', {
        StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
        StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      });
    });

    it('signed-in and guest users may put records on that stream, and nothing else', () => {
      const [[streamId]] = resourcesOfType(analytics().json, 'AWS::Kinesis::Stream');
      const statements = iamStatements(analytics().json);
      expect(statements.map((s) => s.statement)).toEqual([
        { Action: ['kinesis:PutRecord', 'kinesis:PutRecords'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [streamId, 'Arn'] } },
      ]);
      const [, policy] = resourcesOfType(analytics().json, 'AWS::IAM::Policy')[0];
      const roles = (policy.Properties.Roles as Json[]).map((r) => traceValue(get().stacks, analytics(), r));
      const auth = get().backend.auth.resources;
      expect(roles.map((r) => r.value.Ref).sort()).toEqual(
        [logicalIdOf(auth.authenticatedUserIamRole), logicalIdOf(auth.unauthenticatedUserIamRole)].sort(),
      );
      expect(roles.every((r) => r.stack.id === 'auth')).toBe(true);
    });
  });
}
