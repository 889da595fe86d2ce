import { toAttributeList } from './attributes.js';
import type { MfaType, UserRecord } from './user_store.js';

/** GetUser / AdminGetUser MFA fields: present only when the user has MFA set up, as in Cognito. */
export function mfaFields(user: UserRecord): { UserMFASettingList?: MfaType[]; PreferredMfaSetting?: MfaType } {
  const list: MfaType[] = [];
  if (user.mfa.smsEnabled) list.push('SMS_MFA');
  if (user.mfa.totpEnabled) list.push('SOFTWARE_TOKEN_MFA');
  const out: { UserMFASettingList?: MfaType[]; PreferredMfaSetting?: MfaType } = {};
  if (list.length) out.UserMFASettingList = list;
  if (user.mfa.preferred && list.includes(user.mfa.preferred)) out.PreferredMfaSetting = user.mfa.preferred;
  return out;
}

/** Cognito's JSON timestamps are epoch seconds (with fractions). */
export const epochSeconds = (ms: number) => ms / 1000;

/** The `UserType` of ListUsers and AdminCreateUser. */
export function userType(user: UserRecord, attributesToGet?: string[]): Record<string, unknown> {
  return {
    Username: user.username,
    Attributes: toAttributeList(user.attributes, attributesToGet),
    UserCreateDate: epochSeconds(user.createdAt),
    UserLastModifiedDate: epochSeconds(user.updatedAt),
    Enabled: user.enabled,
    UserStatus: user.status,
  };
}
