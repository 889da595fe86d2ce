import { assertRequiredAttributes, isEmail, isPhoneNumber, validateAttributeWrites } from '../attributes.js';
import { checkCode, deliveryDetails, VERIFICATION_CODE_TTL_MS } from '../codes.js';
import { errors } from '../errors.js';
import { checkPasswordPolicy } from '../password_policy.js';
import type { AuthPool } from '../pool.js';
import { createVerifier } from '../srp.js';
import type { UserRecord } from '../user_store.js';
import { clientIdParam, codeParam, Params, passwordParam, usernameParam } from '../validate.js';
import type { HandlerMap } from './types.js';

/**
 * The sign-in name rules of a pool whose UsernameAttributes hold email and/or phone_number: the
 * Username given to SignUp must be such a value, it becomes that attribute, and Cognito generates
 * the real username (a uuid, equal to `sub`).
 */
export function usernameAttributeFor(pool: AuthPool, username: string): 'email' | 'phone_number' | undefined {
  const attrs = pool.pool.usernameAttributes;
  if (attrs.length === 0) return undefined;
  const email = attrs.includes('email') && isEmail(username);
  const phone = attrs.includes('phone_number') && isPhoneNumber(username);
  if (email) return 'email';
  if (phone) return 'phone_number';
  if (attrs.includes('email') && attrs.includes('phone_number')) throw errors.invalidParameter('Username should be either an email or a phone number.');
  throw errors.invalidParameter(attrs.includes('email') ? 'Username should be an email.' : 'Username should be a phone number.');
}

/** UsernameExistsException when the username or a username attribute value is taken. */
export function assertUsernameFree(pool: AuthPool, username: string, usernameAttr: 'email' | 'phone_number' | undefined, value: string): void {
  if (usernameAttr) {
    if (pool.users.findByAttribute(usernameAttr, value)) {
      throw errors.usernameExists(`An account with the given ${usernameAttr} already exists.`);
    }
  } else if (pool.users.get(username)) {
    throw errors.usernameExists('User already exists');
  }
}

export function newUser(pool: AuthPool, username: string, sub: string, attributes: Record<string, string>): UserRecord {
  const now = pool.now();
  return {
    username,
    sub,
    attributes: { sub, ...attributes },
    status: 'UNCONFIRMED',
    enabled: true,
    createdAt: now,
    updatedAt: now,
    groups: [],
    mfa: { smsEnabled: false, totpEnabled: false },
    codes: {},
  };
}

export const signUpHandlers: HandlerMap = {
  async SignUp(pool, body) {
    const p = new Params(body);
    const clientId = clientIdParam(p);
    const usernameIn = usernameParam(p);
    const password = passwordParam(p, 'Password');
    const attrsIn = p.attributes('UserAttributes') ?? [];
    const validationData = p.attributes('ValidationData') ?? [];
    const clientMetadata = p.map('ClientMetadata');
    p.done();
    const client = pool.client(clientId);
    if (pool.pool.adminCreateUserOnly) throw errors.notAuthorized('SignUp is not permitted for this user pool');

    const usernameAttr = usernameAttributeFor(pool, usernameIn);
    checkPasswordPolicy(password, pool.pool.passwordPolicy);
    const attributes = validateAttributeWrites(pool.pool, attrsIn, { writer: 'client', client, isUpdate: false });
    if (usernameAttr) attributes[usernameAttr] = usernameIn;
    assertRequiredAttributes(pool.pool, attributes);
    assertUsernameFree(pool, usernameIn, usernameAttr, usernameIn);

    const sub = pool.ctx.ids.uuid();
    const username = usernameAttr ? sub : usernameIn;
    const user = newUser(pool, username, sub, attributes);
    if (attributes.email) user.attributes.email_verified = 'false';
    if (attributes.phone_number) user.attributes.phone_number_verified = 'false';

    const pre = await pool.triggers.run({
      trigger: 'PreSignUp',
      triggerSource: 'PreSignUp_SignUp',
      userName: username,
      clientId,
      request: {
        userAttributes: { ...attributes },
        validationData: Object.fromEntries(validationData.map((a) => [a.Name, a.Value])),
        clientMetadata: clientMetadata ?? {},
      },
    });
    if (pre?.autoVerifyEmail === true && attributes.email) user.attributes.email_verified = 'true';
    if (pre?.autoVerifyPhone === true && attributes.phone_number) user.attributes.phone_number_verified = 'true';
    const autoConfirm = pre?.autoConfirmUser === true;

    user.password = createVerifier(pool.srpPoolName, username, password, pool.ctx.ids.bytes(16));
    if (autoConfirm) user.status = 'CONFIRMED';
    pool.users.add(user);
    pool.ctx.log.info(`user ${usernameIn} signed up${autoConfirm ? ' (auto-confirmed by PreSignUp)' : ''}`);

    const out: Record<string, unknown> = { UserConfirmed: autoConfirm, UserSub: sub };
    const target = autoConfirm ? undefined : pool.verificationTarget(user);
    if (target) {
      out.CodeDeliveryDetails = await pool.sendCode({
        user,
        attribute: target,
        kind: 'SignUp',
        ttlMs: VERIFICATION_CODE_TTL_MS,
        store: (code) => (user.codes.signUp = code),
        clientId,
        clientMetadata,
      });
    }
    return out;
  },

  async ConfirmSignUp(pool, body) {
    const p = new Params(body);
    const clientId = clientIdParam(p);
    const username = usernameParam(p);
    const code = codeParam(p, 'ConfirmationCode');
    p.bool('ForceAliasCreation');
    const clientMetadata = p.map('ClientMetadata');
    p.done();
    const client = pool.client(clientId);
    const user = pool.users.resolve(username);
    if (!user) {
      if (pool.hidesUsers(client)) throw errors.codeMismatch('Invalid verification code provided, please try again.');
      throw errors.userNotFound('Username/client id combination not found.');
    }
    if (user.status !== 'UNCONFIRMED') throw errors.notAuthorized(`User cannot be confirmed. Current status is ${user.status}`);
    checkCode(user.codes.signUp, code, pool.now());

    const sentTo = user.codes.signUp?.sentTo;
    user.status = 'CONFIRMED';
    if (sentTo && sentTo === user.attributes.email) user.attributes.email_verified = 'true';
    if (sentTo && sentTo === user.attributes.phone_number) user.attributes.phone_number_verified = 'true';
    delete user.codes.signUp;
    pool.users.changed(user, pool.now());
    pool.ctx.log.info(`user ${user.username} confirmed`);

    // Cognito confirms first and runs PostConfirmation after: a failing trigger fails the call but
    // leaves the user confirmed (the function should be idempotent; retries get NotAuthorized).
    await pool.triggers.run({
      trigger: 'PostConfirmation',
      triggerSource: 'PostConfirmation_ConfirmSignUp',
      userName: user.username,
      clientId,
      request: { userAttributes: pool.triggerAttributes(user), clientMetadata: clientMetadata ?? {} },
    });
    return {};
  },

  async ResendConfirmationCode(pool, body) {
    const found = codeRequestUser(pool, body);
    if ('decoy' in found) return { CodeDeliveryDetails: found.decoy };
    const { user, clientId, clientMetadata } = found;
    if (user.status !== 'UNCONFIRMED') throw errors.invalidParameter('User is already confirmed.');
    const target = pool.verificationTarget(user);
    if (!target) throw errors.invalidParameter('Cannot resend codes. Auto verification not turned on.');
    const CodeDeliveryDetails = await pool.sendCode({
      user,
      attribute: target,
      kind: 'ResendCode',
      ttlMs: VERIFICATION_CODE_TTL_MS,
      store: (code) => (user.codes.signUp = code),
      clientId,
      clientMetadata,
    });
    return { CodeDeliveryDetails };
  },
};

/**
 * The user a code-sending call (ResendConfirmationCode, ForgotPassword) names, or — when the user is
 * unknown and the client hides user existence — the decoy delivery Cognito answers with instead.
 */
export function codeRequestUser(
  pool: AuthPool,
  body: Record<string, unknown>,
): { user: UserRecord; clientId: string; clientMetadata: Record<string, string> | undefined } | { decoy: ReturnType<typeof decoyDelivery> } {
  const p = new Params(body);
  const clientId = clientIdParam(p);
  const username = usernameParam(p);
  const clientMetadata = p.map('ClientMetadata');
  p.done();
  const client = pool.client(clientId);
  const user = pool.users.resolve(username);
  if (!user) {
    if (pool.hidesUsers(client)) return { decoy: decoyDelivery(pool, username) };
    throw errors.userNotFound('Username/client id combination not found.');
  }
  return { user, clientId, clientMetadata };
}

/** What Cognito answers for an unknown user when it hides user existence: a plausible delivery. */
export function decoyDelivery(pool: AuthPool, username: string) {
  if (isPhoneNumber(username)) return deliveryDetails('phone_number', username);
  if (isEmail(username) || pool.pool.autoVerifiedAttributes.includes('email')) {
    return deliveryDetails('email', isEmail(username) ? username : `${username}@example.com`);
  }
  return deliveryDetails('phone_number', '+10000000000');
}
