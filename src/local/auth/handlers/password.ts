import { checkCode, FORGOT_PASSWORD_CODE_TTL_MS } from '../codes.js';
import { errors } from '../errors.js';
import { recordSuccess } from '../lockout.js';
import { checkPasswordPolicy } from '../password_policy.js';
import type { AuthPool } from '../pool.js';
import { createVerifier } from '../srp.js';
import type { UserRecord } from '../user_store.js';
import { clientIdParam, codeParam, Params, passwordParam, usernameParam } from '../validate.js';
import { codeRequestUser } from './sign_up.js';
import type { HandlerMap } from './types.js';

/** Where a reset code goes: the first usable AccountRecoverySetting mechanism, in priority order. */
export function recoveryTarget(pool: AuthPool, user: UserRecord): 'email' | 'phone_number' {
  const mechanisms = pool.pool.accountRecovery.length ? pool.pool.accountRecovery : ['verified_phone_number', 'verified_email'];
  for (const m of mechanisms) {
    if (m === 'admin_only') throw errors.notAuthorized('User password cannot be reset in the current state.');
    if (m === 'verified_email' && user.attributes.email && user.attributes.email_verified === 'true') return 'email';
    if (m === 'verified_phone_number' && user.attributes.phone_number && user.attributes.phone_number_verified === 'true') return 'phone_number';
  }
  throw errors.invalidParameter('Cannot reset password for the user as there is no registered/verified email or phone_number');
}

/** Sets a new password from a reset (ConfirmForgotPassword) or an administrator. */
export function setPassword(pool: AuthPool, user: UserRecord, password: string): void {
  user.password = createVerifier(pool.srpPoolName, user.username, password, pool.ctx.ids.bytes(16));
  recordSuccess(user);
}

export const passwordHandlers: HandlerMap = {
  async ForgotPassword(pool, body) {
    const found = codeRequestUser(pool, body);
    if ('decoy' in found) return { CodeDeliveryDetails: found.decoy };
    const { user, clientId, clientMetadata } = found;
    if (!user.enabled) throw errors.notAuthorized('User is disabled.');
    const target = recoveryTarget(pool, user);
    const CodeDeliveryDetails = await pool.sendCode({
      user,
      attribute: target,
      kind: 'ForgotPassword',
      ttlMs: FORGOT_PASSWORD_CODE_TTL_MS,
      store: (code) => (user.codes.forgotPassword = code),
      clientId,
      clientMetadata,
    });
    return { CodeDeliveryDetails };
  },

  async ConfirmForgotPassword(pool, body) {
    const p = new Params(body);
    const clientId = clientIdParam(p);
    const username = usernameParam(p);
    const code = codeParam(p, 'ConfirmationCode');
    const password = passwordParam(p, 'Password');
    const clientMetadata = p.map('ClientMetadata');
    p.done();
    const client = pool.client(clientId);
    const user = pool.users.resolve(username);
    if (!user) {
      if (pool.hidesUsers(client)) throw errors.codeMismatch('Invalid verification code provided, please try again.');
      throw errors.userNotFound('Username/client id combination not found.');
    }
    checkPasswordPolicy(password, pool.pool.passwordPolicy);
    checkCode(user.codes.forgotPassword, code, pool.now());
    setPassword(pool, user, password);
    if (user.status === 'RESET_REQUIRED' || user.status === 'FORCE_CHANGE_PASSWORD') {
      user.status = 'CONFIRMED';
      delete user.temporaryPasswordExpiresAt;
    }
    delete user.codes.forgotPassword;
    pool.users.changed(user, pool.now());
    pool.ctx.log.info(`password of ${user.username} reset`);
    await pool.triggers.run({
      trigger: 'PostConfirmation',
      triggerSource: 'PostConfirmation_ConfirmForgotPassword',
      userName: user.username,
      clientId,
      request: { userAttributes: pool.triggerAttributes(user), clientMetadata: clientMetadata ?? {} },
    });
    return {};
  },
};
