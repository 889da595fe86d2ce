import type { IdentityPoolModel } from '../assembly/model.js';
import { errors, MESSAGES } from './errors.js';
import type { VerifiedLogin } from './logins.js';

/**
 * IdentityPoolRoleAttachment.RoleMappings as the loader reads them (optional in the model: older
 * models lack them, and then every authenticated identity gets the pool's authenticated role).
 */
interface RoleMapping {
  provider: string;
  type: 'Token' | 'Rules';
  ambiguousRoleResolution?: 'AuthenticatedRole' | 'Deny';
  rules?: { claim: string; matchType: string; value: string; roleArn: string }[];
}

function roleMappingsOf(pool: IdentityPoolModel): RoleMapping[] {
  return (pool as IdentityPoolModel & { roleMappings?: RoleMapping[] }).roleMappings ?? [];
}

export function unauthenticatedRole(pool: IdentityPoolModel): string {
  if (!pool.unauthenticatedRoleArn) throw errors.invalidPoolConfiguration(MESSAGES.noRoles);
  return pool.unauthenticatedRoleArn;
}

/**
 * The role Cognito would choose for a signed-in user: the provider's role mapping (`Token`: the ID
 * token's `cognito:preferred_role`, or `CustomRoleArn` when it is one of `cognito:roles`; `Rules`:
 * the first matching claim rule), else the pool's authenticated role — or a refusal when the
 * mapping says `Deny` for the ambiguous case.
 */
export function authenticatedRole(pool: IdentityPoolModel, login: VerifiedLogin, customRoleArn?: string): string {
  const mapping = roleMappingsOf(pool).find((m) => m.provider.endsWith(`/${login.userPoolId}:${login.clientId}`));
  const claims = login.claims;
  // Ambiguous per the RoleMapping docs: Token — several cognito:roles and no preferred one;
  // Rules — no rule matched. A user without any role claim simply gets the authenticated role.
  let ambiguous = false;
  if (mapping?.type === 'Token') {
    const roles = Array.isArray(claims['cognito:roles']) ? (claims['cognito:roles'] as unknown[]).filter((r): r is string => typeof r === 'string') : [];
    if (customRoleArn !== undefined) {
      if (roles.includes(customRoleArn)) return customRoleArn;
      throw errors.notAuthorized(`Invalid CustomRoleArn ((local: ${customRoleArn} is not in the ID token's cognito:roles))`);
    }
    const preferred = claims['cognito:preferred_role'];
    if (typeof preferred === 'string' && preferred) return preferred;
    if (roles.length === 1) return roles[0];
    ambiguous = roles.length > 1;
  } else if (mapping?.type === 'Rules') {
    const rule = (mapping.rules ?? []).find((r) => ruleMatches(claims[r.claim], r.matchType, r.value));
    if (rule) return rule.roleArn;
    ambiguous = true;
  }
  if (ambiguous && mapping?.ambiguousRoleResolution === 'Deny') {
    throw errors.notAuthorized(`Unable to choose a role for this identity ((local: the role mapping of ${mapping.provider} resolves ambiguous roles with Deny))`);
  }
  if (!pool.authenticatedRoleArn) throw errors.invalidPoolConfiguration(MESSAGES.noRoles);
  return pool.authenticatedRoleArn;
}

function ruleMatches(claim: unknown, matchType: string, value: string): boolean {
  const values = Array.isArray(claim) ? claim.map(String) : claim === undefined || claim === null ? [] : [String(claim)];
  switch (matchType) {
    case 'Equals':
      return values.includes(value);
    case 'NotEqual':
      return values.length > 0 && !values.includes(value);
    case 'Contains':
      return values.some((v) => v.includes(value));
    case 'StartsWith':
      return values.some((v) => v.startsWith(value));
    default:
      return false;
  }
}
