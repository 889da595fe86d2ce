import { errors } from '../errors.js';
import type { AuthPool } from '../pool.js';
import type { ChallengeSession } from '../srp_session.js';
import { base32Encode, matchTotp } from '../totp.js';
import type { MfaType, UserRecord } from '../user_store.js';
import { Params, PATTERNS } from '../validate.js';
import type { HandlerMap } from './types.js';

const SESSION_EXPIRED = 'Invalid session for the user, session is expired.';

/** AssociateSoftwareToken and VerifySoftwareToken work on a signed-in user or an MFA_SETUP sign-in. */
function subject(pool: AuthPool, p: Params): { user: UserRecord; session?: undefined } | { session: ChallengeSession; user: UserRecord } {
  const token = p.str('AccessToken', { pattern: PATTERNS.token, sensitive: true });
  const sessionId = p.str('Session', { min: 20, max: 2048 });
  p.done();
  if (token) return { user: pool.accessTokenUser(token).user };
  if (!sessionId) throw errors.invalidParameter('Either AccessToken or Session must be provided.');
  const session = pool.challenges.get(sessionId, pool.now());
  if (!session || session.challenge !== 'MFA_SETUP') throw errors.notAuthorized(SESSION_EXPIRED);
  const user = pool.users.get(session.username);
  if (!user) throw errors.notAuthorized(SESSION_EXPIRED);
  return { session, user };
}

/** Cognito hands out a fresh Session at each step of MFA set-up. */
function rotate(pool: AuthPool, s: ChallengeSession): string {
  pool.challenges.delete(s);
  const next = pool.challenges.put({ ...s, id: pool.challenges.newId() }, pool.now());
  return next.id;
}

type MfaSettings = { Enabled?: boolean; PreferredMfa?: boolean };

function settings(p: Params, name: string): MfaSettings | undefined {
  const s = p.struct(name);
  if (!s) return undefined;
  for (const k of ['Enabled', 'PreferredMfa'] as const) {
    if (s[k] !== undefined && typeof s[k] !== 'boolean') throw errors.serialization(`Value of '${name}.${k}' must be a boolean`);
  }
  return s as MfaSettings;
}

export const mfaHandlers: HandlerMap = {
  async AssociateSoftwareToken(pool, body) {
    const { user, session } = subject(pool, new Params(body));
    const SecretCode = base32Encode(pool.ctx.ids.bytes(20));
    if (session) {
      session.totpSecret = SecretCode;
      session.totpVerified = false;
      return { SecretCode, Session: rotate(pool, session) };
    }
    user.mfa.pendingTotpSecret = SecretCode;
    pool.users.changed(user, pool.now());
    return { SecretCode };
  },

  async VerifySoftwareToken(pool, body) {
    const p = new Params(body);
    const code = p.str('UserCode', { required: true, min: 6, max: 6, pattern: /^[0-9]+$/, sensitive: true });
    p.str('FriendlyDeviceName');
    const { user, session } = subject(pool, p);
    const secret = session ? session.totpSecret : user.mfa.pendingTotpSecret;
    if (!secret) throw errors.softwareTokenMfaNotFound('Software Token MFA has not been associated with the user. ((local: call AssociateSoftwareToken first))');
    const step = matchTotp(secret, code, pool.now());
    if (step === undefined) throw errors.enableSoftwareTokenMfa('Code mismatch and fail enable Software Token MFA mode');
    if (session) {
      session.totpVerified = true;
      return { Status: 'SUCCESS', Session: rotate(pool, session) };
    }
    user.mfa.totpSecret = secret;
    user.mfa.lastTotpStep = step;
    delete user.mfa.pendingTotpSecret;
    pool.users.changed(user, pool.now());
    return { Status: 'SUCCESS' };
  },

  async SetUserMFAPreference(pool, body) {
    const p = new Params(body);
    const sms = settings(p, 'SMSMfaSettings');
    const totp = settings(p, 'SoftwareTokenMfaSettings');
    const email = settings(p, 'EmailMfaSettings');
    const token = p.str('AccessToken', { required: true, pattern: PATTERNS.token, sensitive: true });
    p.done();
    const { user } = pool.accessTokenUser(token);
    const enabled = pool.pool.enabledMfas;
    if (email?.Enabled) throw errors.invalidParameter('Email MFA is not enabled for this user pool ((local: EMAIL_OTP is not emulated))');
    if (sms?.Enabled) {
      if (!enabled.includes('SMS_MFA')) throw errors.invalidParameter('SMS MFA is not enabled for this user pool');
      if (!user.attributes.phone_number) throw errors.invalidParameter('User does not have delivery config set to turn on SMS_MFA');
    }
    if (totp?.Enabled) {
      if (!enabled.includes('SOFTWARE_TOKEN_MFA')) throw errors.invalidParameter('Software token MFA is not enabled for this user pool');
      if (!user.mfa.totpSecret) throw errors.invalidParameter('User has not verified software token mfa');
    }
    if (sms?.PreferredMfa && totp?.PreferredMfa) throw errors.invalidParameter('Only one MFA type can be preferred');
    const apply = (type: MfaType, s: MfaSettings | undefined, flag: 'smsEnabled' | 'totpEnabled') => {
      if (!s) return;
      if (s.Enabled !== undefined) user.mfa[flag] = s.Enabled;
      if (s.Enabled === false || s.PreferredMfa === false) {
        if (user.mfa.preferred === type) delete user.mfa.preferred;
      }
      if (s.PreferredMfa === true && user.mfa[flag]) user.mfa.preferred = type;
    };
    apply('SMS_MFA', sms, 'smsEnabled');
    apply('SOFTWARE_TOKEN_MFA', totp, 'totpEnabled');
    pool.users.changed(user, pool.now());
    return {};
  },
};
