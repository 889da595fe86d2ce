import { describe, expect, it } from 'vitest';
import { evaluatePolicy, substituteVariables } from '../../../src/local/core/iam_policy.js';
import type { PolicyStatementModel } from '../../../src/local/assembly/model.js';

const SUB = 'cognito-identity.amazonaws.com:sub';
const statements: PolicyStatementModel[] = [
  { effect: 'Allow', actions: ['s3:GetObject'], resources: ['arn:aws:s3:::b.x/private/${cognito-identity.amazonaws.com:sub}/*', 'arn:aws:s3:::b.x/media/*'] },
  {
    effect: 'Allow',
    actions: ['s3:ListBucket'],
    resources: ['arn:aws:s3:::b.x'],
    conditions: { StringLike: { 's3:prefix': ['private/${cognito-identity.amazonaws.com:sub}/*', 'media/*'] } },
  },
  { effect: 'Deny', actions: ['s3:*'], resources: ['arn:aws:s3:::b.x/media/blocked/*'] },
];

describe('IAM policy evaluation', () => {
  it('substitutes policy variables and matches wildcards', () => {
    expect(evaluatePolicy(statements, { action: 's3:GetObject', resource: 'arn:aws:s3:::b.x/private/id-1/a.txt', context: { [SUB]: 'id-1' } })).toBe('allow');
    expect(evaluatePolicy(statements, { action: 's3:GetObject', resource: 'arn:aws:s3:::b.x/private/id-2/a.txt', context: { [SUB]: 'id-1' } })).toBe('implicit-deny');
  });

  it('never matches a resource naming a variable the caller lacks', () => {
    expect(substituteVariables('a/${cognito-identity.amazonaws.com:sub}/*', {})).toBeNull();
    expect(evaluatePolicy(statements, { action: 's3:GetObject', resource: 'arn:aws:s3:::b.x/private//a', context: {} })).toBe('implicit-deny');
  });

  it('matches actions case-insensitively but resources case-sensitively', () => {
    expect(evaluatePolicy(statements, { action: 'S3:getobject', resource: 'arn:aws:s3:::b.x/media/x', context: {} })).toBe('allow');
    expect(evaluatePolicy(statements, { action: 's3:GetObject', resource: 'arn:aws:s3:::b.x/MEDIA/x', context: {} })).toBe('implicit-deny');
  });

  it('applies StringLike conditions, and a missing condition key fails the statement', () => {
    const list = (prefix?: string) =>
      evaluatePolicy(statements, { action: 's3:ListBucket', resource: 'arn:aws:s3:::b.x', context: { [SUB]: 'id-1', 's3:prefix': prefix } });
    expect(list('private/id-1/')).toBe('allow');
    expect(list('private/id-2/')).toBe('implicit-deny');
    expect(list(undefined)).toBe('implicit-deny');
  });

  it('lets an explicit deny win over an allow', () => {
    expect(evaluatePolicy(statements, { action: 's3:GetObject', resource: 'arn:aws:s3:::b.x/media/blocked/x', context: {} })).toBe('deny');
  });

  it('fails closed on condition operators it does not know', () => {
    const s: PolicyStatementModel[] = [{ effect: 'Allow', actions: ['*'], resources: ['*'], conditions: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }];
    expect(evaluatePolicy(s, { action: 'x:y', resource: 'r', context: { 'aws:SourceIp': '10.1.1.1' } })).toBe('implicit-deny');
  });
});
