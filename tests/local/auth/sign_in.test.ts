import { authenticator } from 'otplib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { totp } from '../../../src/local/auth/totp.js';
import {
  authHarness,
  authModel,
  authResult,
  backendModel,
  CLIENT_ID,
  decodePayload,
  FakeInvoker,
  PASSWORD,
  PASSWORD_CLIENT_ID,
  POOL_ID,
  type AuthHarness,
  type Call,
} from './harness.js';

const INCORRECT = { __type: 'NotAuthorizedException', message: 'Incorrect username or password.' };
const MINUTE = 60_000;

describe('InitiateAuth USER_SRP_AUTH and PASSWORD_VERIFIER', () => {
  let h: AuthHarness;
  let sub: string;
  beforeEach(async () => {
    h = await authHarness();
    sub = await h.signUpConfirmed('ada@example.com');
  });
  afterEach(() => h.close());

  it('answers with Cognito challenge parameters: the uuid username as USER_ID_FOR_SRP, no Session', async () => {
    const res = await h.call('InitiateAuth', { AuthFlow: 'USER_SRP_AUTH', ClientId: CLIENT_ID, AuthParameters: { USERNAME: 'ada@example.com', SRP_A: 'abc123' } });
    expect(res.status).toBe(200);
    expect(res.body.ChallengeName).toBe('PASSWORD_VERIFIER');
    expect(res.body.Session).toBeUndefined();
    const p = res.body.ChallengeParameters as Record<string, string>;
    expect(p.USER_ID_FOR_SRP).toBe(sub);
    expect(p.USERNAME).toBe(sub);
    expect(p.SALT).toMatch(/^[0-9a-f]+$/);
    expect(p.SRP_B).toMatch(/^[0-9a-f]+$/);
    expect(Buffer.from(p.SECRET_BLOCK, 'base64').length).toBeGreaterThan(16);
  });

  it('signs in by email, by username (sub), case-insensitively', async () => {
    for (const name of ['ada@example.com', sub, 'Ada@Example.COM']) {
      const res = await h.srpSignIn(name);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(decodePayload(authResult(res).IdToken)['cognito:username']).toBe(sub);
    }
  });

  it('refuses a wrong password with "Incorrect username or password."', async () => {
    expect((await h.srpSignIn('ada@example.com', 'Wr0ng-pass!')).body).toEqual(INCORRECT);
  });

  it('answers an unknown user exactly like a wrong password (no user enumeration)', async () => {
    const init = await h.call('InitiateAuth', { AuthFlow: 'USER_SRP_AUTH', ClientId: CLIENT_ID, AuthParameters: { USERNAME: 'ghost@example.com', SRP_A: 'abc123' } });
    expect(init.status).toBe(200);
    expect(init.body.ChallengeName).toBe('PASSWORD_VERIFIER');
    expect((await h.srpSignIn('ghost@example.com')).body).toEqual(INCORRECT);
  });

  it('says UserNotConfirmedException only after a correct password', async () => {
    await h.call('SignUp', { ClientId: CLIENT_ID, Username: 'bob@example.com', Password: PASSWORD, UserAttributes: [{ Name: 'phone_number', Value: '+15555550101' }] });
    expect((await h.srpSignIn('bob@example.com', 'Wr0ng-pass!')).body).toEqual(INCORRECT);
    expect((await h.srpSignIn('bob@example.com')).body).toEqual({ __type: 'UserNotConfirmedException', message: 'User is not confirmed.' });
  });

  it('locks the user out after 5 failures with a growing delay ("Password attempts exceeded")', async () => {
    for (let i = 0; i < 5; i++) expect((await h.srpSignIn('ada@example.com', 'Wr0ng-pass!')).body).toEqual(INCORRECT);
    const locked = { __type: 'NotAuthorizedException', message: 'Password attempts exceeded' };
    // Even the right password is refused while locked out.
    expect((await h.srpSignIn('ada@example.com')).body).toEqual(locked);
    h.clock.advance(1001);
    expect((await h.srpSignIn('ada@example.com', 'Wr0ng-pass!')).body).toEqual(INCORRECT);
    // The sixth failure locks for 2 s.
    h.clock.advance(1500);
    expect((await h.srpSignIn('ada@example.com')).body).toEqual(locked);
    h.clock.advance(600);
    expect((await h.srpSignIn('ada@example.com')).status).toBe(200);
    // Success resets the count.
    expect((await h.srpSignIn('ada@example.com', 'Wr0ng-pass!')).body).toEqual(INCORRECT);
    expect((await h.srpSignIn('ada@example.com')).status).toBe(200);
  });

  it('accepts one answer per challenge: a replayed PASSWORD_VERIFIER is refused', async () => {
    const calls: { op: string; body: unknown }[] = [];
    const recording = async (op: string, body: unknown): Promise<Call> => {
      calls.push({ op, body });
      return h.call(op, body);
    };
    const { srpSignIn } = await import('./harness.js');
    expect((await srpSignIn(recording, h.clock.now(), 'ada@example.com', PASSWORD, CLIENT_ID)).status).toBe(200);
    const replay = await h.call('RespondToAuthChallenge', calls[1].body);
    expect(replay.body).toEqual({ __type: 'NotAuthorizedException', message: 'Invalid session for the user, session is expired.' });
  });

  it('expires an unanswered challenge after 3 minutes', async () => {
    const { srpSignIn } = await import('./harness.js');
    const slow = async (op: string, body: unknown): Promise<Call> => {
      if (op === 'RespondToAuthChallenge') h.clock.advance(3 * MINUTE + 1);
      return h.call(op, body);
    };
    const res = await srpSignIn(slow, h.clock.now(), 'ada@example.com', PASSWORD, CLIENT_ID);
    expect(res.body).toEqual({ __type: 'NotAuthorizedException', message: 'Invalid session for the user, session is expired.' });
  });

  it('checks the TIMESTAMP format', async () => {
    const { srpSignIn } = await import('./harness.js');
    const badTime = async (op: string, body: unknown): Promise<Call> => {
      if (op === 'RespondToAuthChallenge') {
        const b = body as { ChallengeResponses: Record<string, string> };
        b.ChallengeResponses.TIMESTAMP = '2026-01-05T12:00:00Z';
      }
      return h.call(op, body);
    };
    const res = await srpSignIn(badTime, h.clock.now(), 'ada@example.com', PASSWORD, CLIENT_ID);
    expect(res.body.__type).toBe('InvalidParameterException');
  });

  it('refuses flows the client does not allow', async () => {
    const res = await h.call('InitiateAuth', { AuthFlow: 'USER_PASSWORD_AUTH', ClientId: CLIENT_ID, AuthParameters: { USERNAME: 'ada@example.com', PASSWORD } });
    expect(res.body).toEqual({ __type: 'InvalidParameterException', message: 'USER_PASSWORD_AUTH flow not enabled for this client' });
    const srp = await h.call('InitiateAuth', { AuthFlow: 'USER_SRP_AUTH', ClientId: PASSWORD_CLIENT_ID, AuthParameters: { USERNAME: 'ada@example.com', SRP_A: 'ab' } });
    expect(srp.body).toEqual({ __type: 'InvalidParameterException', message: 'USER_SRP_AUTH flow not enabled for this client' });
  });

  it('validates AuthFlow and the SRP parameters', async () => {
    const bad = await h.call('InitiateAuth', { AuthFlow: 'MAGIC', ClientId: CLIENT_ID, AuthParameters: {} });
    expect(bad.body.__type).toBe('InvalidParameterException');
    expect(bad.body.message).toContain("Value 'MAGIC' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set");
    const noA = await h.call('InitiateAuth', { AuthFlow: 'USER_SRP_AUTH', ClientId: CLIENT_ID, AuthParameters: { USERNAME: 'ada@example.com' } });
    expect(noA.body).toEqual({ __type: 'InvalidParameterException', message: 'Missing required parameter SRP_A' });
    const zeroA = await h.call('InitiateAuth', { AuthFlow: 'USER_SRP_AUTH', ClientId: CLIENT_ID, AuthParameters: { USERNAME: 'ada@example.com', SRP_A: '0' } });
    expect(zeroA.body.__type).toBe('InvalidParameterException');
  });

  it('refuses a disabled user, after the password', async () => {
    await h.call('AdminDisableUser', { UserPoolId: POOL_ID, Username: 'ada@example.com' });
    expect((await h.srpSignIn('ada@example.com')).body).toEqual({ __type: 'NotAuthorizedException', message: 'User is disabled.' });
  });
});

describe('InitiateAuth USER_PASSWORD_AUTH', () => {
  let h: AuthHarness;
  beforeEach(async () => {
    h = await authHarness();
    await h.signUpConfirmed('ada@example.com');
  });
  afterEach(() => h.close());

  const signIn = (username: string, password: string) =>
    h.call('InitiateAuth', { AuthFlow: 'USER_PASSWORD_AUTH', ClientId: PASSWORD_CLIENT_ID, AuthParameters: { USERNAME: username, PASSWORD: password } });

  it('checks the password against the stored verifier and issues the client token lifetimes', async () => {
    const res = await signIn('ada@example.com', PASSWORD);
    expect(res.status).toBe(200);
    expect(authResult(res).ExpiresIn).toBe(300);
    expect(decodePayload(authResult(res).AccessToken).client_id).toBe(PASSWORD_CLIENT_ID);
    expect((await signIn('ada@example.com', 'Wr0ng-pass!')).body).toEqual(INCORRECT);
  });

  it('reveals unknown users when the client does not prevent user existence errors', async () => {
    expect((await signIn('ghost@example.com', PASSWORD)).body).toEqual({ __type: 'UserNotFoundException', message: 'User does not exist.' });
  });
});

describe('MFA at sign-in', () => {
  let h: AuthHarness;
  let access: string;
  beforeEach(async () => {
    h = await authHarness();
    await h.signUpConfirmed('ada@example.com');
    access = authResult(await h.srpSignIn('ada@example.com')).AccessToken;
  });
  afterEach(() => h.close());

  async function enableTotp(): Promise<string> {
    const assoc = await h.call('AssociateSoftwareToken', { AccessToken: access });
    const secret = assoc.body.SecretCode as string;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const verify = await h.call('VerifySoftwareToken', { AccessToken: access, UserCode: totp(secret, h.clock.now()), FriendlyDeviceName: 'phone' });
    expect(verify.body).toEqual({ Status: 'SUCCESS' });
    const pref = await h.call('SetUserMFAPreference', { AccessToken: access, SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true } });
    expect(pref.status).toBe(200);
    return secret;
  }

  it('challenges with SOFTWARE_TOKEN_MFA and accepts a TOTP code (otplib authenticator)', async () => {
    const secret = await enableTotp();
    h.clock.advance(MINUTE);
    const first = await h.srpSignIn('ada@example.com');
    expect(first.body.ChallengeName).toBe('SOFTWARE_TOKEN_MFA');
    expect(typeof first.body.Session).toBe('string');
    authenticator.options = { epoch: h.clock.now() };
    const code = authenticator.generate(secret);
    authenticator.resetOptions();
    const user = (first.body.ChallengeParameters as Record<string, string>).USER_ID_FOR_SRP;
    const res = await h.call('RespondToAuthChallenge', {
      ClientId: CLIENT_ID,
      ChallengeName: 'SOFTWARE_TOKEN_MFA',
      Session: first.body.Session,
      ChallengeResponses: { USERNAME: user, SOFTWARE_TOKEN_MFA_CODE: code },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(authResult(res).RefreshToken).toBeDefined();
  });

  it('refuses a wrong TOTP code, lets the user retry, and refuses a replayed code', async () => {
    const secret = await enableTotp();
    h.clock.advance(MINUTE);
    const first = await h.srpSignIn('ada@example.com');
    const respond = (code: string, session = first.body.Session) =>
      h.call('RespondToAuthChallenge', {
        ClientId: CLIENT_ID,
        ChallengeName: 'SOFTWARE_TOKEN_MFA',
        Session: session,
        ChallengeResponses: { USERNAME: 'ada@example.com', SOFTWARE_TOKEN_MFA_CODE: code },
      });
    const good = totp(secret, h.clock.now());
    const bad = good === '000000' ? '111111' : '000000';
    expect((await respond(bad)).body).toEqual({ __type: 'CodeMismatchException', message: 'Invalid code received for user' });
    expect((await respond(good)).status).toBe(200);
    const second = await h.srpSignIn('ada@example.com');
    expect((await respond(good, second.body.Session)).body.__type).toBe('CodeMismatchException');
  });

  it('sends an SMS code for SMS_MFA and checks it', async () => {
    await h.call('SetUserMFAPreference', { AccessToken: access, SMSMfaSettings: { Enabled: true, PreferredMfa: true } });
    const first = await h.srpSignIn('ada@example.com');
    expect(first.body.ChallengeName).toBe('SMS_MFA');
    expect(first.body.ChallengeParameters).toMatchObject({ CODE_DELIVERY_DELIVERY_MEDIUM: 'SMS', CODE_DELIVERY_DESTINATION: '+*******0100' });
    const sms = h.outbox.list({ channel: 'sms', to: '+15555550100' }).at(-1)!;
    expect(sms.body).toBe(`Your sign-in code is ${sms.code}`);
    const respond = (code: string) =>
      h.call('RespondToAuthChallenge', {
        ClientId: CLIENT_ID,
        ChallengeName: 'SMS_MFA',
        Session: first.body.Session,
        ChallengeResponses: { USERNAME: 'ada@example.com', SMS_MFA_CODE: code },
      });
    expect((await respond(sms.code === '000000' ? '111111' : '000000')).body.__type).toBe('CodeMismatchException');
    expect((await respond(sms.code!)).status).toBe(200);
  });

  it('asks to choose with SELECT_MFA_TYPE when both are enabled and none is preferred', async () => {
    const secret = await enableTotp();
    await h.call('SetUserMFAPreference', {
      AccessToken: access,
      SMSMfaSettings: { Enabled: true, PreferredMfa: false },
      SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: false },
    });
    h.clock.advance(MINUTE);
    const first = await h.srpSignIn('ada@example.com');
    expect(first.body.ChallengeName).toBe('SELECT_MFA_TYPE');
    expect(JSON.parse((first.body.ChallengeParameters as Record<string, string>).MFAS_CAN_CHOOSE)).toEqual(['SMS_MFA', 'SOFTWARE_TOKEN_MFA']);
    const chosen = await h.call('RespondToAuthChallenge', {
      ClientId: CLIENT_ID,
      ChallengeName: 'SELECT_MFA_TYPE',
      Session: first.body.Session,
      ChallengeResponses: { USERNAME: 'ada@example.com', ANSWER: 'SOFTWARE_TOKEN_MFA' },
    });
    expect(chosen.body.ChallengeName).toBe('SOFTWARE_TOKEN_MFA');
    const done = await h.call('RespondToAuthChallenge', {
      ClientId: CLIENT_ID,
      ChallengeName: 'SOFTWARE_TOKEN_MFA',
      Session: chosen.body.Session,
      ChallengeResponses: { USERNAME: 'ada@example.com', SOFTWARE_TOKEN_MFA_CODE: totp(secret, h.clock.now()) },
    });
    expect(done.status).toBe(200);
  });

  it('refuses MFA preferences the user has not set up', async () => {
    const res = await h.call('SetUserMFAPreference', { AccessToken: access, SoftwareTokenMfaSettings: { Enabled: true } });
    expect(res.body).toEqual({ __type: 'InvalidParameterException', message: 'User has not verified software token mfa' });
  });

  it('refuses a wrong code at VerifySoftwareToken', async () => {
    const assoc = await h.call('AssociateSoftwareToken', { AccessToken: access });
    const good = totp(assoc.body.SecretCode as string, h.clock.now());
    const res = await h.call('VerifySoftwareToken', { AccessToken: access, UserCode: good === '000000' ? '111111' : '000000' });
    expect(res.body).toEqual({ __type: 'EnableSoftwareTokenMFAException', message: 'Code mismatch and fail enable Software Token MFA mode' });
  });
});

describe('MFA set-up during sign-in when the pool requires MFA', () => {
  it('walks MFA_SETUP → AssociateSoftwareToken(Session) → VerifySoftwareToken(Session) → tokens', async () => {
    const h = await authHarness({ model: backendModel(authModel({ pool: { mfaConfiguration: 'ON', enabledMfas: ['SOFTWARE_TOKEN_MFA'] } })) });
    try {
      await h.signUpConfirmed('ada@example.com');
      const first = await h.srpSignIn('ada@example.com');
      expect(first.body.ChallengeName).toBe('MFA_SETUP');
      expect(JSON.parse((first.body.ChallengeParameters as Record<string, string>).MFAS_CAN_SETUP)).toEqual(['SOFTWARE_TOKEN_MFA']);
      const assoc = await h.call('AssociateSoftwareToken', { Session: first.body.Session });
      expect(assoc.body.Session).not.toBe(first.body.Session);
      const secret = assoc.body.SecretCode as string;
      const early = await h.call('RespondToAuthChallenge', {
        ClientId: CLIENT_ID,
        ChallengeName: 'MFA_SETUP',
        Session: assoc.body.Session,
        ChallengeResponses: { USERNAME: 'ada@example.com' },
      });
      expect(early.body.__type).toBe('InvalidParameterException');
      const verify = await h.call('VerifySoftwareToken', { Session: assoc.body.Session, UserCode: totp(secret, h.clock.now()) });
      expect(verify.body.Status).toBe('SUCCESS');
      const done = await h.call('RespondToAuthChallenge', {
        ClientId: CLIENT_ID,
        ChallengeName: 'MFA_SETUP',
        Session: verify.body.Session,
        ChallengeResponses: { USERNAME: 'ada@example.com' },
      });
      expect(done.status, JSON.stringify(done.body)).toBe(200);
      h.clock.advance(MINUTE);
      expect((await h.srpSignIn('ada@example.com')).body.ChallengeName).toBe('SOFTWARE_TOKEN_MFA');
    } finally {
      await h.close();
    }
  });
});

describe('NEW_PASSWORD_REQUIRED for administrator-created users', () => {
  let h: AuthHarness;
  beforeEach(async () => {
    h = await authHarness();
    const res = await h.call('AdminCreateUser', {
      UserPoolId: POOL_ID,
      Username: 'eve@example.com',
      TemporaryPassword: 'Temp0rary!',
      UserAttributes: [
        { Name: 'phone_number', Value: '+15555550199' },
        { Name: 'email_verified', Value: 'true' },
      ],
      DesiredDeliveryMediums: ['EMAIL'],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  });
  afterEach(() => h.close());

  it('emails the invitation and asks for a new password at first sign-in', async () => {
    const invite = h.outbox.list({ to: 'eve@example.com' }).at(-1)!;
    expect(invite.subject).toBe('Your temporary password');
    expect(invite.body).toContain('Temp0rary!');
    const first = await h.srpSignIn('eve@example.com', 'Temp0rary!');
    expect(first.body.ChallengeName).toBe('NEW_PASSWORD_REQUIRED');
    const params = first.body.ChallengeParameters as Record<string, string>;
    expect(JSON.parse(params.requiredAttributes)).toEqual([]);
    expect(JSON.parse(params.userAttributes)).toMatchObject({ email: 'eve@example.com' });
    const respond = (password: string) =>
      h.call('RespondToAuthChallenge', {
        ClientId: CLIENT_ID,
        ChallengeName: 'NEW_PASSWORD_REQUIRED',
        Session: first.body.Session,
        ChallengeResponses: { USERNAME: 'eve@example.com', NEW_PASSWORD: password, 'userAttributes.given_name': 'Eve' },
      });
    expect((await respond('weak')).body.__type).toBe('InvalidPasswordException');
    const done = await respond('N3w-password!');
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(decodePayload(authResult(done).IdToken).given_name).toBe('Eve');
    expect((await h.srpSignIn('eve@example.com', 'Temp0rary!')).body).toEqual(INCORRECT);
    expect((await h.srpSignIn('eve@example.com', 'N3w-password!')).status).toBe(200);
  });

  it('refuses a temporary password past its validity', async () => {
    h.clock.advance(7 * 24 * 60 * MINUTE + 1);
    expect((await h.srpSignIn('eve@example.com', 'Temp0rary!')).body).toEqual({
      __type: 'NotAuthorizedException',
      message: 'Temporary password has expired and must be reset by an administrator.',
    });
  });
});

describe('authentication triggers', () => {
  const model = backendModel(
    authModel({ pool: { triggers: { PreAuthentication: 'preAuth', PostAuthentication: 'postAuth', PreTokenGeneration: 'preToken' } } }),
  );

  it('refuses the sign-in when PreAuthentication fails', async () => {
    const invoker = new FakeInvoker();
    invoker.handlers.set('preAuth', () => ({ functionError: 'Unhandled', payload: { errorMessage: 'account frozen' } }));
    const h = await authHarness({ model, invoker });
    try {
      await h.signUpConfirmed('ada@example.com');
      expect((await h.srpSignIn('ada@example.com')).body).toEqual({ __type: 'UserLambdaValidationException', message: 'PreAuthentication failed with error account frozen.' });
    } finally {
      await h.close();
    }
  });

  it('applies PreTokenGeneration claim overrides to the ID token, never to protected claims', async () => {
    const invoker = new FakeInvoker();
    invoker.handlers.set('preAuth', (e) => ({ payload: e }));
    invoker.handlers.set('postAuth', (e) => ({ payload: e }));
    invoker.handlers.set('preToken', (e) => ({
      payload: {
        ...e,
        response: {
          claimsOverrideDetails: {
            claimsToAddOrOverride: { tenant: 'acme', sub: 'forged' },
            claimsToSuppress: ['phone_number'],
            groupOverrideDetails: { groupsToOverride: ['Editors'] },
          },
        },
      },
    }));
    const h = await authHarness({ model, invoker });
    try {
      const sub = await h.signUpConfirmed('ada@example.com');
      const r = authResult(await h.srpSignIn('ada@example.com'));
      const id = decodePayload(r.IdToken);
      expect(id.tenant).toBe('acme');
      expect(id.sub).toBe(sub);
      expect(id.phone_number).toBeUndefined();
      expect(id['cognito:groups']).toEqual(['Editors']);
      expect(invoker.events.map((e) => e.event.triggerSource)).toEqual([
        'PreAuthentication_Authentication',
        'PostAuthentication_Authentication',
        'TokenGeneration_Authentication',
      ]);
      await h.call('GetTokensFromRefreshToken', { ClientId: CLIENT_ID, RefreshToken: r.RefreshToken });
      expect(invoker.events.at(-1)!.event.triggerSource).toBe('TokenGeneration_RefreshTokens');
    } finally {
      await h.close();
    }
  });
});
