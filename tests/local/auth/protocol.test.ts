import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authHarness, authResult, CLIENT_ID, ENDPOINT, PASSWORD, POOL_ID, type AuthHarness } from './harness.js';

const OPERATIONS = [
  'SignUp', 'ConfirmSignUp', 'ResendConfirmationCode', 'InitiateAuth', 'RespondToAuthChallenge', 'GetTokensFromRefreshToken', 'RevokeToken',
  'GlobalSignOut', 'GetUser', 'UpdateUserAttributes', 'DeleteUserAttributes', 'GetUserAttributeVerificationCode', 'VerifyUserAttribute',
  'ChangePassword', 'DeleteUser', 'ForgotPassword', 'ConfirmForgotPassword', 'AssociateSoftwareToken', 'VerifySoftwareToken',
  'SetUserMFAPreference', 'AdminCreateUser', 'AdminConfirmSignUp', 'AdminGetUser', 'ListUsers', 'AdminDeleteUser', 'AdminAddUserToGroup',
  'AdminRemoveUserFromGroup', 'AdminListGroupsForUser', 'ListGroups', 'AdminSetUserPassword', 'AdminResetUserPassword', 'AdminDisableUser',
  'AdminEnableUser', 'AdminUserGlobalSignOut', 'AdminUpdateUserAttributes',
];

describe('AWS JSON 1.1 protocol', () => {
  let h: AuthHarness;
  beforeEach(async () => {
    h = await authHarness();
  });
  afterEach(() => h.close());

  it('routes POSTs with the Cognito target and the pool discovery documents, nothing else', () => {
    const m = (req: Request) => h.service.matches(req, new URL(req.url));
    expect(m(new Request(`${ENDPOINT}/`, { method: 'POST', headers: { 'x-amz-target': 'AWSCognitoIdentityProviderService.SignUp' } }))).toBe(true);
    expect(m(new Request(`${ENDPOINT}/`, { method: 'POST', headers: { 'x-amz-target': 'AWSCognitoIdentityService.GetId' } }))).toBe(false);
    expect(m(new Request(`${ENDPOINT}/${POOL_ID}/.well-known/jwks.json`))).toBe(true);
    expect(m(new Request(`${ENDPOINT}/${POOL_ID}/.well-known/openid-configuration`))).toBe(true);
    expect(m(new Request(`${ENDPOINT}/graphql`, { method: 'POST' }))).toBe(false);
  });

  it('answers malformed JSON with SerializationException in the AWS error shape', async () => {
    const res = await h.service.fetch(
      new Request(`${ENDPOINT}/`, {
        method: 'POST',
        headers: { 'x-amz-target': 'AWSCognitoIdentityProviderService.SignUp', 'content-type': 'application/x-amz-json-1.1' },
        body: '{"ClientId": ',
      }),
    );
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('SerializationException');
    expect(res.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(((await res.json()) as { __type: string }).__type).toBe('SerializationException');
    expect((await h.call('SignUp', '[1,2]')).body.__type).toBe('SerializationException');
    expect((await h.call('SignUp', { ClientId: 42, Username: 'a@b.c', Password: PASSWORD })).body.__type).toBe('SerializationException');
  });

  it('answers an unknown operation with UnknownOperationException', async () => {
    const res = await h.call('CreateUserPool', {});
    expect(res.status).toBe(400);
    expect(res.body.__type).toBe('UnknownOperationException');
  });

  it('never answers 500: every operation survives empty, wrong-typed and garbage input', async () => {
    const bodies: unknown[] = [
      {},
      { ClientId: CLIENT_ID },
      { ClientId: CLIENT_ID, Username: '', Password: '', AccessToken: '', Session: 'x'.repeat(30) },
      { ClientId: CLIENT_ID, AuthFlow: 'USER_SRP_AUTH', AuthParameters: { USERNAME: 'x' }, ChallengeName: 'SMS_MFA', ChallengeResponses: {} },
      { ClientId: [], Username: {}, UserAttributes: 'nope', AuthParameters: [1], ChallengeResponses: { A: 1 } },
      { UserPoolId: POOL_ID, Username: 'nobody', AccessToken: 'a.b.c', Token: 'eyJ.x.y', RefreshToken: 'r', Limit: 'ten', Filter: '"' },
      { UserPoolId: POOL_ID, UserAttributes: [{ Value: 'x' }], GroupName: 'Admins', Password: 'P', ConfirmationCode: '1' },
      'null',
    ];
    const succeeded: string[] = [];
    for (const op of OPERATIONS) {
      for (const body of bodies) {
        const res = await h.call(op, body);
        expect(res.status, `${op} ${JSON.stringify(body)} → ${JSON.stringify(res.body)}`).toBeLessThan(500);
        if (res.status !== 200) expect(typeof res.body.__type).toBe('string');
        else succeeded.push(`${op} ${JSON.stringify(body)}`);
      }
    }
    // Only calls that are valid as sent succeed (unknown members are ignored, as AWS does).
    expect(succeeded.map((s) => s.split(' ')[0])).toEqual(['ListUsers', 'ListGroups']);
  });

  it('persists users, token sessions and keys across a restart', async () => {
    await h.signUpConfirmed('ada@example.com');
    const r = authResult(await h.srpSignIn('ada@example.com'));
    await h.call('AdminAddUserToGroup', { UserPoolId: POOL_ID, Username: 'ada@example.com', GroupName: 'Admins' });
    await h.restart();
    expect((await h.call('GetUser', { AccessToken: r.AccessToken })).status).toBe(200);
    expect((await h.call('GetTokensFromRefreshToken', { ClientId: CLIENT_ID, RefreshToken: r.RefreshToken })).status).toBe(200);
    expect((await h.srpSignIn('ada@example.com')).status).toBe(200);
    const groups = await h.call('AdminListGroupsForUser', { UserPoolId: POOL_ID, Username: 'ada@example.com' });
    expect(groups.body.Groups).toHaveLength(1);
  });

  it('keeps no password and no refresh token in clear in the data dir', async () => {
    await h.signUpConfirmed('ada@example.com');
    const r = authResult(await h.srpSignIn('ada@example.com'));
    await h.service.stop();
    const poolDir = `${h.dataDir}/${h.model.auth!.userPool.id}`;
    const everything = readdirSync(poolDir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => readFileSync(`${poolDir}/${f}`, 'utf8'))
      .join('\n');
    expect(everything).toContain('ada@example.com');
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toContain(r.RefreshToken!);
    await h.restart();
  });

  it('reset() drops users and invalidates issued tokens', async () => {
    await h.signUpConfirmed('ada@example.com');
    const r = authResult(await h.srpSignIn('ada@example.com'));
    await h.service.reset();
    expect((await h.call('GetUser', { AccessToken: r.AccessToken })).body.__type).toBe('NotAuthorizedException');
    expect((await h.call('ListUsers', { UserPoolId: POOL_ID })).body.Users).toEqual([]);
    await h.restart();
    expect((await h.call('ListUsers', { UserPoolId: POOL_ID })).body.Users).toEqual([]);
  });

  it('describes the pool, its issuer and the admin access rule at start', () => {
    const lines = h.service.describe!().join('\n');
    expect(lines).toContain(POOL_ID);
    expect(lines).toContain(`${ENDPOINT}/${POOL_ID}/.well-known/jwks.json`);
    expect(lines).toContain('admin APIs');
  });
});
