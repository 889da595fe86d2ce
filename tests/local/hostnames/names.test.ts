import { describe, expect, it } from 'vitest';
import { awsHostnames, hostnameMatcher, hostnameRoles, hostRoleOf, normalizeHostname } from '../../../src/local/hostnames/names.js';
import { minimalModel } from '../../helpers/minimal_model.js';

describe('awsHostnames', () => {
  it('lists the names a deployed backend with auth, data and storage answers as', () => {
    const names = awsHostnames(minimalModel());
    expect(names).toEqual([
      'cognito-idp.us-east-1.amazonaws.com',
      'cognito-identity.us-east-1.amazonaws.com',
      'frameapi00000000000000001.appsync-api.us-east-1.amazonaws.com',
      'frameapi00000000000000001.appsync-realtime-api.us-east-1.amazonaws.com',
      'dynamodb.us-east-1.amazonaws.com',
      's3.us-east-1.amazonaws.com',
      's3.amazonaws.com',
      'frame.media.local.s3.us-east-1.amazonaws.com',
      'sts.us-east-1.amazonaws.com',
      'sts.amazonaws.com',
    ]);
  });

  it('lists no name for a service the backend has nothing behind', () => {
    const names = awsHostnames(minimalModel({ auth: undefined, data: undefined, storage: undefined }));
    expect(names).toEqual(['sts.us-east-1.amazonaws.com', 'sts.amazonaws.com']);
  });

  it('adds lambda, pinpoint, kinesis, kms, sqs and ssm when the backend has them', () => {
    const base = minimalModel();
    const names = awsHostnames({
      ...base,
      region: 'eu-west-2',
      functions: [{ secrets: [{ name: 's', variable: 'S', path: '/p' }] } as never],
      messaging: {
        pinpointApps: [{ logicalId: 'P', id: '0'.repeat(32), name: 'p', channels: [] }],
        kinesisStreams: [{ logicalId: 'K', name: 'k', arn: 'arn:aws:kinesis:eu-west-2:123456789012:stream/k' }],
      },
      keys: { keys: [{ keyId: 'k' } as never] },
      queues: [{ name: 'q' } as never],
    });
    for (const service of ['lambda', 'pinpoint', 'kinesis', 'kms', 'sqs', 'ssm']) {
      expect(names).toContain(`${service}.eu-west-2.amazonaws.com`);
    }
    expect(names).not.toContain('lambda.us-east-1.amazonaws.com');
  });

  it('uses the China partition suffix and no global endpoints there', () => {
    const names = awsHostnames(minimalModel({ region: 'cn-north-1' }));
    expect(names).toContain('cognito-idp.cn-north-1.amazonaws.com.cn');
    expect(names).not.toContain('s3.amazonaws.com');
    expect(names).not.toContain('sts.amazonaws.com');
  });
});

describe('hostnameMatcher', () => {
  const matches = hostnameMatcher(awsHostnames(minimalModel()));

  it('accepts served names in any case, with a trailing dot or a port', () => {
    expect(matches('cognito-idp.us-east-1.amazonaws.com')).toBe(true);
    expect(matches('COGNITO-IDP.us-east-1.AmazonAWS.com.')).toBe(true);
    expect(matches('s3.us-east-1.amazonaws.com:443')).toBe(true);
  });

  it('rejects other names, other regions, other buckets and near misses', () => {
    expect(matches('example.com')).toBe(false);
    expect(matches('cognito-idp.eu-west-1.amazonaws.com')).toBe(false);
    expect(matches('other.bucket.s3.us-east-1.amazonaws.com')).toBe(false);
    expect(matches('evil-cognito-idp.us-east-1.amazonaws.com')).toBe(false);
    expect(matches('cognito-idp.us-east-1.amazonaws.com.evil.test')).toBe(false);
    expect(matches('')).toBe(false);
    expect(matches('127.0.0.1')).toBe(false);
  });
});

describe('hostRoleOf', () => {
  const roles = hostnameRoles(minimalModel());

  it('says which service and resource a host stands for', () => {
    expect(hostRoleOf(roles, 'frameapi00000000000000001.appsync-realtime-api.us-east-1.amazonaws.com')).toEqual({
      service: 'appsync-realtime-api',
      apiId: 'frameapi00000000000000001',
    });
    expect(hostRoleOf(roles, 'frame.media.local.s3.us-east-1.amazonaws.com:443')).toEqual({ service: 's3-bucket', bucket: 'frame.media.local' });
  });

  it('knows nothing of loopback or foreign hosts', () => {
    expect(hostRoleOf(roles, '127.0.0.1:20002')).toBeUndefined();
    expect(hostRoleOf(roles, null)).toBeUndefined();
  });

  it('normalizes names the way the matcher does', () => {
    expect(normalizeHostname('S3.Amazonaws.com.:8443')).toBe('s3.amazonaws.com');
    expect(normalizeHostname('[::1]:443')).toBe('[::1]:443');
  });
});
