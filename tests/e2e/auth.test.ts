import '../helpers/polyfills.js';
import {
  confirmResetPassword,
  confirmSignIn,
  confirmSignUp,
  confirmUserAttribute,
  fetchAuthSession,
  fetchMFAPreference,
  fetchUserAttributes,
  getCurrentUser,
  resetPassword,
  setUpTOTP,
  signIn,
  signOut,
  signUp,
  updateMFAPreference,
  updatePassword,
  updateUserAttribute,
  verifyTOTPSetup,
} from 'aws-amplify/auth';
import { authenticator } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ACCOUNT_KEYS } from '../../src/local/core/account.js';
import { ManualClock } from '../../src/local/core/clock.js';
import { configureTestClient } from '../helpers/amplify_client.js';
import { startLocalCloud, type TestLocalCloud } from '../helpers/local_cloud.js';
import { signForTest } from '../helpers/sigv4.js';
import { srpSignIn } from '../local/auth/harness.js';

let cloud: TestLocalCloud;

const EMAIL = 'lin@example.com';
const NEW_EMAIL = 'lin@new.example';
const PASSWORD = 'Correct-Horse-9-battery!';
const NEW_PASSWORD = 'Another-Horse-7-battery!';

/** A TOTP code for `offsetSteps` 30-second steps from now (the server accepts ±1 and each step once). */
function totpCode(secret: string, offsetSteps = 0): string {
  authenticator.options = { epoch: Date.now() + offsetSteps * 30_000 };
  try {
    return authenticator.generate(secret);
  } finally {
    authenticator.resetOptions();
  }
}

async function lastCode(to: string): Promise<string> {
  const code = (await cloud.outbox({ to })).pop()?.code;
  if (!code) throw new Error(`no code in the outbox for ${to}`);
  return code;
}

/** A raw Cognito call (what the client would send), to probe tokens the client does not expose. */
async function cognito(operation: string, body: unknown): Promise<{ status: number; body: { __type?: string; message?: string } }> {
  const res = await fetch(`${cloud.endpoint}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${operation}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { __type?: string; message?: string } };
}

async function identity(operation: string, body: unknown): Promise<{ status: number; body: { __type?: string; message?: string } }> {
  const res = await fetch(`${cloud.endpoint}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityService.${operation}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { __type?: string; message?: string } };
}

beforeAll(async () => {
  // The two Cognito services; the post-confirmation trigger (functions → data) is covered elsewhere.
  cloud = await startLocalCloud({ services: ['auth', 'identity'] });
  configureTestClient(cloud.outputs);
});
afterAll(async () => {
  await signOut().catch(() => undefined);
  await cloud?.stop();
});

describe('the real aws-amplify client against the local user pool', () => {
  let totpSecret = '';

  it('signs up, reads the code from the outbox and confirms', async () => {
    const up = await signUp({ username: EMAIL, password: PASSWORD, options: { userAttributes: { email: EMAIL, phone_number: '+15555550142' } } });
    expect(up.isSignUpComplete).toBe(false);
    expect(up.nextStep.signUpStep).toBe('CONFIRM_SIGN_UP');
    expect(up.userId).toMatch(/^[0-9a-f-]{36}$/);
    const done = await confirmSignUp({ username: EMAIL, confirmationCode: await lastCode(EMAIL) });
    expect(done.isSignUpComplete).toBe(true);
  });

  it('signs in with the default USER_SRP_AUTH flow and reads the user attributes', async () => {
    const result = await signIn({ username: EMAIL, password: PASSWORD });
    expect(result).toEqual({ isSignedIn: true, nextStep: { signInStep: 'DONE' } });
    const attrs = await fetchUserAttributes();
    expect(attrs).toMatchObject({ email: EMAIL, email_verified: 'true', phone_number: '+15555550142', phone_number_verified: 'false' });
    const current = await getCurrentUser();
    expect(current.userId).toBe(attrs.sub);
    expect(current.username).toBe(attrs.sub);
    expect(current.signInDetails?.loginId).toBe(EMAIL);
  });

  it('gives a session with Cognito tokens, identity-pool credentials and an identity id', async () => {
    const session = await fetchAuthSession();
    const access = session.tokens!.accessToken.payload;
    const id = session.tokens!.idToken!.payload;
    const poolId = cloud.outputs.auth!.user_pool_id;
    expect(access).toMatchObject({ token_use: 'access', iss: `${cloud.endpoint}/${poolId}`, client_id: cloud.outputs.auth!.user_pool_client_id });
    expect(id).toMatchObject({ token_use: 'id', email: EMAIL, email_verified: true });
    expect(session.identityId).toMatch(/^us-east-1:[0-9a-f-]{36}$/);
    expect(session.credentials?.accessKeyId).toMatch(/^ASIA/);
    const issued = cloud.cloud.registry.get('identity.credentials').lookup(session.credentials!.accessKeyId);
    expect(issued).toMatchObject({ kind: 'authenticated', userSub: id.sub });
  });

  it('refreshes the tokens on demand (GetTokensFromRefreshToken) within the same session', async () => {
    const before = (await fetchAuthSession()).tokens!.accessToken.payload;
    const after = (await fetchAuthSession({ forceRefresh: true })).tokens!.accessToken.payload;
    expect(after.jti).not.toBe(before.jti);
    expect(after.origin_jti).toBe(before.origin_jti);
    expect(after.auth_time).toBe(before.auth_time);
  });

  it('changes the email with a verification code, keeping the old one until it is confirmed', async () => {
    const out = await updateUserAttribute({ userAttribute: { attributeKey: 'email', value: NEW_EMAIL } });
    expect(out.isUpdated).toBe(false);
    expect(out.nextStep.updateAttributeStep).toBe('CONFIRM_ATTRIBUTE_WITH_CODE');
    expect(out.nextStep.codeDeliveryDetails).toMatchObject({ deliveryMedium: 'EMAIL', attributeName: 'email' });
    expect((await fetchUserAttributes()).email).toBe(EMAIL);
    await confirmUserAttribute({ userAttributeKey: 'email', confirmationCode: await lastCode(NEW_EMAIL) });
    expect(await fetchUserAttributes()).toMatchObject({ email: NEW_EMAIL, email_verified: 'true' });
  });

  it('sets up TOTP MFA and makes it preferred', async () => {
    const setup = await setUpTOTP();
    totpSecret = setup.sharedSecret;
    expect(setup.getSetupUri('LocalApp').toString()).toContain(`secret=${totpSecret}`);
    await verifyTOTPSetup({ code: totpCode(totpSecret) });
    await updateMFAPreference({ totp: 'PREFERRED' });
    expect(await fetchMFAPreference()).toEqual({ enabled: ['TOTP'], preferred: 'TOTP' });
  });

  it('signs in again with a TOTP code after signing out; the old tokens are revoked', async () => {
    const oldAccess = (await fetchAuthSession()).tokens!.accessToken.toString();
    await signOut();
    expect((await cognito('GetUser', { AccessToken: oldAccess })).body).toEqual({
      __type: 'NotAuthorizedException',
      message: 'Access Token has been revoked',
    });
    const first = await signIn({ username: NEW_EMAIL, password: PASSWORD });
    expect(first.isSignedIn).toBe(false);
    expect(first.nextStep.signInStep).toBe('CONFIRM_SIGN_IN_WITH_TOTP_CODE');
    // The set-up code's time step is spent: use the next one (inside the ±1 step window).
    const done = await confirmSignIn({ challengeResponse: totpCode(totpSecret, 1) });
    expect(done.isSignedIn).toBe(true);
    expect((await fetchUserAttributes()).email).toBe(NEW_EMAIL);
  });

  it('changes the password and turns MFA off', async () => {
    await updatePassword({ oldPassword: PASSWORD, newPassword: NEW_PASSWORD });
    await updateMFAPreference({ totp: 'DISABLED' });
    expect((await fetchMFAPreference()).enabled).toBeUndefined();
    await signOut();
    expect((await signIn({ username: NEW_EMAIL, password: NEW_PASSWORD })).isSignedIn).toBe(true);
    await signOut();
  });

  it('resets a forgotten password with an emailed code', async () => {
    const out = await resetPassword({ username: NEW_EMAIL });
    expect(out.nextStep.resetPasswordStep).toBe('CONFIRM_RESET_PASSWORD_WITH_CODE');
    expect(out.nextStep.codeDeliveryDetails).toMatchObject({ deliveryMedium: 'EMAIL' });
    await confirmResetPassword({ username: NEW_EMAIL, confirmationCode: await lastCode(NEW_EMAIL), newPassword: PASSWORD });
    expect((await signIn({ username: NEW_EMAIL, password: PASSWORD })).isSignedIn).toBe(true);
  });

  it('keeps users, keys and sessions across a restart of the local cloud', async () => {
    const sub = (await fetchUserAttributes()).sub;
    await cloud.restart();
    // Tokens issued before the restart still work (same key, same persisted session).
    expect((await fetchUserAttributes()).sub).toBe(sub);
    expect((await fetchAuthSession({ forceRefresh: true })).tokens?.accessToken).toBeDefined();
    await signOut();
    expect((await signIn({ username: NEW_EMAIL, password: PASSWORD })).isSignedIn).toBe(true);
    await signOut();
  });
});

describe('what the client sees when Cognito refuses', () => {
  it('a wrong password: NotAuthorizedException "Incorrect username or password."', async () => {
    await expect(signIn({ username: NEW_EMAIL, password: 'Wrong-Horse-1-battery!' })).rejects.toMatchObject({
      name: 'NotAuthorizedException',
      message: 'Incorrect username or password.',
    });
    await expect(signIn({ username: 'nobody@example.com', password: PASSWORD })).rejects.toMatchObject({
      name: 'NotAuthorizedException',
      message: 'Incorrect username or password.',
    });
  });

  it('an unconfirmed user is sent to CONFIRM_SIGN_UP; a wrong code is CodeMismatchException', async () => {
    const email = 'pending@example.com';
    await signUp({ username: email, password: PASSWORD, options: { userAttributes: { email, phone_number: '+15555550143' } } });
    const res = await signIn({ username: email, password: PASSWORD });
    expect(res).toMatchObject({ isSignedIn: false, nextStep: { signInStep: 'CONFIRM_SIGN_UP' } });
    const code = await lastCode(email);
    await expect(confirmSignUp({ username: email, confirmationCode: code === '000000' ? '111111' : '000000' })).rejects.toMatchObject({
      name: 'CodeMismatchException',
    });
  });

  it('sign-up without the required phone number, and with a weak password', async () => {
    await expect(signUp({ username: 'nophone@example.com', password: PASSWORD, options: { userAttributes: { email: 'nophone@example.com' } } })).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'Attributes did not conform to the schema: phone_number: The attribute is required',
    });
    await expect(
      signUp({ username: 'weak@example.com', password: 'password', options: { userAttributes: { email: 'weak@example.com', phone_number: '+15555550144' } } }),
    ).rejects.toMatchObject({ name: 'InvalidPasswordException' });
  });

  it('tampered and foreign tokens are refused by GetUser and by the identity pool', async () => {
    await signIn({ username: NEW_EMAIL, password: PASSWORD });
    const session = await fetchAuthSession();
    const idToken = session.tokens!.idToken!.toString();
    const access = session.tokens!.accessToken.toString();
    const [h, p, s] = access.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, username: 'someone-else' })).toString('base64url')}.${s}`;
    expect((await cognito('GetUser', { AccessToken: tampered })).body).toEqual({ __type: 'NotAuthorizedException', message: 'Invalid Access Token' });

    const poolId = cloud.outputs.auth!.user_pool_id;
    const provider = `${new URL(cloud.endpoint).host}/${poolId}`;
    const identityPoolId = cloud.outputs.auth!.identity_pool_id;
    const ok = await identity('GetId', { IdentityPoolId: identityPoolId, Logins: { [provider]: idToken } });
    expect(ok.status).toBe(200);
    const [ih, ip, is] = idToken.split('.');
    const idClaims = JSON.parse(Buffer.from(ip, 'base64url').toString()) as Record<string, unknown>;
    const forgedId = `${ih}.${Buffer.from(JSON.stringify({ ...idClaims, sub: '00000000-0000-4000-8000-000000000000' })).toString('base64url')}.${is}`;
    const refused = await identity('GetId', { IdentityPoolId: identityPoolId, Logins: { [provider]: forgedId } });
    expect(refused.status).toBe(400);
    expect(refused.body.__type).toBe('NotAuthorizedException');

    // A token from another local user pool (its own key) is foreign here.
    const other = await startLocalCloud({ services: ['auth'] });
    try {
      const otherPool = other.cloud.model.auth!;
      await cognitoAt(other.endpoint, 'SignUp', {
        ClientId: otherPool.defaultClientId,
        Username: 'ghost@example.com',
        Password: PASSWORD,
        UserAttributes: [{ Name: 'phone_number', Value: '+15555550145' }],
      });
      await cognitoAt(other.endpoint, 'AdminConfirmSignUp', { UserPoolId: otherPool.userPool.id, Username: 'ghost@example.com' });
      const call = async (op: string, body: unknown) => ({ status: 200, body: (await cognitoAt(other.endpoint, op, body)) as Record<string, unknown> });
      const signedIn = await srpSignIn(call, Date.now(), 'ghost@example.com', PASSWORD, otherPool.defaultClientId, otherPool.userPool.id);
      const tokens = signedIn.body.AuthenticationResult as { AccessToken: string; IdToken: string };
      expect((await cognito('GetUser', { AccessToken: tokens.AccessToken })).body).toEqual({
        __type: 'NotAuthorizedException',
        message: 'Invalid Access Token',
      });
      const foreign = await identity('GetId', { IdentityPoolId: identityPoolId, Logins: { [provider]: tokens.IdToken } });
      expect(foreign.body.__type).toBe('NotAuthorizedException');
    } finally {
      await other.stop();
    }
    await signOut();
  });
});

/** One Cognito call over HTTPS; admin operations are signed with the developer keys, as a developer's script would. */
async function cognitoAt(endpoint: string, operation: string, body: unknown, signingDate = new Date()): Promise<unknown> {
  const init = {
    url: `${endpoint}/`,
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${operation}` },
    body: JSON.stringify(body),
  };
  const req = operation.startsWith('Admin') || operation.startsWith('List')
    ? await signForTest({ ...init, credentials: DEFAULT_ACCOUNT_KEYS, service: 'cognito-idp', signingDate })
    : new Request(init.url, init);
  const res = await fetch(req);
  const json = (await res.json()) as unknown;
  if (!res.ok) throw new Error(`${operation}: ${JSON.stringify(json)}`);
  return json;
}

describe('expired tokens, with the local cloud on a manual clock', () => {
  it('refuses an expired access token at GetUser and an expired ID token at the identity pool', async () => {
    const clock = new ManualClock(Date.now());
    const timed = await startLocalCloud({ clock, services: ['auth', 'identity'] });
    try {
      const auth = timed.cloud.model.auth!;
      const call = async (op: string, body: unknown) => ({ status: 200, body: (await cognitoAt(timed.endpoint, op, body)) as Record<string, unknown> });
      await call('SignUp', {
        ClientId: auth.defaultClientId,
        Username: 'old@example.com',
        Password: PASSWORD,
        UserAttributes: [{ Name: 'phone_number', Value: '+15555550147' }],
      });
      await call('AdminConfirmSignUp', { UserPoolId: auth.userPool.id, Username: 'old@example.com' });
      const signedIn = await srpSignIn(call, clock.now(), 'old@example.com', PASSWORD, auth.defaultClientId, auth.userPool.id);
      const tokens = signedIn.body.AuthenticationResult as { AccessToken: string; IdToken: string };
      const provider = `${new URL(timed.endpoint).host}/${auth.userPool.id}`;
      const getId = (idToken: string) =>
        fetch(`${timed.endpoint}/`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityService.GetId' },
          body: JSON.stringify({ IdentityPoolId: auth.identityPool!.id, Logins: { [provider]: idToken } }),
        });
      expect((await getId(tokens.IdToken)).status).toBe(200);

      clock.advance(61 * 60 * 1000);
      const getUser = await fetch(`${timed.endpoint}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.GetUser' },
        body: JSON.stringify({ AccessToken: tokens.AccessToken }),
      });
      expect(await getUser.json()).toEqual({ __type: 'NotAuthorizedException', message: 'Access Token has expired' });
      const expired = await getId(tokens.IdToken);
      expect(expired.status).toBe(400);
      expect(((await expired.json()) as { __type: string }).__type).toBe('NotAuthorizedException');
    } finally {
      await timed.stop();
    }
  });
});

describe('Cognito triggers in the whole local cloud', () => {
  it('runs the PostConfirmation trigger in the functions service: the profile exists after ConfirmSignUp', async () => {
    const full = await startLocalCloud();
    try {
      const auth = full.cloud.model.auth!;
      expect(full.cloud.describe().join('\n')).toContain('PostConfirmation trigger → ');
      const call = async (op: string, body: unknown) => ({ status: 200, body: (await cognitoAt(full.endpoint, op, body)) as Record<string, unknown> });
      const email = 'pat@example.com';
      const up = await call('SignUp', {
        ClientId: auth.defaultClientId,
        Username: email,
        Password: PASSWORD,
        UserAttributes: [
          { Name: 'phone_number', Value: '+15555550146' },
          { Name: 'given_name', Value: 'Pat' },
        ],
      });
      const code = (await full.outbox({ to: email })).pop()!.code;
      await call('ConfirmSignUp', { ClientId: auth.defaultClientId, Username: email, ConfirmationCode: code });
      const signedIn = await srpSignIn(call, Date.now(), email, PASSWORD, auth.defaultClientId, auth.userPool.id);
      const { AccessToken } = signedIn.body.AuthenticationResult as { AccessToken: string };
      const res = await fetch(`${full.endpoint}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: AccessToken },
        body: JSON.stringify({ query: `query { getUserProfile(id: "${up.body.UserSub as string}") { id displayName } }` }),
      });
      expect(await res.json()).toEqual({ data: { getUserProfile: { id: up.body.UserSub, displayName: 'Pat' } } });
    } finally {
      await full.stop();
    }
  });
});
