import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setRequestInfo } from '../../../src/local/core/request_info.js';
import type { CredentialStore, IssuedCredentials } from '../../../src/local/core/registry.js';
import { signForTest } from '../../helpers/sigv4.js';
import { authHarness, ENDPOINT, POOL_ID, type AuthHarness } from './harness.js';

const PHONE = { Name: 'phone_number', Value: '+15555550100' };

describe('admin API', () => {
  let h: AuthHarness;
  beforeEach(async () => {
    h = await authHarness();
  });
  afterEach(() => h.close());

  it('AdminCreateUser makes a FORCE_CHANGE_PASSWORD user with a generated uuid username', async () => {
    const res = await h.call('AdminCreateUser', {
      UserPoolId: POOL_ID,
      Username: 'eve@example.com',
      UserAttributes: [PHONE],
      MessageAction: 'SUPPRESS',
    });
    expect(res.status).toBe(200);
    const user = res.body.User as Record<string, unknown>;
    expect(user).toMatchObject({ UserStatus: 'FORCE_CHANGE_PASSWORD', Enabled: true });
    expect(user.Username).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof user.UserCreateDate).toBe('number');
    expect(h.outbox.messages).toHaveLength(0);
    const dup = await h.call('AdminCreateUser', { UserPoolId: POOL_ID, Username: 'eve@example.com', UserAttributes: [PHONE] });
    expect(dup.body).toEqual({ __type: 'UsernameExistsException', message: 'User account already exists' });
    const weak = await h.call('AdminCreateUser', { UserPoolId: POOL_ID, Username: 'x@example.com', UserAttributes: [PHONE], TemporaryPassword: 'weak' });
    expect(weak.body.__type).toBe('InvalidPasswordException');
  });

  it('AdminCreateUser RESEND re-invites only FORCE_CHANGE_PASSWORD users', async () => {
    await h.call('AdminCreateUser', { UserPoolId: POOL_ID, Username: 'eve@example.com', UserAttributes: [PHONE], MessageAction: 'SUPPRESS' });
    const resend = await h.call('AdminCreateUser', { UserPoolId: POOL_ID, Username: 'eve@example.com', MessageAction: 'RESEND', DesiredDeliveryMediums: ['SMS'] });
    expect(resend.status).toBe(200);
    expect(h.outbox.list({ channel: 'sms', to: '+15555550100' })).toHaveLength(1);
    await h.signUpConfirmed('ada@example.com', { phone: '+15555550101' });
    const confirmed = await h.call('AdminCreateUser', { UserPoolId: POOL_ID, Username: 'ada@example.com', MessageAction: 'RESEND' });
    expect(confirmed.body.__type).toBe('UnsupportedUserStateException');
  });

  it('AdminConfirmSignUp confirms without verifying the email', async () => {
    await h.call('SignUp', { ClientId: 'webclient00000000000000001', Username: 'bob@example.com', Password: 'Passw0rd!', UserAttributes: [PHONE] });
    expect((await h.call('AdminConfirmSignUp', { UserPoolId: POOL_ID, Username: 'bob@example.com' })).status).toBe(200);
    const user = await h.call('AdminGetUser', { UserPoolId: POOL_ID, Username: 'bob@example.com' });
    expect(user.body.UserStatus).toBe('CONFIRMED');
    expect(user.body.UserAttributes).toContainEqual({ Name: 'email_verified', Value: 'false' });
    const again = await h.call('AdminConfirmSignUp', { UserPoolId: POOL_ID, Username: 'bob@example.com' });
    expect(again.body).toEqual({ __type: 'NotAuthorizedException', message: 'User cannot be confirmed. Current status is CONFIRMED' });
  });

  it('answers unknown users and pools with UserNotFoundException / ResourceNotFoundException', async () => {
    expect((await h.call('AdminGetUser', { UserPoolId: POOL_ID, Username: 'ghost@example.com' })).body).toEqual({
      __type: 'UserNotFoundException',
      message: 'User does not exist.',
    });
    expect((await h.call('AdminGetUser', { UserPoolId: 'us-east-1_Nope', Username: 'ghost@example.com' })).body).toEqual({
      __type: 'ResourceNotFoundException',
      message: 'User pool us-east-1_Nope does not exist.',
    });
  });

  it('ListUsers filters with = and ^=, limits, and paginates', async () => {
    for (const [i, email] of ['ann@a.example', 'anna@b.example', 'bob@a.example', 'carl@c.example'].entries()) {
      await h.signUpConfirmed(email, { phone: `+1555555020${i}` });
      h.clock.advance(1000);
    }
    const list = async (body: Record<string, unknown>) => h.call('ListUsers', { UserPoolId: POOL_ID, ...body });
    const emails = (res: { body: Record<string, unknown> }) =>
      (res.body.Users as { Attributes: { Name: string; Value: string }[] }[]).map((u) => u.Attributes.find((a) => a.Name === 'email')?.Value);

    expect(emails(await list({ Filter: 'email = "bob@a.example"' }))).toEqual(['bob@a.example']);
    expect(emails(await list({ Filter: 'email ^= "ann"' }))).toEqual(['ann@a.example', 'anna@b.example']);
    expect(emails(await list({ Filter: 'cognito:user_status = "CONFIRMED"' }))).toHaveLength(4);
    expect(emails(await list({ Filter: 'status = "Disabled"' }))).toEqual([]);

    const page1 = await list({ Limit: 3 });
    expect(emails(page1)).toEqual(['ann@a.example', 'anna@b.example', 'bob@a.example']);
    expect(typeof page1.body.PaginationToken).toBe('string');
    const page2 = await list({ Limit: 3, PaginationToken: page1.body.PaginationToken });
    expect(emails(page2)).toEqual(['carl@c.example']);
    expect(page2.body.PaginationToken).toBeUndefined();

    const only = await list({ AttributesToGet: ['email'], Limit: 1 });
    expect((only.body.Users as { Attributes: unknown[] }[])[0].Attributes).toEqual([{ Name: 'email', Value: 'ann@a.example' }]);

    expect((await list({ Filter: 'email == nope' })).body).toEqual({ __type: 'InvalidParameterException', message: 'Error while parsing filter.' });
    expect((await list({ Filter: 'custom:tier = "x"' })).body.__type).toBe('InvalidParameterException');
    expect((await list({ Limit: 61 })).body.message).toContain("Value '61' at 'limit' failed to satisfy constraint");
    expect((await list({ PaginationToken: 'garbage' })).body.__type).toBe('InvalidParameterException');
  });

  it('adds and removes users from groups that exist in the template', async () => {
    await h.signUpConfirmed('ada@example.com');
    expect((await h.call('AdminAddUserToGroup', { UserPoolId: POOL_ID, Username: 'ada@example.com', GroupName: 'Admins' })).status).toBe(200);
    const groups = await h.call('AdminListGroupsForUser', { UserPoolId: POOL_ID, Username: 'ada@example.com' });
    expect(groups.body.Groups).toEqual([expect.objectContaining({ GroupName: 'Admins', UserPoolId: POOL_ID, Precedence: 0 })]);
    expect((await h.call('AdminAddUserToGroup', { UserPoolId: POOL_ID, Username: 'ada@example.com', GroupName: 'Nope' })).body).toEqual({
      __type: 'ResourceNotFoundException',
      message: 'Group not found.',
    });
    expect((await h.call('AdminRemoveUserFromGroup', { UserPoolId: POOL_ID, Username: 'ada@example.com', GroupName: 'Admins' })).status).toBe(200);
    expect((await h.call('AdminListGroupsForUser', { UserPoolId: POOL_ID, Username: 'ada@example.com' })).body.Groups).toEqual([]);
  });

  it('AdminDeleteUser removes the user and revokes its tokens', async () => {
    await h.signUpConfirmed('ada@example.com');
    const r = await h.srpSignIn('ada@example.com');
    const access = (r.body.AuthenticationResult as { AccessToken: string }).AccessToken;
    expect((await h.call('AdminDeleteUser', { UserPoolId: POOL_ID, Username: 'ada@example.com' })).status).toBe(200);
    expect((await h.call('GetUser', { AccessToken: access })).body.__type).toBe('NotAuthorizedException');
    expect((await h.call('AdminGetUser', { UserPoolId: POOL_ID, Username: 'ada@example.com' })).body.__type).toBe('UserNotFoundException');
  });

  it('AdminSetUserPassword sets permanent or temporary passwords', async () => {
    await h.signUpConfirmed('ada@example.com');
    await h.call('AdminSetUserPassword', { UserPoolId: POOL_ID, Username: 'ada@example.com', Password: 'Adm1n-set!', Permanent: true });
    expect((await h.srpSignIn('ada@example.com', 'Adm1n-set!')).status).toBe(200);
    await h.call('AdminSetUserPassword', { UserPoolId: POOL_ID, Username: 'ada@example.com', Password: 'Adm1n-tmp!', Permanent: false });
    expect((await h.srpSignIn('ada@example.com', 'Adm1n-tmp!')).body.ChallengeName).toBe('NEW_PASSWORD_REQUIRED');
  });
});

class Creds implements CredentialStore {
  readonly issued = new Map<string, IssuedCredentials>();
  lookup(id: string) {
    return this.issued.get(id);
  }
  issueForRole(roleArn: string, functionName: string, ttlSeconds: number): IssuedCredentials {
    const c: IssuedCredentials = {
      accessKeyId: `ASIAFN${this.issued.size.toString().padStart(14, '0')}`,
      secretAccessKey: 'fn-secret',
      sessionToken: 'fn-token',
      expiration: Date.now() + ttlSeconds * 1000,
      roleArn,
      functionName,
      kind: 'function',
    };
    this.issued.set(c.accessKeyId, c);
    return c;
  }
}

describe('admin API authorization', () => {
  let h: AuthHarness;
  const creds = new Creds();
  beforeEach(async () => {
    h = await authHarness();
    h.registry.provide('identity.credentials', creds);
  });
  afterEach(() => h.close());

  const body = JSON.stringify({ UserPoolId: POOL_ID, Username: 'ghost@example.com' });
  const sign = (c: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) =>
    signForTest({
      url: `${ENDPOINT}/`,
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.AdminGetUser' },
      body,
      credentials: c,
      service: 'cognito-idp',
      signingDate: new Date(h.clock.now()),
    });

  it('accepts SigV4 with credentials the local cloud issued (a function role)', async () => {
    const fn = creds.issueForRole('arn:aws:iam::123456789012:role/postConfirmation', 'post-confirmation', 900);
    const res = await h.service.fetch(await sign(fn));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { __type: string }).__type).toBe('UserNotFoundException');
  });

  it('refuses unknown credentials and bad signatures with the AWS JSON error names', async () => {
    const unknown = await h.service.fetch(await sign({ accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'x' }));
    expect(((await unknown.json()) as { __type: string }).__type).toBe('UnrecognizedClientException');
    const fn = creds.issueForRole('arn:aws:iam::123456789012:role/r', 'f', 900);
    const forged = await h.service.fetch(await sign({ ...fn, secretAccessKey: 'wrong' }));
    expect(((await forged.json()) as { __type: string }).__type).toBe('InvalidSignatureException');
  });

  it('accepts unsigned admin calls from loopback only', async () => {
    const make = () =>
      new Request(`${ENDPOINT}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.AdminGetUser' },
        body,
      });
    const local = make();
    setRequestInfo(local, { remoteAddress: '127.0.0.1' });
    expect(((await (await h.service.fetch(local)).json()) as { __type: string }).__type).toBe('UserNotFoundException');
    const remote = make();
    setRequestInfo(remote, { remoteAddress: '192.168.1.20' });
    const res = await h.service.fetch(remote);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { __type: string }).__type).toBe('MissingAuthenticationTokenException');
  });
});
