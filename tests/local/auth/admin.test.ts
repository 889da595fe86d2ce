import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signForTest } from '../../helpers/sigv4.js';
import { authHarness, backendModel, ENDPOINT, POOL_ID, type AuthHarness } from './harness.js';

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

const POOL_ARN = `arn:aws:cognito-idp:us-east-1:123456789012:userpool/${POOL_ID}`;

/** A backend whose post-confirmation function may add users to groups, nothing else (as `allow.resource(fn).to(['addUserToGroup'])` grants). */
function modelWithTriggerRole() {
  const model = backendModel();
  model.iam.roles.push({
    logicalId: 'PostConfirmationRole',
    arn: 'arn:aws:iam::123456789012:role/postConfirmation',
    name: 'postConfirmation',
    statements: [{ effect: 'Allow', actions: ['cognito-idp:AdminAddUserToGroup'], resources: [POOL_ARN] }],
  });
  return model;
}

describe('admin API authorization', () => {
  let h: AuthHarness;
  beforeEach(async () => {
    h = await authHarness({ model: modelWithTriggerRole() });
  });
  afterEach(() => h.close());

  const signed = (operation: string, body: unknown, c: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) =>
    signForTest({
      url: `${ENDPOINT}/`,
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${operation}` },
      body: JSON.stringify(body),
      credentials: c,
      service: 'cognito-idp',
      signingDate: new Date(h.clock.now()),
    });
  const typeOf = async (res: Response) => ((await res.json()) as { __type: string; message: string });

  it('lets a function role do what its IAM policy allows on the pool, and nothing else', async () => {
    await h.signUpConfirmed('ada@example.com');
    const fn = h.credentials.issueForRole('arn:aws:iam::123456789012:role/postConfirmation', 'post-confirmation', 900);
    const add = await h.service.fetch(await signed('AdminAddUserToGroup', { UserPoolId: POOL_ID, Username: 'ada@example.com', GroupName: 'Editors' }, fn));
    expect(add.status).toBe(200);
    const get = await h.service.fetch(await signed('AdminGetUser', { UserPoolId: POOL_ID, Username: 'ada@example.com' }, fn));
    expect(get.status).toBe(400);
    const refusal = await typeOf(get);
    expect(refusal.__type).toBe('AccessDeniedException');
    expect(refusal.message).toBe(
      `User: arn:aws:sts::123456789012:assumed-role/postConfirmation/post-confirmation is not authorized to perform: cognito-idp:AdminGetUser on resource: ${POOL_ARN} because no identity-based policy allows the cognito-idp:AdminGetUser action`,
    );
  });

  it('refuses a role without any cognito-idp grant, even for an unknown user (IAM before the lookup)', async () => {
    const other = h.credentials.issueForRole('arn:aws:iam::123456789012:role/unrelated', 'f', 900);
    const res = await h.service.fetch(await signed('AdminGetUser', { UserPoolId: POOL_ID, Username: 'ghost@example.com' }, other));
    expect((await typeOf(res)).__type).toBe('AccessDeniedException');
  });

  it('lets the developer keys (an administrator) call every admin operation', async () => {
    const res = await h.service.fetch(await signed('AdminGetUser', { UserPoolId: POOL_ID, Username: 'ghost@example.com' }, h.credentials.account));
    expect((await typeOf(res)).__type).toBe('UserNotFoundException');
  });

  it('refuses unknown credentials and bad signatures with the AWS JSON error names', async () => {
    const body = { UserPoolId: POOL_ID, Username: 'ghost@example.com' };
    const unknown = await h.service.fetch(await signed('AdminGetUser', body, { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'x' }));
    expect((await typeOf(unknown)).__type).toBe('UnrecognizedClientException');
    const forged = await h.service.fetch(await signed('AdminGetUser', body, { ...h.credentials.account, secretAccessKey: 'wrong' }));
    expect((await typeOf(forged)).__type).toBe('InvalidSignatureException');
  });

  it('refuses unsigned admin calls, from loopback too, with MissingAuthenticationTokenException', async () => {
    const res = await h.call('AdminGetUser', { UserPoolId: POOL_ID, Username: 'ghost@example.com' }, { unsigned: true });
    expect(res.status).toBe(403);
    expect(res.body.__type).toBe('MissingAuthenticationTokenException');
    const list = await h.call('ListUsers', { UserPoolId: POOL_ID }, { unsigned: true });
    expect(list.body.__type).toBe('MissingAuthenticationTokenException');
  });
});
