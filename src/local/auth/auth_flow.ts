import type { UserPoolClientModel } from '../assembly/model.js';
import { maskDestination } from './codes.js';
import { errors } from './errors.js';
import { recordSuccess } from './lockout.js';
import type { AuthPool } from './pool.js';
import type { ChallengeName, ChallengeSession } from './srp_session.js';
import type { MfaType, UserRecord } from './user_store.js';

/** InitiateAuth / RespondToAuthChallenge output. */
export interface AuthResponse {
  ChallengeName?: ChallengeName;
  ChallengeParameters: Record<string, string>;
  Session?: string;
  AuthenticationResult?: {
    AccessToken: string;
    IdToken: string;
    RefreshToken?: string;
    ExpiresIn: number;
    TokenType: 'Bearer';
  };
}

export interface FlowOptions {
  clientMetadata?: Record<string, string>;
  /** Decides the PreTokenGeneration trigger source. */
  flow: 'Authentication' | 'NewPasswordChallenge';
}

/** PreAuthentication runs when a known user starts signing in; its error refuses the sign-in. */
export async function runPreAuthentication(
  pool: AuthPool,
  user: UserRecord,
  client: UserPoolClientModel,
  clientMetadata?: Record<string, string>,
  validationData?: Record<string, string>,
): Promise<void> {
  await pool.triggers.run({
    trigger: 'PreAuthentication',
    triggerSource: 'PreAuthentication_Authentication',
    userName: user.username,
    clientId: client.id,
    request: { userAttributes: pool.triggerAttributes(user), validationData: validationData ?? {}, userNotFound: false, clientMetadata: clientMetadata ?? {} },
  });
}

/** After a correct password: the account-state checks Cognito makes, in its order and words. */
export function assertCanSignIn(pool: AuthPool, user: UserRecord): void {
  if (!user.enabled) throw errors.notAuthorized('User is disabled.');
  if (user.status === 'UNCONFIRMED') throw errors.userNotConfirmed('User is not confirmed.');
  if (user.status === 'RESET_REQUIRED') throw errors.passwordResetRequired('Password reset required for the user');
  if (user.status === 'FORCE_CHANGE_PASSWORD' && user.temporaryPasswordExpiresAt !== undefined && pool.now() > user.temporaryPasswordExpiresAt) {
    throw errors.notAuthorized('Temporary password has expired and must be reset by an administrator.');
  }
}

/** MFA types the user can be challenged with (pool-enabled and set up by the user). */
export function userMfaTypes(pool: AuthPool, user: UserRecord): MfaType[] {
  const enabled = pool.pool.enabledMfas;
  const out: MfaType[] = [];
  if (user.mfa.smsEnabled && user.attributes.phone_number && enabled.includes('SMS_MFA')) out.push('SMS_MFA');
  if (user.mfa.totpEnabled && user.mfa.totpSecret && enabled.includes('SOFTWARE_TOKEN_MFA')) out.push('SOFTWARE_TOKEN_MFA');
  return out;
}

function challengeFor(pool: AuthPool, user: UserRecord): ChallengeName | undefined {
  const mode = pool.pool.mfaConfiguration;
  if (mode === 'OFF') return undefined;
  const types = userMfaTypes(pool, user);
  if (types.length === 0) {
    if (mode !== 'ON') return undefined;
    // MFA required and none chosen: SMS to the user's number when the pool allows it, else set-up.
    if (pool.pool.enabledMfas.includes('SMS_MFA') && user.attributes.phone_number) return 'SMS_MFA';
    return 'MFA_SETUP';
  }
  if (user.mfa.preferred && types.includes(user.mfa.preferred)) return user.mfa.preferred;
  return types.length > 1 ? 'SELECT_MFA_TYPE' : types[0];
}

/** Opens a challenge Session for `user` (SMS codes are sent here). */
export async function startChallenge(
  pool: AuthPool,
  user: UserRecord,
  client: UserPoolClientModel,
  challenge: ChallengeName,
  opts: FlowOptions,
): Promise<AuthResponse> {
  const now = pool.now();
  const session: ChallengeSession = {
    id: pool.challenges.newId(),
    challenge,
    username: user.username,
    clientId: client.id,
    expiresAt: now + pool.sessionLifetimeMs(client),
    clientMetadata: opts.clientMetadata,
    failures: 0,
    flow: opts.flow,
  };
  const params: Record<string, string> = { USER_ID_FOR_SRP: user.username };
  if (challenge === 'SMS_MFA') {
    session.smsCode = pool.ctx.ids.digits(6);
    const phone = user.attributes.phone_number;
    await pool.messages.send({
      channel: 'sms',
      to: phone,
      code: session.smsCode,
      kind: 'Authentication',
      user,
      clientId: client.id,
      clientMetadata: opts.clientMetadata,
    });
    params.CODE_DELIVERY_DELIVERY_MEDIUM = 'SMS';
    params.CODE_DELIVERY_DESTINATION = maskDestination('SMS', phone);
  } else if (challenge === 'SELECT_MFA_TYPE') {
    params.MFAS_CAN_CHOOSE = JSON.stringify(userMfaTypes(pool, user));
  } else if (challenge === 'MFA_SETUP') {
    params.MFAS_CAN_SETUP = JSON.stringify(pool.pool.enabledMfas.filter((m) => m === 'SOFTWARE_TOKEN_MFA' || m === 'SMS_MFA'));
  } else if (challenge === 'NEW_PASSWORD_REQUIRED') {
    const attrs = { ...user.attributes };
    delete attrs.sub;
    params.userAttributes = JSON.stringify(attrs);
    params.requiredAttributes = JSON.stringify(
      pool.pool.schema.filter((a) => a.required && !user.attributes[a.name]).map((a) => `userAttributes.${a.name}`),
    );
  }
  pool.challenges.put(session, now);
  return { ChallengeName: challenge, ChallengeParameters: params, Session: session.id };
}

/** The first factor succeeded and the account may sign in: new password, MFA, or tokens. */
export async function afterFirstFactor(pool: AuthPool, user: UserRecord, client: UserPoolClientModel, opts: FlowOptions): Promise<AuthResponse> {
  // A sign-in is not a modification of the user (UserLastModifiedDate stays), unless failures are cleared.
  if (recordSuccess(user)) pool.users.changed();
  if (user.status === 'FORCE_CHANGE_PASSWORD') return startChallenge(pool, user, client, 'NEW_PASSWORD_REQUIRED', opts);
  const mfa = challengeFor(pool, user);
  if (mfa) return startChallenge(pool, user, client, mfa, opts);
  return finishSignIn(pool, user, client, opts);
}

/** Every factor passed: PostAuthentication, then tokens (with a new refresh token). */
export async function finishSignIn(pool: AuthPool, user: UserRecord, client: UserPoolClientModel, opts: FlowOptions): Promise<AuthResponse> {
  await pool.triggers.run({
    trigger: 'PostAuthentication',
    triggerSource: 'PostAuthentication_Authentication',
    userName: user.username,
    clientId: client.id,
    request: { userAttributes: pool.triggerAttributes(user), newDeviceUsed: false, clientMetadata: opts.clientMetadata ?? {} },
  });
  const tokens = await pool.issueTokens(user, client, {
    triggerSource: `TokenGeneration_${opts.flow}`,
    clientMetadata: opts.clientMetadata,
  });
  pool.ctx.log.info(`user ${user.username} signed in through client ${client.name || client.id}`);
  return { ChallengeParameters: {}, AuthenticationResult: tokens };
}
