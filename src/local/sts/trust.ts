import type { PolicyStatementModel, RoleModel } from '../assembly/model.js';
import { evaluatePolicy } from '../core/iam_policy.js';

/**
 * A role's trust policy (AssumeRolePolicyDocument) against whoever asks to assume it. The
 * principal decides which statements apply; their actions and conditions are then evaluated like
 * any policy (explicit Deny wins). A statement naming the whole account (`<account id>` or
 * `arn:aws:iam::<account>:root`) delegates to IAM: the caller's own policy must then allow the
 * action too. A statement naming the caller's ARN (or `*`) is enough on its own.
 */

export type TrustPrincipal =
  /** A signed caller: its ARNs (the user's, or the role's and the session's). */
  | { type: 'AWS'; arns: string[]; accountId: string }
  /** A web identity: the provider names a trust policy may use for its issuer. */
  | { type: 'Federated'; providers: string[] };

export type TrustDecision = 'allow' | 'allow-if-identity-policy-allows' | 'deny';

type PrincipalMatch = 'exact' | 'account' | false;

function principalMatch(s: PolicyStatementModel, who: TrustPrincipal): PrincipalMatch {
  const named = s.principals?.[who.type] ?? [];
  if (who.type === 'Federated') return named.some((p) => who.providers.includes(p)) ? 'exact' : false;
  let match: PrincipalMatch = false;
  for (const p of named) {
    if (p === '*' || who.arns.includes(p)) return 'exact';
    if (p === who.accountId || p === `arn:aws:iam::${who.accountId}:root`) match = 'account';
  }
  return match;
}

export function evaluateTrust(
  role: RoleModel,
  action: 'sts:AssumeRole' | 'sts:AssumeRoleWithWebIdentity',
  who: TrustPrincipal,
  context: Record<string, string | string[] | undefined>,
): TrustDecision {
  let best: PrincipalMatch = false;
  for (const s of role.trustStatements ?? []) {
    const match = principalMatch(s, who);
    if (!match) continue;
    // Trust statements name no resource: the role itself is the resource.
    const decision = evaluatePolicy([{ ...s, resources: ['*'] }], { action, resource: role.arn, context });
    if (decision === 'deny') return 'deny';
    if (decision === 'allow' && best !== 'exact') best = match;
  }
  if (best === 'exact') return 'allow';
  if (best === 'account') return 'allow-if-identity-policy-allows';
  return 'deny';
}
