import { describe, expect, it } from 'vitest';
import { iamStatements, logicalIdOf, renderJoin, resourcesOfType, traceValue, asArray, type Json, type SynthesizedBackend } from '../synth.js';

export function describeStorage(get: () => SynthesizedBackend): void {
  describe('storage (defineStorage)', () => {
    const storage = () => get().stackNamed('storage');
    /** S3 actions per object path, for the policies attached to one identity-pool role. */
    const accessOf = (role: 'authenticated' | 'unauthenticated') => {
      const auth = get().backend.auth.resources;
      const target = role === 'authenticated' ? auth.authenticatedUserIamRole : auth.unauthenticatedUserIamRole;
      const roleRef = JSON.stringify({ Ref: logicalIdOf(target) });
      const access = new Map<string, string[]>();
      for (const [id, policy] of resourcesOfType(storage().json, 'AWS::IAM::Policy')) {
        const roles = (policy.Properties.Roles as Json[]).map((r) => JSON.stringify(traceValue(get().stacks, storage(), r).value));
        if (!roles.includes(roleRef)) continue;
        for (const { statement } of iamStatements(storage().json).filter((s) => s.logicalId === id)) {
          for (const resource of asArray(statement.Resource)) {
            const key = renderJoin(resource).replace(/^\{GetAtt:mediaStorageBucket[0-9A-F]+\.Arn\}/, 'bucket');
            const condition = statement.Condition ? ` if ${JSON.stringify(statement.Condition)}` : '';
            access.set(key + condition, [...(access.get(key + condition) ?? []), ...asArray<string>(statement.Action)].sort());
          }
        }
      }
      return access;
    };

    const SUB = '${cognito-identity.amazonaws.com:sub}';

    it('signed-in users get exactly the access the rules describe', () => {
      expect(Object.fromEntries(accessOf('authenticated'))).toEqual({
        [`bucket/private/${SUB}/*`]: ['s3:DeleteObject', 's3:GetObject', 's3:PutObject'],
        [`bucket/media/${SUB}/*`]: ['s3:DeleteObject', 's3:PutObject'],
        'bucket/media/*': ['s3:GetObject'],
        [`bucket if {"StringLike":{"s3:prefix":["private/${SUB}/*","private/${SUB}/","media/*","media/"]}}`]: ['s3:ListBucket'],
      });
    });

    it('private/{identity}/* is read, written and deleted by that identity only', () => {
      const access = accessOf('authenticated');
      const privateKeys = [...access.keys()].filter((k) => k.includes('private/'));
      expect(privateKeys.every((k) => k.includes(`private/${SUB}/`))).toBe(true);
      expect(access.get(`bucket/private/${SUB}/*`)).toEqual(['s3:DeleteObject', 's3:GetObject', 's3:PutObject']);
    });

    it('media/{identity}/* is written and deleted by that identity, and read by every signed-in user', () => {
      const access = accessOf('authenticated');
      expect(access.get(`bucket/media/${SUB}/*`)).toEqual(['s3:DeleteObject', 's3:PutObject']);
      expect(access.get('bucket/media/*')).toEqual(['s3:GetObject']);
    });

    it('guests have no access to the bucket', () => {
      expect(accessOf('unauthenticated').size).toBe(0);
    });

    it('the storage output lists the same paths for the apps', () => {
      const buckets = JSON.parse(renderJoin(get().root.json.Outputs!.buckets.Value)) as string[];
      const bucket = JSON.parse(buckets[0]);
      expect(bucket.name).toBe('mediaStorage');
      expect(bucket.paths).toEqual({
        'private/${cognito-identity.amazonaws.com:sub}/*': { entityidentity: ['get', 'list', 'write', 'delete'] },
        'media/${cognito-identity.amazonaws.com:sub}/*': { entityidentity: ['get', 'list', 'write', 'delete'] },
        'media/*': { authenticated: ['get', 'list'] },
      });
    });

    it('the bucket keeps object versions, refuses plain HTTP and blocks every kind of public access', () => {
      const t = get().templateOf(storage());
      t.hasResourceProperties('AWS::S3::Bucket', {
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
      });
      const [, policy] = resourcesOfType(storage().json, 'AWS::S3::BucketPolicy')[0];
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 's3:*',
          Principal: { AWS: '*' },
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    });
  });
}
