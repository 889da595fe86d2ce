import { describe, expect, it } from 'vitest';
import type { RoleModel } from '../../../src/local/assembly/model.js';
import { evaluateTrust, type TrustPrincipal } from '../../../src/local/sts/trust.js';

const ACCOUNT = '123456789012';
const USER = `arn:aws:iam::${ACCOUNT}:user/local-developer`;
const developer: TrustPrincipal = { type: 'AWS', arns: [USER], accountId: ACCOUNT };

function role(trustStatements: RoleModel['trustStatements']): RoleModel {
  return { logicalId: 'R', arn: `arn:aws:iam::${ACCOUNT}:role/R`, name: 'R', statements: [], trustStatements };
}

describe('trust policy evaluation', () => {
  it('allows a caller named by ARN or by *, on its own', () => {
    expect(evaluateTrust(role([{ effect: 'Allow', actions: ['sts:AssumeRole'], resources: [], principals: { AWS: [USER] } }]), 'sts:AssumeRole', developer, {})).toBe('allow');
    expect(evaluateTrust(role([{ effect: 'Allow', actions: ['sts:*'], resources: [], principals: { AWS: ['*'] } }]), 'sts:AssumeRole', developer, {})).toBe('allow');
  });

  it("delegates to the caller's own policy when the statement names the account (id or root ARN)", () => {
    for (const p of [ACCOUNT, `arn:aws:iam::${ACCOUNT}:root`]) {
      expect(evaluateTrust(role([{ effect: 'Allow', actions: ['sts:AssumeRole'], resources: [], principals: { AWS: [p] } }]), 'sts:AssumeRole', developer, {})).toBe(
        'allow-if-identity-policy-allows',
      );
    }
    expect(evaluateTrust(role([{ effect: 'Allow', actions: ['sts:AssumeRole'], resources: [], principals: { AWS: ['210987654321'] } }]), 'sts:AssumeRole', developer, {})).toBe('deny');
  });

  it('lets an explicit Deny win, and never lets a service principal or another action through', () => {
    const allowAll = { effect: 'Allow' as const, actions: ['sts:AssumeRole'], resources: [], principals: { AWS: ['*'] } };
    expect(evaluateTrust(role([allowAll, { effect: 'Deny', actions: ['sts:AssumeRole'], resources: [], principals: { AWS: [USER] } }]), 'sts:AssumeRole', developer, {})).toBe('deny');
    expect(evaluateTrust(role([{ effect: 'Allow', actions: ['sts:AssumeRole'], resources: [], principals: { Service: ['lambda.amazonaws.com'] } }]), 'sts:AssumeRole', developer, {})).toBe('deny');
    expect(evaluateTrust(role([{ ...allowAll, actions: ['sts:AssumeRoleWithWebIdentity'] }]), 'sts:AssumeRole', developer, {})).toBe('deny');
    expect(evaluateTrust(role(undefined), 'sts:AssumeRole', developer, {})).toBe('deny');
  });

  it('matches federated providers and their conditions', () => {
    const trust = role([
      {
        effect: 'Allow',
        actions: ['sts:AssumeRoleWithWebIdentity'],
        resources: [],
        principals: { Federated: ['cognito-identity.amazonaws.com'] },
        conditions: { StringEquals: { 'cognito-identity.amazonaws.com:aud': 'us-east-1:pool' }, 'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'authenticated' } },
      },
    ]);
    const who: TrustPrincipal = { type: 'Federated', providers: ['cognito-identity.amazonaws.com'] };
    const ctx = (aud: string, amr: string[]) => ({ 'cognito-identity.amazonaws.com:aud': aud, 'cognito-identity.amazonaws.com:amr': amr });
    expect(evaluateTrust(trust, 'sts:AssumeRoleWithWebIdentity', who, ctx('us-east-1:pool', ['authenticated', 'x']))).toBe('allow');
    expect(evaluateTrust(trust, 'sts:AssumeRoleWithWebIdentity', who, ctx('us-east-1:pool', ['unauthenticated']))).toBe('deny');
    expect(evaluateTrust(trust, 'sts:AssumeRoleWithWebIdentity', who, ctx('us-east-1:other', ['authenticated']))).toBe('deny');
    expect(evaluateTrust(trust, 'sts:AssumeRoleWithWebIdentity', { type: 'Federated', providers: ['accounts.google.com'] }, ctx('us-east-1:pool', ['authenticated']))).toBe('deny');
  });
});
