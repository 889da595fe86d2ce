import { describe, expect, it } from 'vitest';
import * as ids from '../../../src/local/assembly/ids.js';

describe('local physical ids', () => {
  it('shape ids like the AWS services do', () => {
    expect(ids.userPoolId('us-east-1', 's')).toMatch(/^us-east-1_[A-Za-z0-9]{9}$/);
    expect(ids.userPoolClientId('s')).toMatch(/^[a-z0-9]{26}$/);
    expect(ids.identityPoolId('eu-west-1', 's')).toMatch(/^eu-west-1:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(ids.appSyncId('s')).toMatch(/^[a-z0-9]{26}$/);
    expect(ids.appSyncApiKey('s')).toMatch(/^da2-[a-z0-9]{26}$/);
    expect(ids.pinpointAppId('s')).toMatch(/^[0-9a-f]{32}$/);
    expect(ids.roleId('s')).toMatch(/^AROA[A-Z0-9]{17}$/);
  });

  it('derive the same id from the same seed and different ids from different seeds', () => {
    expect(ids.userPoolId('us-east-1', 'stack/Pool')).toBe(ids.userPoolId('us-east-1', 'stack/Pool'));
    expect(ids.userPoolId('us-east-1', 'stack/Pool')).not.toBe(ids.userPoolId('us-east-1', 'stack/Pool2'));
    expect(ids.appSyncId('a')).not.toBe(ids.userPoolClientId('a'));
  });

  it('generate CloudFormation-style names that fit the length limit', () => {
    const name = ids.generatedName('amplify-some-very-long-namespace-sandbox-0123456789', 'postprocessorlambdaD39BBBCB', 'seed', 64);
    expect(name.length).toBeLessThanOrEqual(64);
    expect(name).toMatch(/^amplify-some-very-long-[\w-]*-postprocessorlambda[\w]*-[A-Z0-9]{12}$/);
    expect(ids.generatedName('short', 'Logical', 'seed')).toMatch(/^short-Logical-[A-Z0-9]{12}$/);
  });

  it('give every bucket a valid name containing a dot, so clients address it path-style', () => {
    for (const friendly of ['mediaStorage', 'My_Bucket!!', 'x'.repeat(100), '---']) {
      const name = ids.bucketName(friendly, 'seed');
      expect(name).toContain('.');
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/);
    }
    expect(ids.bucketName('mediaStorage', 'seed')).toMatch(/^mediastorage\.[0-9a-f]{8}\.local$/);
  });
});
