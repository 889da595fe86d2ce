import { createHash } from 'node:crypto';
import type { UserPoolClientModel } from '../../assembly/model.js';
import { afterFirstFactor, assertCanSignIn, finishSignIn, runPreAuthentication, startChallenge, userMfaTypes, type AuthResponse, type FlowOptions } from '../auth_flow.js';
import { assertRequiredAttributes, validateAttributeWrites } from '../attributes.js';
import { errors, INCORRECT_CREDENTIALS } from '../errors.js';
import { assertNotLockedOut, recordFailure } from '../lockout.js';
import { checkPasswordPolicy } from '../password_policy.js';
import type { AuthPool } from '../pool.js';
import { claimSignature, createVerifier, g, hexToBigInt, modPowN, N, parseSrpTimestamp, passwordMatches, serverEphemeral, serverSessionKey, signaturesEqual } from '../srp.js';
import type { ChallengeName, ChallengeSession } from '../srp_session.js';
import { matchTotp } from '../totp.js';
import type { UserRecord } from '../user_store.js';
import { clientIdParam, Params } from '../validate.js';
import { refreshWithToken } from './tokens.js';
import type { HandlerMap } from './types.js';

const AUTH_FLOWS = ['USER_SRP_AUTH', 'REFRESH_TOKEN_AUTH', 'REFRESH_TOKEN', 'CUSTOM_AUTH', 'USER_PASSWORD_AUTH', 'USER_AUTH'] as const;
const CHALLENGE_NAMES = [
  'SMS_MFA', 'EMAIL_OTP', 'SOFTWARE_TOKEN_MFA', 'SELECT_MFA_TYPE', 'MFA_SETUP', 'PASSWORD_VERIFIER', 'CUSTOM_CHALLENGE', 'SELECT_CHALLENGE',
  'DEVICE_SRP_AUTH', 'DEVICE_PASSWORD_VERIFIER', 'ADMIN_NO_SRP_AUTH', 'NEW_PASSWORD_REQUIRED', 'SMS_OTP', 'PASSWORD', 'WEB_AUTHN', 'PASSWORD_SRP',
] as const;
const EMULATED: ChallengeName[] = ['PASSWORD_VERIFIER', 'SOFTWARE_TOKEN_MFA', 'SMS_MFA', 'NEW_PASSWORD_REQUIRED', 'MFA_SETUP', 'SELECT_MFA_TYPE'];

/** After this many wrong MFA codes the Session is spent and the sign-in must start over. */
const MAX_MFA_FAILURES = 5;

const SESSION_EXPIRED = 'Invalid session for the user, session is expired.';

function required(params: Record<string, string>, name: string): string {
  const v = params[name];
  if (v === undefined || v === '') throw errors.invalidParameter(`Missing required parameter ${name}`);
  return v;
}

function assertFlowAllowed(pool: AuthPool, client: UserPoolClientModel, flow: string): void {
  if (!pool.allowsFlow(client, flow)) throw errors.invalidParameter(`${flow} flow not enabled for this client`);
}

/** An unknown user gets a challenge indistinguishable from a real one (PreventUserExistenceErrors). */
function decoySrpChallenge(pool: AuthPool, client: UserPoolClientModel, username: string, A: string): AuthResponse {
  const salt = createHash('sha256').update(`${pool.pool.id}/${username}`).digest().subarray(0, 16).toString('hex');
  const b = hexToBigInt(pool.ctx.ids.bytes(128).toString('hex')) % N;
  const B = modPowN(g, b);
  return srpChallenge(pool, client, { username: '', displayName: username, salt, b, B, A, decoy: true });
}

function srpChallenge(
  pool: AuthPool,
  client: UserPoolClientModel,
  s: { username: string; displayName: string; salt: string; b: bigint; B: bigint; A: string; decoy?: boolean; clientMetadata?: Record<string, string> },
): AuthResponse {
  const now = pool.now();
  const secretBlock = pool.ctx.ids.bytes(64).toString('base64');
  pool.challenges.put(
    {
      id: secretBlock,
      challenge: 'PASSWORD_VERIFIER',
      username: s.username,
      clientId: client.id,
      expiresAt: now + pool.sessionLifetimeMs(client),
      clientMetadata: s.clientMetadata,
      srp: { b: s.b.toString(16), B: s.B.toString(16), A: s.A, decoy: s.decoy },
      failures: 0,
      flow: 'Authentication',
    },
    now,
  );
  return {
    ChallengeName: 'PASSWORD_VERIFIER',
    ChallengeParameters: {
      SALT: s.salt,
      SECRET_BLOCK: secretBlock,
      SRP_B: s.B.toString(16),
      USERNAME: s.displayName,
      USER_ID_FOR_SRP: s.displayName,
    },
  };
}

async function initiateSrp(pool: AuthPool, client: UserPoolClientModel, params: Record<string, string>, clientMetadata?: Record<string, string>): Promise<AuthResponse> {
  const username = required(params, 'USERNAME');
  const A = required(params, 'SRP_A');
  if (!/^[0-9a-fA-F]+$/.test(A) || hexToBigInt(A) % N === 0n) throw errors.invalidParameter('SRP_A is invalid ((local: expected a non-zero hex value mod N))');
  const user = pool.users.resolve(username);
  if (!user || !user.password) {
    if (pool.hidesUsers(client)) return decoySrpChallenge(pool, client, username, A);
    throw errors.userNotFound('User does not exist.');
  }
  await runPreAuthentication(pool, user, client, clientMetadata);
  const { b, B } = serverEphemeral(user.password.verifier, pool.ctx.ids.bytes(128));
  return srpChallenge(pool, client, { username: user.username, displayName: user.username, salt: user.password.salt, b, B, A, clientMetadata });
}

async function initiatePassword(pool: AuthPool, client: UserPoolClientModel, params: Record<string, string>, clientMetadata?: Record<string, string>): Promise<AuthResponse> {
  const username = required(params, 'USERNAME');
  const password = required(params, 'PASSWORD');
  const user = pool.users.resolve(username);
  if (!user || !user.password) {
    if (pool.hidesUsers(client)) throw errors.notAuthorized(INCORRECT_CREDENTIALS);
    throw errors.userNotFound('User does not exist.');
  }
  await runPreAuthentication(pool, user, client, clientMetadata);
  assertNotLockedOut(user, pool.now());
  if (!passwordMatches(pool.srpPoolName, user.username, password, user.password)) {
    recordFailure(user, pool.now());
    pool.users.changed(user, pool.now());
    throw errors.notAuthorized(INCORRECT_CREDENTIALS);
  }
  assertCanSignIn(pool, user);
  return afterFirstFactor(pool, user, client, { clientMetadata, flow: 'Authentication' });
}

/** The live challenge Session a response names, checked against the client and the challenge. */
function sessionFor(pool: AuthPool, id: string | undefined, clientId: string, challenge: ChallengeName): ChallengeSession {
  if (!id) throw errors.invalidParameter('Missing required parameter Session');
  const s = pool.challenges.get(id, pool.now());
  if (!s || s.clientId !== clientId) throw errors.notAuthorized(SESSION_EXPIRED);
  if (s.challenge !== challenge) {
    throw errors.invalidParameter(`Invalid challenge name: this session expects ${s.challenge}, not ${challenge}`);
  }
  return s;
}

function sessionUser(pool: AuthPool, s: ChallengeSession, responses: Record<string, string>): UserRecord {
  const named = required(responses, 'USERNAME');
  const user = pool.users.get(s.username);
  if (!user) throw errors.notAuthorized(SESSION_EXPIRED);
  if (pool.users.resolve(named) !== user) throw errors.notAuthorized(INCORRECT_CREDENTIALS);
  return user;
}

function flowOf(s: ChallengeSession): FlowOptions {
  return { clientMetadata: s.clientMetadata, flow: s.flow ?? 'Authentication' };
}

/** Counts a wrong MFA code; the Session dies after MAX_MFA_FAILURES. */
function wrongCode(pool: AuthPool, s: ChallengeSession): never {
  s.failures += 1;
  if (s.failures >= MAX_MFA_FAILURES) pool.challenges.delete(s);
  else pool.challenges.touch();
  throw errors.codeMismatch('Invalid code received for user');
}

async function respondPasswordVerifier(pool: AuthPool, client: UserPoolClientModel, r: Record<string, string>): Promise<AuthResponse> {
  const named = required(r, 'USERNAME');
  const secretBlock = required(r, 'PASSWORD_CLAIM_SECRET_BLOCK');
  const signature = required(r, 'PASSWORD_CLAIM_SIGNATURE');
  const timestamp = required(r, 'TIMESTAMP');
  const s = pool.challenges.get(secretBlock, pool.now());
  if (!s || s.challenge !== 'PASSWORD_VERIFIER' || s.clientId !== client.id || !s.srp) throw errors.notAuthorized(SESSION_EXPIRED);
  // One answer per challenge, right or wrong.
  pool.challenges.delete(s);
  if (parseSrpTimestamp(timestamp) === undefined) throw errors.invalidParameter(`TIMESTAMP ${timestamp} is not in the format "ddd MMM d HH:mm:ss UTC yyyy"`);
  if (s.srp.decoy) throw errors.notAuthorized(INCORRECT_CREDENTIALS);
  const user = pool.users.get(s.username);
  if (!user?.password || pool.users.resolve(named) !== user) throw errors.notAuthorized(INCORRECT_CREDENTIALS);
  assertNotLockedOut(user, pool.now());

  const key = serverSessionKey(s.srp.A, user.password.verifier, hexToBigInt(s.srp.b), hexToBigInt(s.srp.B));
  const expected = claimSignature(key, pool.srpPoolName, user.username, secretBlock, timestamp);
  if (!signaturesEqual(expected, signature)) {
    recordFailure(user, pool.now());
    pool.users.changed(user, pool.now());
    throw errors.notAuthorized(INCORRECT_CREDENTIALS);
  }
  assertCanSignIn(pool, user);
  return afterFirstFactor(pool, user, client, flowOf(s));
}

async function respondTotp(pool: AuthPool, client: UserPoolClientModel, r: Record<string, string>, sessionId?: string): Promise<AuthResponse> {
  const s = sessionFor(pool, sessionId, client.id, 'SOFTWARE_TOKEN_MFA');
  const user = sessionUser(pool, s, r);
  const code = required(r, 'SOFTWARE_TOKEN_MFA_CODE');
  const step = user.mfa.totpSecret ? matchTotp(user.mfa.totpSecret, code, pool.now()) : undefined;
  // A code is good once: a replay inside its 30-second window is refused like a wrong one.
  if (step === undefined || (user.mfa.lastTotpStep !== undefined && step <= user.mfa.lastTotpStep)) wrongCode(pool, s);
  user.mfa.lastTotpStep = step;
  pool.users.changed();
  pool.challenges.delete(s);
  return finishSignIn(pool, user, client, flowOf(s));
}

async function respondSms(pool: AuthPool, client: UserPoolClientModel, r: Record<string, string>, sessionId?: string): Promise<AuthResponse> {
  const s = sessionFor(pool, sessionId, client.id, 'SMS_MFA');
  const user = sessionUser(pool, s, r);
  const code = required(r, 'SMS_MFA_CODE');
  if (code !== s.smsCode) wrongCode(pool, s);
  pool.challenges.delete(s);
  return finishSignIn(pool, user, client, flowOf(s));
}

async function respondNewPassword(pool: AuthPool, client: UserPoolClientModel, r: Record<string, string>, sessionId?: string): Promise<AuthResponse> {
  const s = sessionFor(pool, sessionId, client.id, 'NEW_PASSWORD_REQUIRED');
  const user = sessionUser(pool, s, r);
  const password = required(r, 'NEW_PASSWORD');
  checkPasswordPolicy(password, pool.pool.passwordPolicy);
  const written = Object.entries(r)
    .filter(([k]) => k.startsWith('userAttributes.'))
    .map(([k, v]) => ({ Name: k.slice('userAttributes.'.length), Value: v }));
  const attrs = validateAttributeWrites(pool.pool, written, { writer: 'client', client, isUpdate: false });
  const merged = { ...user.attributes, ...attrs };
  assertRequiredAttributes(pool.pool, merged);
  user.attributes = merged;
  user.password = createVerifier(pool.srpPoolName, user.username, password, pool.ctx.ids.bytes(16));
  user.status = 'CONFIRMED';
  delete user.temporaryPasswordExpiresAt;
  pool.users.changed(user, pool.now());
  pool.challenges.delete(s);
  return afterFirstFactor(pool, user, client, { clientMetadata: s.clientMetadata, flow: 'NewPasswordChallenge' });
}

async function respondSelectMfa(pool: AuthPool, client: UserPoolClientModel, r: Record<string, string>, sessionId?: string): Promise<AuthResponse> {
  const s = sessionFor(pool, sessionId, client.id, 'SELECT_MFA_TYPE');
  const user = sessionUser(pool, s, r);
  const answer = required(r, 'ANSWER');
  if (!userMfaTypes(pool, user).includes(answer as never)) throw errors.invalidParameter(`Invalid MFA type ${answer} for this user`);
  pool.challenges.delete(s);
  return startChallenge(pool, user, client, answer as ChallengeName, flowOf(s));
}

async function respondMfaSetup(pool: AuthPool, client: UserPoolClientModel, r: Record<string, string>, sessionId?: string): Promise<AuthResponse> {
  const s = sessionFor(pool, sessionId, client.id, 'MFA_SETUP');
  const user = sessionUser(pool, s, r);
  if (!s.totpVerified || !s.totpSecret) {
    throw errors.invalidParameter('Software token MFA has not been verified ((local: call AssociateSoftwareToken and VerifySoftwareToken with this Session first))');
  }
  user.mfa.totpSecret = s.totpSecret;
  user.mfa.totpEnabled = true;
  user.mfa.preferred ??= 'SOFTWARE_TOKEN_MFA';
  pool.users.changed(user, pool.now());
  pool.challenges.delete(s);
  return finishSignIn(pool, user, client, flowOf(s));
}

export const signInHandlers: HandlerMap = {
  async InitiateAuth(pool, body) {
    const p = new Params(body);
    const flow = p.enumOf('AuthFlow', AUTH_FLOWS, true);
    const clientId = clientIdParam(p);
    const params = p.map('AuthParameters') ?? {};
    const clientMetadata = p.map('ClientMetadata');
    p.done();
    const client = pool.client(clientId);
    switch (flow) {
      case 'USER_SRP_AUTH':
        assertFlowAllowed(pool, client, 'USER_SRP_AUTH');
        return { ...(await initiateSrp(pool, client, params, clientMetadata)) };
      case 'USER_PASSWORD_AUTH':
        assertFlowAllowed(pool, client, 'USER_PASSWORD_AUTH');
        return { ...(await initiatePassword(pool, client, params, clientMetadata)) };
      case 'REFRESH_TOKEN_AUTH':
      case 'REFRESH_TOKEN': {
        const token = required(params, 'REFRESH_TOKEN');
        const tokens = await refreshWithToken(pool, client, token, clientMetadata);
        return { ChallengeParameters: {}, AuthenticationResult: tokens };
      }
      default:
        throw errors.invalidParameter(`${flow} flow not enabled for this client ((local: ${flow} is not emulated by the local cloud))`);
    }
  },

  async RespondToAuthChallenge(pool, body) {
    const p = new Params(body);
    const clientId = clientIdParam(p);
    const challenge = p.enumOf('ChallengeName', CHALLENGE_NAMES, true);
    const responses = p.map('ChallengeResponses') ?? {};
    const session = p.str('Session', { min: 20, max: 2048 });
    p.done();
    const client = pool.client(clientId);
    if (!EMULATED.includes(challenge as ChallengeName)) {
      throw errors.invalidParameter(`Invalid challenge name ${challenge} ((local: not emulated by the local cloud))`);
    }
    let result: AuthResponse;
    switch (challenge as ChallengeName) {
      case 'PASSWORD_VERIFIER':
        result = await respondPasswordVerifier(pool, client, responses);
        break;
      case 'SOFTWARE_TOKEN_MFA':
        result = await respondTotp(pool, client, responses, session);
        break;
      case 'SMS_MFA':
        result = await respondSms(pool, client, responses, session);
        break;
      case 'NEW_PASSWORD_REQUIRED':
        result = await respondNewPassword(pool, client, responses, session);
        break;
      case 'SELECT_MFA_TYPE':
        result = await respondSelectMfa(pool, client, responses, session);
        break;
      case 'MFA_SETUP':
        result = await respondMfaSetup(pool, client, responses, session);
        break;
    }
    return { ...result };
  },
};
