import { createHash } from 'node:crypto';
import type { BackendModel, PolicyStatementModel } from '../assembly/model.js';
import { developerUserArn, developerUserId } from './account.js';
import { evaluatePolicy, type PolicyDecision } from './iam_policy.js';
import type { IssuedCredentials } from './registry.js';

/** The STS session name AWS gives the caller: the function's name, the RoleSessionName, or Cognito's fixed one. */
export function sessionName(creds: IssuedCredentials): string {
  if (creds.kind === 'function') return creds.functionName ?? 'function';
  if (creds.kind === 'assumed-role') return creds.sessionName ?? 'session';
  return 'CognitoIdentityCredentials';
}

/** True for identity-pool credentials (GetCredentialsForIdentity). */
export function isIdentityPoolCredentials(creds: IssuedCredentials): boolean {
  return creds.kind === 'authenticated' || creds.kind === 'unauthenticated';
}

export function roleName(roleArn: string): string {
  return roleArn.slice(roleArn.lastIndexOf('/') + 1);
}

/** A stable fake role id (`AROA…`), so ids built from it look like AWS's `<roleId>:<session>`. */
export function roleId(roleArn: string): string {
  return `AROA${createHash('sha256').update(roleArn).digest('hex').slice(0, 17).toUpperCase()}`;
}

/**
 * The caller's ARN as AWS names it in errors and GetCallerIdentity: the STS session ARN
 * `arn:aws:sts::<account>:assumed-role/<role>/<session>`, or the developer user's ARN.
 */
export function assumedRoleArn(model: Pick<BackendModel, 'accountId'>, creds: IssuedCredentials): string {
  if (creds.kind === 'account') return developerUserArn(model.accountId);
  return `arn:aws:sts::${model.accountId}:assumed-role/${roleName(creds.roleArn)}/${sessionName(creds)}`;
}

/** `aws:userid`: `<roleId>:<session>` for a role session, the user id (`AIDA…`) for the developer user. */
export function callerUserId(model: Pick<BackendModel, 'accountId'>, creds: IssuedCredentials): string {
  if (creds.kind === 'account') return developerUserId(model.accountId);
  return `${roleId(creds.roleArn)}:${sessionName(creds)}`;
}

/** The administrator's policy: what the developer keys may do (everything). */
const ADMINISTRATOR_ACCESS: readonly PolicyStatementModel[] = [{ effect: 'Allow', actions: ['*'], resources: ['*'] }];

/** The identity-based statements that apply to the caller: its role's, or the administrator's. */
export function principalStatements(model: Pick<BackendModel, 'iam'>, creds: IssuedCredentials): readonly PolicyStatementModel[] {
  if (creds.kind === 'account') return ADMINISTRATOR_ACCESS;
  return model.iam.roles.find((r) => r.arn === creds.roleArn)?.statements ?? [];
}

/**
 * Policy variables and global condition keys of a caller. Every service evaluates policies against
 * this one context, so a condition means the same thing for S3 as for AppSync or DynamoDB.
 * `aws:userid` of an assumed-role session is `<roleId>:<session>`; the Cognito keys exist only for
 * identity-pool credentials. Requests are treated as TLS because real AWS endpoints only are.
 */
export function iamRequestContext(creds: IssuedCredentials, extra: Record<string, string> = {}): Record<string, string | undefined> {
  const fromPool = isIdentityPoolCredentials(creds);
  // A web-identity session of a Cognito identity carries the identity's keys too.
  const ofIdentity = fromPool || creds.kind === 'assumed-role';
  return {
    'aws:PrincipalArn': creds.roleArn,
    'aws:userid': creds.kind === 'account' ? developerUserId(creds.roleArn.split(':')[4]) : `${roleId(creds.roleArn)}:${sessionName(creds)}`,
    ...(creds.kind === 'account' ? { 'aws:username': creds.roleArn.slice(creds.roleArn.lastIndexOf('/') + 1) } : {}),
    'aws:SecureTransport': 'true',
    'cognito-identity.amazonaws.com:sub': ofIdentity ? creds.identityId : undefined,
    'cognito-identity.amazonaws.com:aud': ofIdentity ? creds.identityPoolId : undefined,
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
  const decision = evaluatePolicy(principalStatements(model, creds), { action, resource, context: iamRequestContext(creds, extraContext) });
  if (decision === 'allow') return { allowed: true };
  return { allowed: false, message: notAuthorizedMessage(model, creds, action, resource, decision) };
}
