import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SigV4Error } from '../../../src/local/core/sigv4_errors.js';
import { verifySigV4 } from '../../../src/local/core/sigv4_verify.js';
import { s3KeyPath, signForTest } from '../../helpers/sigv4.js';
import { AUTH_ROLE, ENDPOINT, identityModel, NOW, startIdentity, UNAUTH_ROLE, type IdentityHarness } from './harness.js';
import { otherKey, StubUserPool } from './stub_token_verifier.js';

const alice = { sub: '0a1b2c3d-0000-4000-8000-00000000a11c', username: 'alice' };
const bob = { sub: '0a1b2c3d-0000-4000-8000-000000000b0b', username: 'bob' };

function idToken(h: IdentityHarness, user = alice, extra: Parameters<StubUserPool['token']>[1] extends infer O ? Partial<O> : never = {}): string {
  return h.userPool.token(user, { clientId: h.clientId, ...extra });
}

async function signedInIdentity(h: IdentityHarness, user = alice): Promise<string> {
  const res = await h.call('GetId', { IdentityPoolId: h.poolId, Logins: { [h.loginsKey]: idToken(h, user) } });
  expect(res.status).toBe(200);
  return res.json.IdentityId as string;
}

async function credentialsFor(h: IdentityHarness, identityId: string, logins?: Record<string, string>) {
  return h.call('GetCredentialsForIdentity', { IdentityId: identityId, ...(logins ? { Logins: logins } : {}) });
}

describe('identity pool: signed-in users', () => {
  it('gives a signed-in user an identity id in the pool region, the same one on every GetId', async () => {
    const h = await startIdentity();
    const first = await signedInIdentity(h);
    expect(first).toMatch(/^us-east-1:[0-9a-f-]{36}$/);
    h.clock.advance(5 * 60_000);
    expect(await signedInIdentity(h)).toBe(first);
    expect(await signedInIdentity(h, bob)).not.toBe(first);
  });

  it('returns one hour of credentials for the authenticated role, shaped like Cognito', async () => {
    const h = await startIdentity();
    const identityId = await signedInIdentity(h);
    const res = await credentialsFor(h, identityId, { [h.loginsKey]: idToken(h) });
    expect(res.status).toBe(200);
    const creds = res.json.Credentials as Record<string, unknown>;
    expect(res.json.IdentityId).toBe(identityId);
    expect(creds.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(creds.SecretKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
    expect(typeof creds.SessionToken).toBe('string');
    expect(creds.Expiration).toBe(NOW / 1000 + 3600);
  });

  it('lets other services look up who holds the credentials through identity.credentials', async () => {
    const h = await startIdentity();
    const identityId = await signedInIdentity(h);
    const creds = (await credentialsFor(h, identityId, { [h.loginsKey]: idToken(h) })).json.Credentials as Record<string, string>;
    expect(h.credentials.lookup(creds.AccessKeyId)).toEqual({
      accessKeyId: creds.AccessKeyId,
      secretAccessKey: creds.SecretKey,
      sessionToken: creds.SessionToken,
      expiration: NOW + 3600_000,
      roleArn: AUTH_ROLE,
      identityId,
      identityPoolId: h.poolId,
      kind: 'authenticated',
      userSub: alice.sub,
      userPoolId: h.model.auth!.userPool.id,
      username: 'alice',
    });
    expect(h.credentials.lookup('ASIAAAAAAAAAAAAAAAAA')).toBeUndefined();
  });

  it('refuses credentials for a signed-in identity when the Logins are missing', async () => {
    const h = await startIdentity();
    const identityId = await signedInIdentity(h);
    const res = await credentialsFor(h, identityId);
    expect(res.status).toBe(400);
    expect(res.type).toBe('NotAuthorizedException');
    expect(res.json.message).toBe(`Access to Identity '${identityId}' is forbidden.`);
  });

  it("refuses credentials for one user's identity with another user's token", async () => {
    const h = await startIdentity();
    const aliceId = await signedInIdentity(h);
    await signedInIdentity(h, bob);
    const res = await credentialsFor(h, aliceId, { [h.loginsKey]: idToken(h, bob) });
    expect(res.type).toBe('NotAuthorizedException');
    expect(res.json.message).toMatch(/^Logins don't match/);
  });
});

describe('identity pool: guests', () => {
  it('gives guests a new identity and credentials for the unauthenticated role', async () => {
    const h = await startIdentity();
    const got = await h.call('GetId', { IdentityPoolId: h.poolId });
    const identityId = got.json.IdentityId as string;
    expect(identityId).toMatch(/^us-east-1:/);
    const res = await credentialsFor(h, identityId);
    expect(res.status).toBe(200);
    const record = h.credentials.lookup((res.json.Credentials as Record<string, string>).AccessKeyId)!;
    expect(record).toMatchObject({ kind: 'unauthenticated', roleArn: UNAUTH_ROLE, identityId, identityPoolId: h.poolId });
    expect(record.userSub).toBeUndefined();
  });

  it('refuses guests when the pool does not allow unauthenticated identities', async () => {
    const h = await startIdentity({ model: identityModel({ allowUnauthenticated: false }) });
    const res = await h.call('GetId', { IdentityPoolId: h.poolId });
    expect(res.status).toBe(400);
    expect(res.type).toBe('NotAuthorizedException');
    expect(res.json.message).toBe('Unauthenticated access is not supported for this identity pool.');
    // Signed-in users still get identities.
    expect(await signedInIdentity(h)).toMatch(/^us-east-1:/);
  });

  it('keeps a guest identity id when the guest signs in (the identity becomes authenticated)', async () => {
    const h = await startIdentity();
    const guestId = (await h.call('GetId', { IdentityPoolId: h.poolId })).json.IdentityId as string;
    const res = await credentialsFor(h, guestId, { [h.loginsKey]: idToken(h) });
    expect(res.json.IdentityId).toBe(guestId);
    expect(h.credentials.lookup((res.json.Credentials as Record<string, string>).AccessKeyId)?.kind).toBe('authenticated');
    expect(await signedInIdentity(h)).toBe(guestId);
    expect((await credentialsFor(h, guestId)).type).toBe('NotAuthorizedException');
  });

  it("merges a guest identity into the user's existing identity when a returning user signs in", async () => {
    const h = await startIdentity();
    const aliceId = await signedInIdentity(h);
    const guestId = (await h.call('GetId', { IdentityPoolId: h.poolId })).json.IdentityId as string;
    const res = await credentialsFor(h, guestId, { [h.loginsKey]: idToken(h) });
    expect(res.json.IdentityId).toBe(aliceId);
    const gone = await credentialsFor(h, guestId);
    expect(gone.type).toBe('ResourceNotFoundException');
    expect(gone.json.message).toBe(`Identity '${guestId}' not found.`);
  });
});

describe('identity pool: rejected logins', () => {
  it('rejects a token signed by another key', async () => {
    const h = await startIdentity();
    const forged = idToken(h, alice, { signWith: otherKey() });
    const res = await h.call('GetId', { IdentityPoolId: h.poolId, Logins: { [h.loginsKey]: forged } });
    expect(res.status).toBe(400);
    expect(res.type).toBe('NotAuthorizedException');
    expect(res.json.message).toBe("Invalid login token. Couldn't verify signed token.");
  });

  it('rejects an expired ID token', async () => {
    const h = await startIdentity();
    const token = idToken(h, alice, { ttlSeconds: 60 });
    h.clock.advance(61_000);
    const res = await h.call('GetId', { IdentityPoolId: h.poolId, Logins: { [h.loginsKey]: token } });
    expect(res.type).toBe('NotAuthorizedException');
    expect(res.json.message).toMatch(/^Invalid login token\. Token expired: \d+ >= \d+$/);
  });

  it("rejects a token from a user pool that is not one of the pool's providers", async () => {
    const h = await startIdentity();
    const foreign = new StubUserPool(ENDPOINT, 'us-east-1_Foreign01', h.clock, 1);
    const token = foreign.token(alice, { clientId: h.clientId });
    const res = await h.call('GetId', { IdentityPoolId: h.poolId, Logins: { '127.0.0.1:20002/us-east-1_Foreign01': token } });
    expect(res.type).toBe('NotAuthorizedException');
    expect(res.json.message).toBe('Token is not from a supported provider of this identity pool.');
    // The same foreign token under our provider's key fails verification.
    const under = await h.call('GetId', { IdentityPoolId: h.poolId, Logins: { [h.loginsKey]: token } });
    expect(under.type).toBe('NotAuthorizedException');
    expect(under.json.message).toMatch(/^Invalid login token\./);
  });

  it('rejects an ID token issued to another app client and an access token', async () => {
    const h = await startIdentity();
    const otherClient = h.userPool.token(alice, { clientId: 'someotherclient00000000001' });
    const res = await h.call('GetId', { IdentityPoolId: h.poolId, Logins: { [h.loginsKey]: otherClient } });
    expect(res.json.message).toBe('Invalid login token. Incorrect token audience.');
    const access = h.userPool.token(alice, { clientId: h.clientId, use: 'access' });
    const res2 = await h.call('GetId', { IdentityPoolId: h.poolId, Logins: { [h.loginsKey]: access } });
    expect(res2.type).toBe('NotAuthorizedException');
    expect(res2.json.message).toMatch(/^Invalid login token\. Not a valid OpenId Connect identity token\./);
  });

  it('rejects a Logins key that is not the token issuer without the scheme', async () => {
    const h = await startIdentity();
    const res = await h.call('GetId', { IdentityPoolId: h.poolId, Logins: { [`https://${h.loginsKey}`]: idToken(h) } });
    expect(res.json.message).toBe('Token is not from a supported provider of this identity pool.');
  });

  it('rejects logins when no user pool is running to verify them', async () => {
    const h = await startIdentity({ withUserPool: false });
    const res = await h.call('GetId', { IdentityPoolId: h.poolId, Logins: { [h.loginsKey]: 'eyJ.x.y' } });
    expect(res.type).toBe('NotAuthorizedException');
    expect(res.json.message).toContain('((local:');
  });

  it('creates no identity for a rejected login', async () => {
    const h = await startIdentity();
    await h.call('GetId', { IdentityPoolId: h.poolId, Logins: { [h.loginsKey]: idToken(h, alice, { signWith: otherKey() }) } });
    expect(existsSync(path.join(h.dataDir, 'identities.json'))).toBe(false);
  });
});

describe('identity pool: bad input never crashes', () => {
  it('answers a foreign IdentityPoolId and an unknown IdentityId with ResourceNotFoundException', async () => {
    const h = await startIdentity();
    const pool = await h.call('GetId', { IdentityPoolId: 'us-east-1:00000000-0000-4000-8000-0000000000ff' });
    expect(pool.status).toBe(400);
    expect(pool.type).toBe('ResourceNotFoundException');
    expect(pool.json.message).toBe("IdentityPool 'us-east-1:00000000-0000-4000-8000-0000000000ff' not found.");
    const identity = await credentialsFor(h, 'us-east-1:00000000-0000-4000-8000-0000000000ee');
    expect(identity.type).toBe('ResourceNotFoundException');
  });

  it.each([
    ['GetId', {}, 'InvalidParameterException'],
    ['GetId', { IdentityPoolId: 'not an id' }, 'InvalidParameterException'],
    ['GetId', { IdentityPoolId: 42 }, 'SerializationException'],
    ['GetId', { IdentityPoolId: 'us-east-1:00000000-0000-4000-8000-000000000001', Logins: ['x'] }, 'SerializationException'],
    ['GetId', { IdentityPoolId: 'us-east-1:00000000-0000-4000-8000-000000000001', Logins: { k: 5 } }, 'SerializationException'],
    ['GetCredentialsForIdentity', { IdentityId: '' }, 'InvalidParameterException'],
    ['GetCredentialsForIdentity', { IdentityId: 'us-east-1:abc', CustomRoleArn: 'short' }, 'InvalidParameterException'],
    ['GetId', '{not json', 'SerializationException'],
    ['GetId', '[1,2]', 'SerializationException'],
    ['DescribeIdentity', {}, 'UnknownOperationException'],
  ])('%s with %j → %s', async (operation, body, type) => {
    const h = await startIdentity();
    const res = await h.call(operation, body);
    expect(res.status).toBe(400);
    expect(res.type).toBe(type);
    expect(res.json.__type).toBe(type);
    expect(typeof res.json.message).toBe('string');
  });

  it('routes only AWSCognitoIdentityService targets and refuses non-POST calls', async () => {
    const h = await startIdentity();
    const url = new URL(`${ENDPOINT}/`);
    const mk = (target: string, method = 'POST') => new Request(url, { method, headers: { 'x-amz-target': target } });
    expect(h.service.matches(mk('AWSCognitoIdentityService.GetId'), url)).toBe(true);
    expect(h.service.matches(mk('AWSCognitoIdentityProviderService.InitiateAuth'), url)).toBe(false);
    expect(h.service.matches(new Request(url), url)).toBe(false);
    const res = await h.service.fetch(mk('AWSCognitoIdentityService.GetId', 'GET'));
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
  });
});

describe('identity pool: persistence', () => {
  it('keeps identities and issued credentials across a restart', async () => {
    const h = await startIdentity();
    const identityId = await signedInIdentity(h);
    const guestId = (await h.call('GetId', { IdentityPoolId: h.poolId })).json.IdentityId as string;
    const creds = (await credentialsFor(h, identityId, { [h.loginsKey]: idToken(h) })).json.Credentials as Record<string, string>;
    const fn = h.credentials.issueForRole('arn:aws:iam::123456789012:role/fnRole', 'post-processor-fn', 900);

    const h2 = await h.restart();
    expect(await signedInIdentity(h2)).toBe(identityId);
    expect((await credentialsFor(h2, guestId)).status).toBe(200);
    expect(h2.credentials.lookup(creds.AccessKeyId)?.identityId).toBe(identityId);
    expect(h2.credentials.lookup(fn.accessKeyId)?.functionName).toBe('post-processor-fn');
  });

  it('writes state atomically as JSON files, leaving no temp files behind', async () => {
    const h = await startIdentity();
    await signedInIdentity(h);
    await credentialsFor(h, await signedInIdentity(h), { [h.loginsKey]: idToken(h) });
    expect(readdirSync(h.dataDir).sort()).toEqual(['credentials.json', 'identities.json']);
    const parsed = JSON.parse(readFileSync(path.join(h.dataDir, 'identities.json'), 'utf8')) as { identities: unknown[] };
    expect(parsed.identities).toHaveLength(1);
  });

  it('forgets everything on reset', async () => {
    const h = await startIdentity();
    const identityId = await signedInIdentity(h);
    const creds = (await credentialsFor(h, identityId, { [h.loginsKey]: idToken(h) })).json.Credentials as Record<string, string>;
    await h.service.reset();
    expect(h.credentials.lookup(creds.AccessKeyId)).toBeUndefined();
    expect((await credentialsFor(h, identityId, { [h.loginsKey]: idToken(h) })).type).toBe('ResourceNotFoundException');
    const h2 = await h.restart();
    expect(h2.credentials.lookup(creds.AccessKeyId)).toBeUndefined();
  });

  it('keeps expired credentials for an hour (ExpiredToken, not unknown), then prunes them', async () => {
    const h = await startIdentity();
    const fn = h.credentials.issueForRole('arn:aws:iam::123456789012:role/fnRole', 'fn', 60);
    h.clock.advance(60_000 + 30 * 60_000);
    h.credentials.issueForRole('arn:aws:iam::123456789012:role/fnRole', 'fn', 60);
    expect(h.credentials.lookup(fn.accessKeyId)).toBeDefined();
    h.clock.advance(31 * 60_000);
    h.credentials.issueForRole('arn:aws:iam::123456789012:role/fnRole', 'fn', 60);
    expect(h.credentials.lookup(fn.accessKeyId)).toBeUndefined();
  });
});

describe('identity service without an identity pool', () => {
  it('answers ResourceNotFoundException for any pool and still mints function credentials', async () => {
    const model = { ...identityModel(), auth: { ...identityModel().auth!, identityPool: undefined } };
    const h = await startIdentity({ model, withUserPool: false });
    const res = await h.call('GetId', { IdentityPoolId: 'us-east-1:00000000-0000-4000-8000-000000000001' });
    expect(res.type).toBe('ResourceNotFoundException');
    const fn = h.credentials.issueForRole('arn:aws:iam::123456789012:role/fnRole', 'fn', 300);
    expect(h.credentials.lookup(fn.accessKeyId)?.kind).toBe('function');
    expect(h.service.describe?.()[0]).toMatch(/no identity pool/);
  });
});

describe('identity.credentials for functions', () => {
  it('mints distinct credentials for a function execution role with the requested lifetime', async () => {
    const h = await startIdentity();
    const a = h.credentials.issueForRole('arn:aws:iam::123456789012:role/fnRole', 'post-processor', 900);
    const b = h.credentials.issueForRole('arn:aws:iam::123456789012:role/fnRole', 'post-processor', 900);
    expect(a.accessKeyId).not.toBe(b.accessKeyId);
    expect(a).toMatchObject({ kind: 'function', functionName: 'post-processor', roleArn: 'arn:aws:iam::123456789012:role/fnRole', expiration: NOW + 900_000 });
    expect(a.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(h.credentials.lookup(a.accessKeyId)).toEqual(a);
  });
});

describe('identity pool: role mappings', () => {
  const adminRole = 'arn:aws:iam::123456789012:role/AdminsGroupRole';
  const editorRole = 'arn:aws:iam::123456789012:role/EditorsGroupRole';
  const tokenMapping = (resolution: 'AuthenticatedRole' | 'Deny') =>
    identityModel({
      roleMappings: [
        { provider: 'cognito-idp.us-east-1.amazonaws.com/us-east-1_Frame0001:frameclient0000000000000001', type: 'Token', ambiguousRoleResolution: resolution },
      ],
    });

  async function roleOf(h: IdentityHarness, claims: Record<string, unknown>, customRoleArn?: string) {
    const token = idToken(h, alice, { claims });
    const identityId = (await h.call('GetId', { IdentityPoolId: h.poolId, Logins: { [h.loginsKey]: token } })).json.IdentityId as string;
    const res = await h.call('GetCredentialsForIdentity', { IdentityId: identityId, Logins: { [h.loginsKey]: token }, ...(customRoleArn ? { CustomRoleArn: customRoleArn } : {}) });
    if (res.status !== 200) return res.type;
    return h.credentials.lookup((res.json.Credentials as Record<string, string>).AccessKeyId)!.roleArn;
  }

  it("uses the token's cognito:preferred_role with a Token mapping, else the authenticated role", async () => {
    const h = await startIdentity({ model: tokenMapping('AuthenticatedRole') });
    expect(await roleOf(h, { 'cognito:roles': [adminRole], 'cognito:preferred_role': adminRole })).toBe(adminRole);
    expect(await roleOf(h, {})).toBe(AUTH_ROLE);
  });

  it('honours CustomRoleArn only when it is one of cognito:roles', async () => {
    const h = await startIdentity({ model: tokenMapping('AuthenticatedRole') });
    const claims = { 'cognito:roles': [adminRole, editorRole], 'cognito:preferred_role': adminRole };
    expect(await roleOf(h, claims, editorRole)).toBe(editorRole);
    expect(await roleOf(h, claims, 'arn:aws:iam::123456789012:role/NotMine')).toBe('NotAuthorizedException');
  });

  it('denies ambiguous roles when the mapping says Deny', async () => {
    const h = await startIdentity({ model: tokenMapping('Deny') });
    expect(await roleOf(h, { 'cognito:roles': [adminRole, editorRole] })).toBe('NotAuthorizedException');
    expect(await roleOf(h, {})).toBe(AUTH_ROLE);
  });

  it('answers InvalidIdentityPoolConfigurationException when the pool has no role for the caller', async () => {
    const h = await startIdentity({ model: identityModel({ unauthenticatedRoleArn: undefined }) });
    const guestId = (await h.call('GetId', { IdentityPoolId: h.poolId })).json.IdentityId as string;
    const res = await credentialsFor(h, guestId);
    expect(res.type).toBe('InvalidIdentityPoolConfigurationException');
  });
});

describe('identity pool: GetOpenIdToken', () => {
  const payloadOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;

  it('issues a ten-minute OpenID token naming the identity, the pool and how it authenticated', async () => {
    const h = await startIdentity();
    const identityId = await signedInIdentity(h);
    const res = await h.call('GetOpenIdToken', { IdentityId: identityId, Logins: { [h.loginsKey]: idToken(h) } });
    expect(res.json.IdentityId).toBe(identityId);
    const payload = payloadOf(res.json.Token as string);
    expect(payload).toMatchObject({ sub: identityId, aud: h.poolId, iat: NOW / 1000, exp: NOW / 1000 + 600 });
    expect(payload.amr).toEqual(['authenticated', h.loginsKey, `${h.loginsKey}:CognitoSignIn:${alice.sub}`]);
    const guestId = (await h.call('GetId', { IdentityPoolId: h.poolId })).json.IdentityId as string;
    expect(payloadOf((await h.call('GetOpenIdToken', { IdentityId: guestId })).json.Token as string).amr).toEqual(['unauthenticated']);
    expect((await h.call('GetOpenIdToken', { IdentityId: identityId })).type).toBe('NotAuthorizedException');
  });
});

describe('identity pool → SigV4 round trip', () => {
  it('credentials from GetCredentialsForIdentity sign requests that verifySigV4 accepts, and only untampered', async () => {
    const h = await startIdentity();
    const identityId = await signedInIdentity(h);
    const c = (await credentialsFor(h, identityId, { [h.loginsKey]: idToken(h) })).json.Credentials as Record<string, string>;
    const credentials = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretKey, sessionToken: c.SessionToken };
    const opts = { service: 's3', region: 'us-east-1', credentials: h.credentials, clock: h.clock, allowUnsignedPayload: true };
    const key = `private/${identityId}/photo 1.jpg`;
    const req = await signForTest({
      url: `${ENDPOINT}${s3KeyPath('frame.media.local', key)}`,
      method: 'PUT',
      body: 'jpeg',
      credentials,
      service: 's3',
      signingDate: new Date(h.clock.now()),
    });
    const verified = await verifySigV4(req, { ...opts, body: 'jpeg' });
    expect(verified.credentials).toMatchObject({ identityId, userSub: alice.sub, kind: 'authenticated', roleArn: AUTH_ROLE });

    const tampered = await verifySigV4(req, { ...opts, body: 'other' }).catch((e: unknown) => e);
    expect(tampered).toBeInstanceOf(SigV4Error);
    expect((tampered as SigV4Error).code).toBe('XAmzContentSHA256Mismatch');
    const wrongSecret = await signForTest({
      url: `${ENDPOINT}${s3KeyPath('frame.media.local', key)}`,
      credentials: { ...credentials, secretAccessKey: `${credentials.secretAccessKey.slice(0, -1)}A` },
      service: 's3',
      signingDate: new Date(h.clock.now()),
    });
    expect(((await verifySigV4(wrongSecret, opts).catch((e: unknown) => e)) as SigV4Error).code).toBe('SignatureDoesNotMatch');

    h.clock.advance(3600_000);
    const late = await signForTest({ url: `${ENDPOINT}${s3KeyPath('frame.media.local', key)}`, credentials, service: 's3', signingDate: new Date(h.clock.now()) });
    expect(((await verifySigV4(late, opts).catch((e: unknown) => e)) as SigV4Error).code).toBe('ExpiredToken');
  });

  it('signs IAM GraphQL requests (service appsync) for guests too', async () => {
    const h = await startIdentity();
    const guestId = (await h.call('GetId', { IdentityPoolId: h.poolId })).json.IdentityId as string;
    const c = (await credentialsFor(h, guestId)).json.Credentials as Record<string, string>;
    const body = JSON.stringify({ query: '{ listPosts { items { id } } }' });
    const req = await signForTest({
      url: `${ENDPOINT}/graphql`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretKey, sessionToken: c.SessionToken },
      service: 'appsync',
      signingDate: new Date(h.clock.now()),
    });
    const { credentials } = await verifySigV4(req, { service: 'appsync', region: 'us-east-1', credentials: h.credentials, clock: h.clock, body });
    expect(credentials).toMatchObject({ identityId: guestId, kind: 'unauthenticated', roleArn: UNAUTH_ROLE });
  });
});
