import { createHash } from 'node:crypto';
import type { BackendModel } from '../assembly/model.js';
import { evaluatePolicy, type PolicyDecision } from './iam_policy.js';
import type { IssuedCredentials } from './registry.js';

/** The STS session name AWS gives the caller: the function's name, or Cognito's fixed one. */
export function sessionName(creds: IssuedCredentials): string {
  return creds.kind === 'function' ? (creds.functionName ?? 'function') : 'CognitoIdentityCredentials';
}

export function roleName(roleArn: string): string {
  return roleArn.slice(roleArn.lastIndexOf('/') + 1);
}

/** A stable fake role id (`AROA…`), so ids built from it look like AWS's `<roleId>:<session>`. */
export function roleId(roleArn: string): string {
  return `AROA${createHash('sha256').update(roleArn).digest('hex').slice(0, 17).toUpperCase()}`;
}

/** The STS session ARN AWS names in errors: `arn:aws:sts::<account>:assumed-role/<role>/<session>`. */
export function assumedRoleArn(model: Pick<BackendModel, 'accountId'>, creds: IssuedCredentials): string {
  return `arn:aws:sts::${model.accountId}:assumed-role/${roleName(creds.roleArn)}/${sessionName(creds)}`;
}

/**
 * Policy variables and global condition keys of a caller. Every service evaluates policies against
 * this one context, so a condition means the same thing for S3 as for AppSync or DynamoDB.
 * `aws:userid` of an assumed-role session is `<roleId>:<session>`; the Cognito keys exist only for
 * identity-pool credentials. Requests are treated as TLS because real AWS endpoints only are.
 */
export function iamRequestContext(creds: IssuedCredentials, extra: Record<string, string> = {}): Record<string, string | undefined> {
  const fromPool = creds.kind !== 'function';
  return {
    'aws:PrincipalArn': creds.roleArn,
    'aws:userid': `${roleId(creds.roleArn)}:${sessionName(creds)}`,
    'aws:SecureTransport': 'true',
    'cognito-identity.amazonaws.com:sub': fromPool ? creds.identityId : undefined,
    'cognito-identity.amazonaws.com:aud': fromPool ? creds.identityPoolId : undefined,
    'cognito-identity.amazonaws.com:amr': fromPool ? creds.kind : undefined,
    ...extra,
  };
}

export type AuthorizeResult = { allowed: true } | { allowed: false; message: string };

/** AWS's refusal: "User: <session arn> is not authorized to perform: <action> on resource: <arn> because …". */
function notAuthorizedMessage(
  model: Pick<BackendModel, 'accountId'>,
  creds: IssuedCredentials,
  action: string,
  resource: string,
  decision: Exclude<PolicyDecision, 'allow'>,
): string {
  const why = decision === 'deny' ? 'with an explicit deny in an identity-based policy' : `because no identity-based policy allows the ${action} action`;
  return `User: ${assumedRoleArn(model, creds)} is not authorized to perform: ${action} on resource: ${resource} ${why}`;
}

/** Evaluates the caller's role policies (from the assembly) for one action on one resource. */
export function authorizeCaller(
  model: Pick<BackendModel, 'accountId' | 'iam'>,
  creds: IssuedCredentials,
  action: string,
  resource: string,
  extraContext: Record<string, string> = {},
): AuthorizeResult {
  const role = model.iam.roles.find((r) => r.arn === creds.roleArn);
  const decision = evaluatePolicy(role?.statements ?? [], { action, resource, context: iamRequestContext(creds, extraContext) });
  if (decision === 'allow') return { allowed: true };
  return { allowed: false, message: notAuthorizedMessage(model, creds, action, resource, decision) };
}
