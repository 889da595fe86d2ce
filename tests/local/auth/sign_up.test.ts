import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authHarness, authModel, backendModel, CLIENT_ID, FakeInvoker, PASSWORD, POOL_ID, type AuthHarness } from './harness.js';

const HOUR = 60 * 60 * 1000;
const PHONE = [{ Name: 'phone_number', Value: '+15555550100' }];

describe('SignUp', () => {
  let h: AuthHarness;
  beforeEach(async () => {
    h = await authHarness();
  });
  afterEach(() => h.close());

  it('creates an unconfirmed user named by a uuid (= sub) and emails a 6-digit code with the pool template', async () => {
    const res = await h.call('SignUp', { ClientId: CLIENT_ID, Username: 'ada@example.com', Password: PASSWORD, UserAttributes: PHONE });
    expect(res.status).toBe(200);
    expect(res.body.UserConfirmed).toBe(false);
    expect(res.body.UserSub).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body.CodeDeliveryDetails).toEqual({ Destination: 'a***@e***', DeliveryMedium: 'EMAIL', AttributeName: 'email' });
    const [msg] = h.outbox.list({ to: 'ada@example.com' });
    expect(msg.channel).toBe('email');
    expect(msg.subject).toBe('Your verification code');
    expect(msg.code).toMatch(/^\d{6}$/);
    expect(msg.body).toBe(`Your verification code is ${msg.code}`);

    const user = await h.call('AdminGetUser', { UserPoolId: POOL_ID, Username: 'ada@example.com' });
    expect(user.body.Username).toBe(res.body.UserSub);
    expect(user.body.UserStatus).toBe('UNCONFIRMED');
    expect(user.body.UserAttributes).toEqual(
      expect.arrayContaining([
        { Name: 'sub', Value: res.body.UserSub },
        { Name: 'email', Value: 'ada@example.com' },
        { Name: 'email_verified', Value: 'false' },
      ]),
    );
  });

  it('refuses a sign-up without a required attribute (phone_number)', async () => {
    const res = await h.call('SignUp', { ClientId: CLIENT_ID, Username: 'ada@example.com', Password: PASSWORD });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ __type: 'InvalidParameterException', message: 'Attributes did not conform to the schema: phone_number: The attribute is required' });
    expect(h.outbox.messages).toHaveLength(0);
  });

  it.each([
    ['short1!A', 'Password did not conform with policy: Password not long enough', 'Sh0rt!'],
    ['no upper', 'Password did not conform with policy: Password must have uppercase characters', 'passw0rd!'],
    ['no lower', 'Password did not conform with policy: Password must have lowercase characters', 'PASSW0RD!'],
    ['no number', 'Password did not conform with policy: Password must have numeric characters', 'Password!'],
    ['no symbol', 'Password did not conform with policy: Password must have symbol characters', 'Passw0rdd'],
  ])('refuses a weak password (%s) with InvalidPasswordException', async (_case, message, password) => {
    const res = await h.call('SignUp', { ClientId: CLIENT_ID, Username: 'ada@example.com', Password: password, UserAttributes: PHONE });
    expect(res.body).toEqual({ __type: 'InvalidPasswordException', message });
  });

  it('requires an email as the username when UsernameAttributes is email', async () => {
    const res = await h.call('SignUp', { ClientId: CLIENT_ID, Username: 'ada', Password: PASSWORD, UserAttributes: PHONE });
    expect(res.body).toEqual({ __type: 'InvalidParameterException', message: 'Username should be an email.' });
  });

  it('refuses a second account for the same email, whatever its case', async () => {
    await h.call('SignUp', { ClientId: CLIENT_ID, Username: 'ada@example.com', Password: PASSWORD, UserAttributes: PHONE });
    const res = await h.call('SignUp', { ClientId: CLIENT_ID, Username: 'ADA@example.com', Password: PASSWORD, UserAttributes: PHONE });
    expect(res.body).toEqual({ __type: 'UsernameExistsException', message: 'An account with the given email already exists.' });
  });

  it('validates attributes: unknown, unauthorized, badly formatted', async () => {
    const attempt = (attrs: { Name: string; Value: string }[]) =>
      h.call('SignUp', { ClientId: CLIENT_ID, Username: 'ada@example.com', Password: PASSWORD, UserAttributes: [...PHONE, ...attrs] });
    expect((await attempt([{ Name: 'custom:nope', Value: 'x' }])).body).toEqual({
      __type: 'InvalidParameterException',
      message: 'Attributes did not conform to the schema: custom:nope: Attribute does not exist in the schema.',
    });
    expect((await attempt([{ Name: 'email_verified', Value: 'true' }])).body).toEqual({
      __type: 'NotAuthorizedException',
      message: 'A client attempted to write unauthorized attribute',
    });
    expect((await attempt([{ Name: 'phone_number', Value: '555-0100' }])).body).toEqual({ __type: 'InvalidParameterException', message: 'Invalid phone number format.' });
    expect((await attempt([{ Name: 'custom:tier', Value: 'gold' }])).status).toBe(200);
  });

  it('answers an unknown ClientId with ResourceNotFoundException', async () => {
    const res = await h.call('SignUp', { ClientId: 'nosuchclient', Username: 'ada@example.com', Password: PASSWORD, UserAttributes: PHONE });
    expect(res.body).toEqual({ __type: 'ResourceNotFoundException', message: 'User pool client nosuchclient does not exist.' });
  });

  it('reports every missing parameter in one InvalidParameterException', async () => {
    const res = await h.call('SignUp', { Password: PASSWORD });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      __type: 'InvalidParameterException',
      message:
        "2 validation errors detected: Value null at 'clientId' failed to satisfy constraint: Member must not be null; " +
        "Value null at 'username' failed to satisfy constraint: Member must not be null",
    });
  });
});

describe('ConfirmSignUp and ResendConfirmationCode', () => {
  let h: AuthHarness;
  beforeEach(async () => {
    h = await authHarness();
    await h.call('SignUp', { ClientId: CLIENT_ID, Username: 'ada@example.com', Password: PASSWORD, UserAttributes: PHONE });
  });
  afterEach(() => h.close());

  const confirm = (code: string, username = 'ada@example.com') => h.call('ConfirmSignUp', { ClientId: CLIENT_ID, Username: username, ConfirmationCode: code });

  it('confirms with the emailed code and marks the email verified', async () => {
    const res = await confirm(h.outbox.lastCode('ada@example.com'));
    expect(res).toEqual({ status: 200, body: {} });
    const user = await h.call('AdminGetUser', { UserPoolId: POOL_ID, Username: 'ada@example.com' });
    expect(user.body.UserStatus).toBe('CONFIRMED');
    expect(user.body.UserAttributes).toContainEqual({ Name: 'email_verified', Value: 'true' });
    expect(user.body.UserAttributes).toContainEqual({ Name: 'phone_number_verified', Value: 'false' });
  });

  it('refuses a wrong code with CodeMismatchException and keeps the user unconfirmed', async () => {
    const code = h.outbox.lastCode('ada@example.com');
    const wrong = code === '000000' ? '111111' : '000000';
    expect((await confirm(wrong)).body).toEqual({ __type: 'CodeMismatchException', message: 'Invalid verification code provided, please try again.' });
    const user = await h.call('AdminGetUser', { UserPoolId: POOL_ID, Username: 'ada@example.com' });
    expect(user.body.UserStatus).toBe('UNCONFIRMED');
  });

  it('refuses a code older than 24 hours with ExpiredCodeException', async () => {
    h.clock.advance(24 * HOUR + 1000);
    expect((await confirm(h.outbox.lastCode('ada@example.com'))).body).toEqual({
      __type: 'ExpiredCodeException',
      message: 'Invalid code provided, please request a code again.',
    });
  });

  it('accepts a code just within 24 hours', async () => {
    h.clock.advance(24 * HOUR - 1000);
    expect((await confirm(h.outbox.lastCode('ada@example.com'))).status).toBe(200);
  });

  it('refuses to confirm twice', async () => {
    const code = h.outbox.lastCode('ada@example.com');
    await confirm(code);
    expect((await confirm(code)).body).toEqual({ __type: 'NotAuthorizedException', message: 'User cannot be confirmed. Current status is CONFIRMED' });
  });

  it('does not reveal unknown users (PreventUserExistenceErrors)', async () => {
    expect((await confirm('123456', 'nobody@example.com')).body.__type).toBe('CodeMismatchException');
    const resend = await h.call('ResendConfirmationCode', { ClientId: CLIENT_ID, Username: 'nobody@example.com' });
    expect(resend.status).toBe(200);
    expect(resend.body.CodeDeliveryDetails).toMatchObject({ DeliveryMedium: 'EMAIL', Destination: 'n***@e***' });
    expect(h.outbox.list({ to: 'nobody@example.com' })).toHaveLength(0);
  });

  it('resends a new code that replaces the old one', async () => {
    const old = h.outbox.lastCode('ada@example.com');
    const res = await h.call('ResendConfirmationCode', { ClientId: CLIENT_ID, Username: 'ada@example.com' });
    expect(res.body.CodeDeliveryDetails).toMatchObject({ AttributeName: 'email' });
    const fresh = h.outbox.lastCode('ada@example.com');
    expect(h.outbox.list({ to: 'ada@example.com' })).toHaveLength(2);
    if (old !== fresh) expect((await confirm(old)).body.__type).toBe('CodeMismatchException');
    expect((await confirm(fresh)).status).toBe(200);
    const again = await h.call('ResendConfirmationCode', { ClientId: CLIENT_ID, Username: 'ada@example.com' });
    expect(again.body).toEqual({ __type: 'InvalidParameterException', message: 'User is already confirmed.' });
  });
});

describe('sign-up triggers', () => {
  const model = backendModel(authModel({ pool: { triggers: { PreSignUp: 'preSignUpFn', PostConfirmation: 'postConfirmationFn' } } }));

  it('sends Cognito trigger events and applies PreSignUp auto-confirm/auto-verify', async () => {
    const invoker = new FakeInvoker();
    invoker.handlers.set('preSignUpFn', (e) => ({ payload: { ...e, response: { autoConfirmUser: true, autoVerifyEmail: true } } }));
    invoker.handlers.set('postConfirmationFn', (e) => ({ payload: e }));
    const h = await authHarness({ model, invoker });
    try {
      const res = await h.call('SignUp', {
        ClientId: CLIENT_ID,
        Username: 'ada@example.com',
        Password: PASSWORD,
        UserAttributes: PHONE,
        ValidationData: [{ Name: 'invite', Value: 'abc' }],
        ClientMetadata: { source: 'test' },
      });
      expect(res.body.UserConfirmed).toBe(true);
      expect(res.body.CodeDeliveryDetails).toBeUndefined();
      expect(h.outbox.messages).toHaveLength(0);
      const [pre] = invoker.events;
      expect(pre.fn).toBe('preSignUpFn');
      expect(pre.event).toMatchObject({
        version: '1',
        region: 'us-east-1',
        userPoolId: POOL_ID,
        userName: res.body.UserSub,
        callerContext: { clientId: CLIENT_ID },
        triggerSource: 'PreSignUp_SignUp',
        request: {
          userAttributes: { email: 'ada@example.com', phone_number: '+15555550100' },
          validationData: { invite: 'abc' },
          clientMetadata: { source: 'test' },
        },
        response: {},
      });
      const user = await h.call('AdminGetUser', { UserPoolId: POOL_ID, Username: 'ada@example.com' });
      expect(user.body.UserStatus).toBe('CONFIRMED');
      expect(user.body.UserAttributes).toContainEqual({ Name: 'email_verified', Value: 'true' });
    } finally {
      await h.close();
    }
  });

  it('maps a PreSignUp error to UserLambdaValidationException and creates no user', async () => {
    const invoker = new FakeInvoker();
    invoker.handlers.set('preSignUpFn', () => ({ functionError: 'Unhandled', payload: { errorType: 'Error', errorMessage: 'invite only' } }));
    const h = await authHarness({ model, invoker });
    try {
      const res = await h.call('SignUp', { ClientId: CLIENT_ID, Username: 'ada@example.com', Password: PASSWORD, UserAttributes: PHONE });
      expect(res.body).toEqual({ __type: 'UserLambdaValidationException', message: 'PreSignUp failed with error invite only.' });
      const list = await h.call('ListUsers', { UserPoolId: POOL_ID });
      expect(list.body.Users).toEqual([]);
    } finally {
      await h.close();
    }
  });

  it('runs PostConfirmation with the confirmed user; its failure fails the call but the user stays confirmed (as Cognito)', async () => {
    const invoker = new FakeInvoker();
    invoker.handlers.set('preSignUpFn', (e) => ({ payload: e }));
    invoker.handlers.set('postConfirmationFn', () => ({ functionError: 'Unhandled', payload: { errorMessage: 'profile table down' } }));
    const h = await authHarness({ model, invoker });
    try {
      await h.call('SignUp', { ClientId: CLIENT_ID, Username: 'ada@example.com', Password: PASSWORD, UserAttributes: PHONE });
      const res = await h.call('ConfirmSignUp', { ClientId: CLIENT_ID, Username: 'ada@example.com', ConfirmationCode: h.outbox.lastCode('ada@example.com') });
      expect(res.body).toEqual({ __type: 'UserLambdaValidationException', message: 'PostConfirmation failed with error profile table down.' });
      const post = invoker.events.find((e) => e.fn === 'postConfirmationFn')!;
      expect(post.event).toMatchObject({
        triggerSource: 'PostConfirmation_ConfirmSignUp',
        request: { userAttributes: { email: 'ada@example.com', email_verified: 'true', 'cognito:user_status': 'CONFIRMED' } },
      });
      const user = await h.call('AdminGetUser', { UserPoolId: POOL_ID, Username: 'ada@example.com' });
      expect(user.body.UserStatus).toBe('CONFIRMED');
    } finally {
      await h.close();
    }
  });

  it('answers UnexpectedLambdaException when the trigger cannot be run at all', async () => {
    const invoker = new FakeInvoker();
    invoker.handlers.set('preSignUpFn', () => {
      throw new Error('Task timed out after 3.00 seconds');
    });
    const h = await authHarness({ model, invoker });
    try {
      const res = await h.call('SignUp', { ClientId: CLIENT_ID, Username: 'ada@example.com', Password: PASSWORD, UserAttributes: PHONE });
      expect(res.body).toEqual({ __type: 'UnexpectedLambdaException', message: 'PreSignUp invocation failed due to error Task timed out after 3.00 seconds.' });
    } finally {
      await h.close();
    }
  });

  it('says at start that declared triggers are not run when no functions service is there', async () => {
    const h = await authHarness({ model });
    try {
      const lines = h.service.describe!().join('\n');
      expect(lines).toContain('PreSignUp trigger (preSignUpFn) is declared but NOT run locally');
      expect(lines).toContain('PostConfirmation trigger (postConfirmationFn) is declared but NOT run locally');
      // Sign-up still works; the skipped trigger is logged, not silent.
      await h.signUpConfirmed('ada@example.com');
    } finally {
      await h.close();
    }
  });
});
