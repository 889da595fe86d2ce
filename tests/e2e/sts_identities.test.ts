import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  AdminListGroupsForUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  ListUsersCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackendModel } from '../../src/local/assembly/model.js';
import { DEFAULT_ACCOUNT_KEYS } from '../../src/local/core/account.js';
import { ManualClock } from '../../src/local/core/clock.js';
import { getTestModel, startLocalCloud, type TestLocalCloud } from '../helpers/local_cloud.js';
import { srpSignIn } from '../local/auth/harness.js';

/**
 * This repository's backend through the AWS SDK: GetCallerIdentity for every kind of credentials
 * the local cloud issues, AssumeRoleWithWebIdentity with the identity pool's OpenID tokens against
 * the generated roles' trust policies (aud and amr conditions), and the IAM-checked Cognito admin API.
 */

let cloud: TestLocalCloud;
let model: BackendModel;
type Keys = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
const PASSWORD = 'Correct-Horse-9-battery!';

const sts = (credentials?: Keys) =>
  new STSClient({ endpoint: cloud.endpoint, region: 'us-east-1', maxAttempts: 1, credentials: credentials ?? { accessKeyId: 'unused', secretAccessKey: 'unused' } });
const cognito = (credentials: Keys = DEFAULT_ACCOUNT_KEYS) => new CognitoIdentityProviderClient({ endpoint: cloud.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });

async function failure(p: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return { name: (err as Error).name, message: (err as Error).message };
  }
  throw new Error('expected the call to fail');
}

async function identityCall(operation: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${cloud.endpoint}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityService.${operation}` },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${operation}: ${JSON.stringify(json)}`);
  return json;
}

async function userPoolCall(operation: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${cloud.endpoint}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${operation}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** A guest identity's OpenID token, or a signed-in user's (GetOpenIdToken with the ID token in Logins). */
async function openIdToken(logins?: Record<string, string>): Promise<{ identityId: string; token: string }> {
  const pool = model.auth!.identityPool!;
  const { IdentityId } = await identityCall('GetId', { IdentityPoolId: pool.id, ...(logins ? { Logins: logins } : {}) });
  const { Token } = await identityCall('GetOpenIdToken', { IdentityId, ...(logins ? { Logins: logins } : {}) });
  return { identityId: IdentityId as string, token: Token as string };
}

async function signedInIdToken(email: string): Promise<string> {
  const auth = model.auth!;
  await cognito().send(
    new AdminCreateUserCommand({
      UserPoolId: auth.userPool.id,
      Username: email,
      MessageAction: 'SUPPRESS',
      UserAttributes: [
        { Name: 'email', Value: email },
        { Name: 'email_verified', Value: 'true' },
        { Name: 'phone_number', Value: '+15555550177' },
      ],
    }),
  );
  await cognito().send(new AdminSetUserPasswordCommand({ UserPoolId: auth.userPool.id, Username: email, Password: PASSWORD, Permanent: true }));
  const signedIn = await srpSignIn(userPoolCall, Date.now(), email, PASSWORD, auth.defaultClientId, auth.userPool.id);
  return (signedIn.body.AuthenticationResult as { IdToken: string }).IdToken;
}

beforeAll(async () => {
  model = await getTestModel();
  cloud = await startLocalCloud({ model, services: ['auth', 'identity', 'sts', 'storage'] });
});
afterAll(async () => {
  await cloud?.stop();
});

describe('GetCallerIdentity for every kind of credentials', () => {
  it('names the identity pool session, a function role session and the developer user', async () => {
    const pool = model.auth!.identityPool!;
    const { IdentityId } = await identityCall('GetId', { IdentityPoolId: pool.id });
    const { Credentials } = (await identityCall('GetCredentialsForIdentity', { IdentityId })) as { Credentials: { AccessKeyId: string; SecretKey: string; SessionToken: string } };
    const guest = await sts({ accessKeyId: Credentials.AccessKeyId, secretAccessKey: Credentials.SecretKey, sessionToken: Credentials.SessionToken }).send(new GetCallerIdentityCommand({}));
    const unauthRole = pool.unauthenticatedRoleArn!.split('/').pop();
    expect(guest.Arn).toBe(`arn:aws:sts::${model.accountId}:assumed-role/${unauthRole}/CognitoIdentityCredentials`);
    expect(guest.UserId).toMatch(/^AROA[A-Z0-9]{17}:CognitoIdentityCredentials$/);

    const fn = model.functions.find((f) => f.roleArn)!;
    const fnCreds = cloud.cloud.registry.get('identity.credentials').issueForRole(fn.roleArn!, fn.functionName, 900);
    const asFunction = await sts({ accessKeyId: fnCreds.accessKeyId, secretAccessKey: fnCreds.secretAccessKey, sessionToken: fnCreds.sessionToken }).send(new GetCallerIdentityCommand({}));
    expect(asFunction.Arn).toBe(`arn:aws:sts::${model.accountId}:assumed-role/${fn.roleArn!.split('/').pop()}/${fn.functionName}`);

    expect((await sts(DEFAULT_ACCOUNT_KEYS).send(new GetCallerIdentityCommand({}))).Arn).toBe(`arn:aws:iam::${model.accountId}:user/local-developer`);
  });
});

describe('the developer keys in other services', () => {
  it("write and read any S3 key, where the app's roles reach only their own paths", async () => {
    const bucket = model.storage!.buckets[0].bucketName;
    const s3 = new S3Client({ endpoint: cloud.endpoint, region: 'us-east-1', credentials: DEFAULT_ACCOUNT_KEYS, forcePathStyle: true, maxAttempts: 1 });
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'admin-only/report.txt', Body: 'quarterly' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'admin-only/report.txt' }));
    expect(await got.Body!.transformToString()).toBe('quarterly');
  });
});

describe('AssumeRoleWithWebIdentity with the identity pool\'s OpenID tokens', () => {
  it("lets a guest token assume the unauthenticated role, not the authenticated one (the trust policy's amr condition)", async () => {
    const pool = model.auth!.identityPool!;
    const { identityId, token } = await openIdToken();
    const out = await sts().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: pool.unauthenticatedRoleArn, RoleSessionName: 'guest', WebIdentityToken: token }));
    expect(out.SubjectFromWebIdentityToken).toBe(identityId);
    expect(out.Audience).toBe(pool.id);
    expect(out.Provider).toBe('https://cognito-identity.amazonaws.com');
    expect(out.AssumedRoleUser!.Arn).toBe(`arn:aws:sts::${model.accountId}:assumed-role/${pool.unauthenticatedRoleArn!.split('/').pop()}/guest`);
    const session = { accessKeyId: out.Credentials!.AccessKeyId!, secretAccessKey: out.Credentials!.SecretAccessKey!, sessionToken: out.Credentials!.SessionToken! };
    expect((await sts(session).send(new GetCallerIdentityCommand({}))).Arn).toBe(out.AssumedRoleUser!.Arn);
    // The session carries the identity, so `${cognito-identity.amazonaws.com:sub}` policies see it.
    expect(cloud.cloud.registry.get('identity.credentials').lookup(session.accessKeyId)).toMatchObject({ kind: 'assumed-role', identityId, identityPoolId: pool.id });

    const denied = await failure(sts().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: pool.authenticatedRoleArn, RoleSessionName: 'guest', WebIdentityToken: token })));
    expect(denied).toEqual({ name: 'AccessDenied', message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity' });
  });

  it("lets a signed-in user's token assume the authenticated role; the user pool ID token itself is not trusted by it", async () => {
    const pool = model.auth!.identityPool!;
    const idToken = await signedInIdToken('wendy@example.com');
    const provider = `${new URL(cloud.endpoint).host}/${model.auth!.userPool.id}`;
    const { token } = await openIdToken({ [provider]: idToken });
    const out = await sts().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: pool.authenticatedRoleArn, RoleSessionName: 'wendy', WebIdentityToken: token }));
    expect(out.AssumedRoleUser!.Arn).toContain('/wendy');
    expect((await failure(sts().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: pool.unauthenticatedRoleArn, RoleSessionName: 'wendy', WebIdentityToken: token })))).name).toBe('AccessDenied');
    // The generated roles trust cognito-identity.amazonaws.com only, not the user pool as an OIDC provider.
    expect((await failure(sts().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: pool.authenticatedRoleArn, RoleSessionName: 'wendy', WebIdentityToken: idToken })))).name).toBe('AccessDenied');
  });

  it('refuses a forged or foreign token with InvalidIdentityTokenException', async () => {
    const pool = model.auth!.identityPool!;
    const { token } = await openIdToken();
    const [h, p] = token.split('.');
    const forged = `${h}.${p}.${Buffer.from('not the signature').toString('base64url')}`;
    const refused = await failure(sts().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: pool.unauthenticatedRoleArn, RoleSessionName: 'x1', WebIdentityToken: forged })));
    expect(refused.name).toBe('InvalidIdentityTokenException');
    const foreignPayload = Buffer.from(JSON.stringify({ iss: 'https://accounts.example.com', sub: 'a', aud: 'b', exp: 9999999999 })).toString('base64url');
    const foreign = await failure(sts().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: pool.unauthenticatedRoleArn, RoleSessionName: 'x1', WebIdentityToken: `${h}.${foreignPayload}.sig` })));
    expect(foreign).toEqual({ name: 'InvalidIdentityTokenException', message: 'No OpenIDConnect provider found in your account for https://accounts.example.com' });
  });
});

describe('Cognito admin API under IAM', () => {
  it('lets the developer keys manage users through the SDK', async () => {
    const poolId = model.auth!.userPool.id;
    const created = await cognito().send(
      new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'zed@example.com', MessageAction: 'SUPPRESS', UserAttributes: [{ Name: 'phone_number', Value: '+15555550188' }] }),
    );
    expect(created.User!.UserStatus).toBe('FORCE_CHANGE_PASSWORD');
    const group = model.auth!.userPool.groups[0]?.name;
    if (group) {
      await cognito().send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: 'zed@example.com', GroupName: group }));
      expect((await cognito().send(new AdminListGroupsForUserCommand({ UserPoolId: poolId, Username: 'zed@example.com' }))).Groups!.map((g) => g.GroupName)).toEqual([group]);
    }
    const listed = await cognito().send(new ListUsersCommand({ UserPoolId: poolId, Filter: 'email = "zed@example.com"' }));
    expect(listed.Users).toHaveLength(1);
    await cognito().send(new AdminDeleteUserCommand({ UserPoolId: poolId, Username: 'zed@example.com' }));
    expect((await failure(cognito().send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'zed@example.com' })))).name).toBe('UserNotFoundException');
  });

  it("refuses identity-pool credentials whose role grants no cognito-idp action, and unsigned or unknown callers", async () => {
    const poolId = model.auth!.userPool.id;
    const { IdentityId } = await identityCall('GetId', { IdentityPoolId: model.auth!.identityPool!.id });
    const { Credentials } = (await identityCall('GetCredentialsForIdentity', { IdentityId })) as { Credentials: { AccessKeyId: string; SecretKey: string; SessionToken: string } };
    const guest = cognito({ accessKeyId: Credentials.AccessKeyId, secretAccessKey: Credentials.SecretKey, sessionToken: Credentials.SessionToken });
    const denied = await failure(guest.send(new ListUsersCommand({ UserPoolId: poolId })));
    expect(denied.name).toBe('AccessDeniedException');
    expect(denied.message).toMatch(
      new RegExp(`^User: arn:aws:sts::${model.accountId}:assumed-role/[^/]+/CognitoIdentityCredentials is not authorized to perform: cognito-idp:ListUsers on resource: arn:aws:cognito-idp:us-east-1:${model.accountId}:userpool/${poolId} because no identity-based policy allows the cognito-idp:ListUsers action$`),
    );
    const unsigned = await userPoolCall('AdminGetUser', { UserPoolId: poolId, Username: 'zed@example.com' });
    expect(unsigned.body.__type).toBe('MissingAuthenticationTokenException');
    const unknown = await failure(cognito({ accessKeyId: 'AKIAFORGED0000000000', secretAccessKey: 'x'.repeat(40) }).send(new ListUsersCommand({ UserPoolId: poolId })));
    expect(unknown.name).toBe('UnrecognizedClientException');
  });
});

describe('AssumeRoleWithWebIdentity on a manual clock', () => {
  it('refuses an OpenID token past its 10 minutes with ExpiredTokenException', async () => {
    const clock = new ManualClock(Date.now());
    const timed = await startLocalCloud({ model, clock, services: ['auth', 'identity', 'sts'] });
    try {
      const call = async (operation: string, body: unknown) =>
        (await (
          await fetch(`${timed.endpoint}/`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityService.${operation}` },
            body: JSON.stringify(body),
          })
        ).json()) as Record<string, string>;
      const pool = model.auth!.identityPool!;
      const { IdentityId } = await call('GetId', { IdentityPoolId: pool.id });
      const { Token } = await call('GetOpenIdToken', { IdentityId });
      clock.advance(601 * 1000);
      const client = new STSClient({ endpoint: timed.endpoint, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' } });
      const expired = await failure(client.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: pool.unauthenticatedRoleArn, RoleSessionName: 'late', WebIdentityToken: Token })));
      expect(expired.name).toBe('ExpiredTokenException');
      expect(expired.message).toMatch(/^Token expired: current date\/time .+ must be before the expiration date\/time .+$/);
    } finally {
      await timed.stop();
    }
  });
});
