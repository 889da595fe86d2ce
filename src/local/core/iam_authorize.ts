import type { BackendModel } from '../assembly/model.js';
import { evaluatePolicy } from './iam_policy.js';
import type { IssuedCredentials } from './registry.js';

/** The STS session ARN AWS names in errors: `arn:aws:sts::<account>:assumed-role/<role>/<session>`. */
export function assumedRoleArn(model: Pick<BackendModel, 'accountId'>, creds: IssuedCredentials): string {
  const roleName = creds.roleArn.split('/').pop() ?? creds.roleArn;
  const session = creds.kind === 'function' ? (creds.functionName ?? 'function') : 'CognitoIdentityCredentials';
  return `arn:aws:sts::${model.accountId}:assumed-role/${roleName}/${session}`;
}

/** Policy variables and global condition keys of a caller. */
export function callerContext(creds: IssuedCredentials, extra: Record<string, string> = {}): Record<string, string | undefined> {
  return {
    'aws:PrincipalArn': creds.roleArn,
    'cognito-identity.amazonaws.com:sub': creds.identityId,
    'cognito-identity.amazonaws.com:aud': creds.identityPoolId,
    'aws:SecureTransport': 'true',
    ...extra,
  };
}

export type AuthorizeResult = { allowed: true } | { allowed: false; message: string };

/**
 * Evaluates the caller's role policies (from the assembly) for one action on one resource, and
 * words a refusal the way AWS does ("User: … is not authorized to perform: … because …").
 */
export function authorizeCaller(
  model: Pick<BackendModel, 'accountId' | 'iam'>,
  creds: IssuedCredentials,
  action: string,
  resource: string,
  extraContext: Record<string, string> = {},
): AuthorizeResult {
  const role = model.iam.roles.find((r) => r.arn === creds.roleArn);
  const decision = evaluatePolicy(role?.statements ?? [], { action, resource, context: callerContext(creds, extraContext) });
  if (decision === 'allow') return { allowed: true };
  const why = decision === 'deny' ? 'with an explicit deny in an identity-based policy' : `because no identity-based policy allows the ${action} action`;
  return { allowed: false, message: `User: ${assumedRoleArn(model, creds)} is not authorized to perform: ${action} on resource: ${resource} ${why}` };
}
