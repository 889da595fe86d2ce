import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authHarness, authModel, authResult, backendModel, CLIENT_ID, decodePayload, PASSWORD, POOL_ID, type AuthHarness } from './harness.js';

const HOUR = 60 * 60 * 1000;
const INCORRECT = { __type: 'NotAuthorizedException', message: 'Incorrect username or password.' };

function attr(res: { body: Record<string, unknown> }, name: string): string | undefined {
  return (res.body.UserAttributes as { Name: string; Value: string }[]).find((a) => a.Name === name)?.Value;
}

describe('signed-in user operations', () => {
  let h: AuthHarness;
  let sub: string;
  let access: string;
  beforeEach(async () => {
    h = await authHarness();
    sub = await h.signUpConfirmed('ada@example.com');
    access = authResult(await h.srpSignIn('ada@example.com')).AccessToken;
  });
  afterEach(() => h.close());

  it('GetUser returns the username and attributes, sub first', async () => {
    const res = await h.call('GetUser', { AccessToken: access });
    expect(res.status).toBe(200);
    expect(res.body.Username).toBe(sub);
    const attrs = res.body.UserAttributes as { Name: string; Value: string }[];
    expect(attrs[0]).toEqual({ Name: 'sub', Value: sub });
    expect(attrs).toContainEqual({ Name: 'email_verified', Value: 'true' });
    expect(res.body.UserMFASettingList).toBeUndefined();
  });

  it('GetUser refuses an ID token passed as the access token', async () => {
    const id = authResult(await h.srpSignIn('ada@example.com')).IdToken;
    expect((await h.call('GetUser', { AccessToken: id })).body).toEqual({ __type: 'NotAuthorizedException', message: 'Invalid Access Token' });
  });

  it('keeps the old email (verified) until the new one is verified when the pool requires it', async () => {
    const res = await h.call('UpdateUserAttributes', { AccessToken: access, UserAttributes: [{ Name: 'email', Value: 'ada@new.example' }] });
    expect(res.status).toBe(200);
    expect(res.body.CodeDeliveryDetailsList).toEqual([{ Destination: 'a***@n***', DeliveryMedium: 'EMAIL', AttributeName: 'email' }]);
    let user = await h.call('GetUser', { AccessToken: access });
    expect(attr(user, 'email')).toBe('ada@example.com');
    expect(attr(user, 'email_verified')).toBe('true');
    // The old address still signs in, the new one not yet.
    expect((await h.srpSignIn('ada@example.com')).status).toBe(200);
    expect((await h.srpSignIn('ada@new.example')).body).toEqual(INCORRECT);

    const code = h.outbox.lastCode('ada@new.example');
    const wrong = await h.call('VerifyUserAttribute', { AccessToken: access, AttributeName: 'email', Code: code === '000000' ? '111111' : '000000' });
    expect(wrong.body.__type).toBe('CodeMismatchException');
    expect((await h.call('VerifyUserAttribute', { AccessToken: access, AttributeName: 'email', Code: code })).status).toBe(200);
    user = await h.call('GetUser', { AccessToken: access });
    expect(attr(user, 'email')).toBe('ada@new.example');
    expect(attr(user, 'email_verified')).toBe('true');
    expect((await h.srpSignIn('ada@new.example')).status).toBe(200);
    expect((await h.srpSignIn('ada@example.com')).body).toEqual(INCORRECT);
  });

  it('replaces the email at once, unverified, when the pool does not require verification first', async () => {
    const h2 = await authHarness({ model: backendModel(authModel({ pool: { attributesRequireVerificationBeforeUpdate: [] } })) });
    try {
      await h2.signUpConfirmed('ada@example.com');
      const token = authResult(await h2.srpSignIn('ada@example.com')).AccessToken;
      const res = await h2.call('UpdateUserAttributes', { AccessToken: token, UserAttributes: [{ Name: 'email', Value: 'ada@new.example' }] });
      expect((res.body.CodeDeliveryDetailsList as unknown[]).length).toBe(1);
      const user = await h2.call('GetUser', { AccessToken: token });
      expect(attr(user, 'email')).toBe('ada@new.example');
      expect(attr(user, 'email_verified')).toBe('false');
      const id = decodePayload(authResult(await h2.srpSignIn('ada@new.example')).IdToken);
      expect(id.email_verified).toBe(false);
    } finally {
      await h2.close();
    }
  });

  it('updates other attributes without codes and refuses unknown, read-only or taken values', async () => {
    const ok = await h.call('UpdateUserAttributes', { AccessToken: access, UserAttributes: [{ Name: 'given_name', Value: 'Ada' }] });
    expect(ok.body).toEqual({ CodeDeliveryDetailsList: [] });
    expect(attr(await h.call('GetUser', { AccessToken: access }), 'given_name')).toBe('Ada');
    const unknown = await h.call('UpdateUserAttributes', { AccessToken: access, UserAttributes: [{ Name: 'custom:nope', Value: 'x' }] });
    expect(unknown.body.__type).toBe('InvalidParameterException');
    const verified = await h.call('UpdateUserAttributes', { AccessToken: access, UserAttributes: [{ Name: 'email_verified', Value: 'false' }] });
    expect(verified.body).toEqual({ __type: 'NotAuthorizedException', message: 'A client attempted to write unauthorized attribute' });
    await h.signUpConfirmed('bob@example.com', { phone: '+15555550101' });
    const taken = await h.call('UpdateUserAttributes', { AccessToken: access, UserAttributes: [{ Name: 'email', Value: 'BOB@example.com' }] });
    expect(taken.body).toEqual({ __type: 'AliasExistsException', message: 'An account with the given email already exists.' });
    const required = await h.call('DeleteUserAttributes', { AccessToken: access, UserAttributeNames: ['phone_number'] });
    expect(required.body).toEqual({ __type: 'InvalidParameterException', message: 'Attributes did not conform to the schema: phone_number: The attribute is required' });
    expect((await h.call('DeleteUserAttributes', { AccessToken: access, UserAttributeNames: ['given_name'] })).status).toBe(200);
    expect(attr(await h.call('GetUser', { AccessToken: access }), 'given_name')).toBeUndefined();
  });

  it('sends and checks attribute verification codes (GetUserAttributeVerificationCode / VerifyUserAttribute)', async () => {
    const res = await h.call('GetUserAttributeVerificationCode', { AccessToken: access, AttributeName: 'phone_number' });
    expect(res.body.CodeDeliveryDetails).toEqual({ Destination: '+*******0100', DeliveryMedium: 'SMS', AttributeName: 'phone_number' });
    const sms = h.outbox.list({ channel: 'sms', to: '+15555550100' }).at(-1)!;
    expect(sms.body).toBe(`The verification code to your new account is ${sms.code}`);
    h.clock.advance(24 * HOUR + 1);
    const late = await h.call('VerifyUserAttribute', { AccessToken: authResult(await h.srpSignIn('ada@example.com')).AccessToken, AttributeName: 'phone_number', Code: sms.code });
    expect(late.body.__type).toBe('ExpiredCodeException');
  });

  it('changes the password only with the previous one, under the policy', async () => {
    const wrong = await h.call('ChangePassword', { AccessToken: access, PreviousPassword: 'Wr0ng-pass!', ProposedPassword: 'N3w-password!' });
    expect(wrong.body).toEqual(INCORRECT);
    const weak = await h.call('ChangePassword', { AccessToken: access, PreviousPassword: PASSWORD, ProposedPassword: 'weakweak' });
    expect(weak.body.__type).toBe('InvalidPasswordException');
    expect((await h.call('ChangePassword', { AccessToken: access, PreviousPassword: PASSWORD, ProposedPassword: 'N3w-password!' })).status).toBe(200);
    expect((await h.srpSignIn('ada@example.com')).body).toEqual(INCORRECT);
    expect((await h.srpSignIn('ada@example.com', 'N3w-password!')).status).toBe(200);
  });

  it('DeleteUser removes the user and invalidates the tokens', async () => {
    expect((await h.call('DeleteUser', { AccessToken: access })).status).toBe(200);
    expect((await h.call('GetUser', { AccessToken: access })).body.__type).toBe('NotAuthorizedException');
    expect((await h.srpSignIn('ada@example.com')).body).toEqual(INCORRECT);
  });
});

describe('ForgotPassword and ConfirmForgotPassword', () => {
  let h: AuthHarness;
  beforeEach(async () => {
    h = await authHarness();
    await h.signUpConfirmed('ada@example.com');
  });
  afterEach(() => h.close());

  const reset = (code: string, password = 'N3w-password!') =>
    h.call('ConfirmForgotPassword', { ClientId: CLIENT_ID, Username: 'ada@example.com', ConfirmationCode: code, Password: password });

  it('emails a code to the verified email and sets the new password with it', async () => {
    const res = await h.call('ForgotPassword', { ClientId: CLIENT_ID, Username: 'ada@example.com' });
    expect(res.body.CodeDeliveryDetails).toEqual({ Destination: 'a***@e***', DeliveryMedium: 'EMAIL', AttributeName: 'email' });
    const code = h.outbox.lastCode('ada@example.com');
    // The old password keeps working until the reset is confirmed.
    expect((await h.srpSignIn('ada@example.com')).status).toBe(200);
    expect((await reset(code, 'weak')).body.__type).toBe('InvalidPasswordException');
    expect((await reset(code === '000000' ? '111111' : '000000')).body.__type).toBe('CodeMismatchException');
    expect((await reset(code)).status).toBe(200);
    expect((await h.srpSignIn('ada@example.com', 'N3w-password!')).status).toBe(200);
    expect((await reset(code)).body.__type).toBe('ExpiredCodeException');
  });

  it('expires reset codes after one hour', async () => {
    await h.call('ForgotPassword', { ClientId: CLIENT_ID, Username: 'ada@example.com' });
    h.clock.advance(HOUR + 1);
    expect((await reset(h.outbox.lastCode('ada@example.com'))).body).toEqual({
      __type: 'ExpiredCodeException',
      message: 'Invalid code provided, please request a code again.',
    });
  });

  it('refuses a user without a verified recovery email', async () => {
    await h.call('SignUp', { ClientId: CLIENT_ID, Username: 'bob@example.com', Password: PASSWORD, UserAttributes: [{ Name: 'phone_number', Value: '+15555550101' }] });
    const res = await h.call('ForgotPassword', { ClientId: CLIENT_ID, Username: 'bob@example.com' });
    expect(res.body).toEqual({
      __type: 'InvalidParameterException',
      message: 'Cannot reset password for the user as there is no registered/verified email or phone_number',
    });
  });

  it('does not reveal unknown users', async () => {
    const res = await h.call('ForgotPassword', { ClientId: CLIENT_ID, Username: 'ghost@example.com' });
    expect(res.status).toBe(200);
    expect(h.outbox.list({ to: 'ghost@example.com' })).toHaveLength(0);
    const confirm = await h.call('ConfirmForgotPassword', { ClientId: CLIENT_ID, Username: 'ghost@example.com', ConfirmationCode: '123456', Password: 'N3w-password!' });
    expect(confirm.body.__type).toBe('CodeMismatchException');
  });

  it('lifts an administrator reset (RESET_REQUIRED → CONFIRMED)', async () => {
    await h.call('AdminResetUserPassword', { UserPoolId: POOL_ID, Username: 'ada@example.com' });
    expect((await h.srpSignIn('ada@example.com')).body).toEqual({ __type: 'PasswordResetRequiredException', message: 'Password reset required for the user' });
    expect((await reset(h.outbox.lastCode('ada@example.com'))).status).toBe(200);
    expect((await h.srpSignIn('ada@example.com', 'N3w-password!')).status).toBe(200);
  });
});
