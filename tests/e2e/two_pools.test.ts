import '../helpers/polyfills.js';
import {
  CognitoIdentityProviderClient,
  GetTokensFromRefreshTokenCommand,
  GetUserCommand,
  InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { confirmSignUp, fetchAuthSession, signIn, signUp } from 'aws-amplify/auth';
import { cognitoCredentialsProvider } from 'aws-amplify/auth/cognito';
import { generateClient } from 'aws-amplify/data';
import { createPublicKey, verify, type JsonWebKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBackendModel } from '../../src/local/assembly/load_assembly.js';
import { userPoolsOf, type BackendModel } from '../../src/local/assembly/model.js';
import type { AmplifyOutputs } from '../../src/local/outputs.js';
import { DEFAULT_ACCOUNT_KEYS } from '../../src/local/core/account.js';
import { getFixtureAssembly } from '../fixtures/assembly.js';
import { configureTestClient } from '../helpers/amplify_client.js';
import { startLocalCloud, type TestLocalCloud } from '../helpers/local_cloud.js';
import { srpSignIn } from '../local/auth/harness.js';
import { signForTest } from '../helpers/sigv4.js';

/**
 * tests/fixtures/two-pools: defineAuth's pool (A) next to a raw CDK user pool (B) with its own app
 * client and identity pool, driven by the real aws-amplify client (configured once per pool, as an
 * app using both would) and the AWS SDK.
 */

let cloud: TestLocalCloud;
let model: BackendModel;
let partners: { userPoolId: string; clientId: string; identityPoolId: string };
let sdk: CognitoIdentityProviderClient;

const PASSWORD = 'Correct-Horse-9-battery!';
const ALICE = 'alice@example.com';
const BOB = 'bob';
const BOB_EMAIL = 'bob@partner.example';

interface Tokens {
  accessToken: string;
  idToken: string;
  refreshToken: string;
  identityId?: string;
  accessKeyId?: string;
}
let a: Tokens;
let b: Tokens;

function configurePool(pool: 'A' | 'B'): void {
  const outputs = cloud.outputs;
  // The client remembers one identity id whatever the pool; an app switching pools forgets it.
  cognitoCredentialsProvider.clearCredentialsAndIdentityId();
  if (pool === 'A') {
    configureTestClient(outputs);
    return;
  }
  const auth = { ...outputs.auth! } as Record<string, unknown>;
  delete auth.username_attributes;
  configureTestClient({
    ...outputs,
    auth: { ...auth, user_pool_id: partners.userPoolId, user_pool_client_id: partners.clientId, identity_pool_id: partners.identityPoolId },
  } as AmplifyOutputs);
}

/** A refresh token of a fresh SRP sign-in (the client keeps its own out of reach). */
async function refreshTokenOf(username: string, clientId: string, poolId: string): Promise<string> {
  const res = await srpSignIn((op, body) => call('idp', op, body), Date.now(), username, PASSWORD, clientId, poolId);
  const token = (res.body.AuthenticationResult as { RefreshToken?: string } | undefined)?.RefreshToken;
  if (!token) throw new Error(`SRP sign-in failed: ${JSON.stringify(res.body)}`);
  return token;
}

async function signUpAndIn(username: string, email: string, clientId: string, poolId: string): Promise<Tokens> {
  await signUp({ username, password: PASSWORD, options: { userAttributes: { email } } });
  const code = (await cloud.outbox({ channel: 'email', to: email })).pop()?.code;
  await confirmSignUp({ username, confirmationCode: code! });
  const result = await signIn({ username, password: PASSWORD });
  expect(result.isSignedIn).toBe(true);
  const session = await fetchAuthSession();
  return {
    accessToken: session.tokens!.accessToken.toString(),
    idToken: session.tokens!.idToken!.toString(),
    refreshToken: await refreshTokenOf(username, clientId, poolId),
    identityId: session.identityId,
    accessKeyId: session.credentials?.accessKeyId,
  };
}

function payload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** An unsigned JSON 1.1 call (admin calls are accepted unsigned from loopback). */
async function call(service: 'idp' | 'identity', operation: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const prefix = service === 'idp' ? 'AWSCognitoIdentityProviderService' : 'AWSCognitoIdentityService';
  const init = {
    url: `${cloud.endpoint}/`,
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `${prefix}.${operation}` },
    body: JSON.stringify(body),
  };
  // Cognito's admin calls are signed (here with the developer keys) and IAM-checked.
  const admin = service === 'idp' && (operation.startsWith('Admin') || operation.startsWith('List'));
  const res = await fetch(admin ? await signForTest({ ...init, credentials: DEFAULT_ACCOUNT_KEYS, service: 'cognito-idp', signingDate: new Date() }) : new Request(init.url, init));
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function sdkError(p: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  model = loadBackendModel(await getFixtureAssembly('two-pools'), { region: 'us-east-1' });
  cloud = await startLocalCloud({ model });
  partners = (cloud.outputs.custom as { partners: typeof partners }).partners;
  sdk = new CognitoIdentityProviderClient({
    region: 'us-east-1',
    endpoint: cloud.endpoint,
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
  });
  configurePool('A');
  a = await signUpAndIn(ALICE, ALICE, model.auth!.defaultClientId, model.auth!.userPool.id);
  configurePool('B');
  b = await signUpAndIn(BOB, BOB_EMAIL, partners.clientId, partners.userPoolId);
}, 60_000);
afterAll(async () => {
  sdk?.destroy();
  await cloud?.stop();
});

describe('two user pools through aws-amplify and the AWS SDK', () => {
  it('loads both pools and both identity pools from the assembly, defineAuth first', () => {
    const pools = userPoolsOf(model);
    expect(pools.map((p) => p.userPool.id)).toEqual([cloud.outputs.auth!.user_pool_id, partners.userPoolId]);
    expect(pools[1].clients.map((c) => c.id)).toEqual([partners.clientId]);
    expect(pools[1].userPool.groups.map((g) => g.name)).toEqual(['Reviewers']);
    expect(model.auth!.identityPools!.map((p) => p.id)).toEqual([cloud.outputs.auth!.identity_pool_id, partners.identityPoolId]);
  });

  it("gives each pool its own issuer and signing key, published in that pool's JWKS", async () => {
    const issuers = [payload(a.idToken).iss, payload(b.idToken).iss];
    expect(issuers).toEqual([`${cloud.endpoint}/${cloud.outputs.auth!.user_pool_id}`, `${cloud.endpoint}/${partners.userPoolId}`]);
    for (const [token, issuer, other] of [
      [a.accessToken, issuers[0], issuers[1]],
      [b.accessToken, issuers[1], issuers[0]],
    ] as const) {
      const [h, p, s] = token.split('.');
      const kid = (JSON.parse(Buffer.from(h, 'base64url').toString()) as { kid: string }).kid;
      const keyOf = async (iss: unknown) => {
        const jwks = (await (await fetch(`${String(iss)}/.well-known/jwks.json`)).json()) as { keys: (JsonWebKey & { kid: string })[] };
        return jwks.keys.find((k) => k.kid === kid);
      };
      const own = await keyOf(issuer);
      expect(verify('RSA-SHA256', Buffer.from(`${h}.${p}`), createPublicKey({ key: own!, format: 'jwk' }), Buffer.from(s, 'base64url'))).toBe(true);
      expect(await keyOf(other)).toBeUndefined();
    }
  });

  it("answers GetUser for each pool's access token from that pool", async () => {
    expect((await sdk.send(new GetUserCommand({ AccessToken: a.accessToken }))).UserAttributes).toContainEqual({ Name: 'email', Value: ALICE });
    const bob = await sdk.send(new GetUserCommand({ AccessToken: b.accessToken }));
    expect(bob.Username).toBe(BOB);
  });

  it("refuses one pool's refresh token at the other pool's client, and each user at the other pool", async () => {
    const refreshA = sdk.send(new GetTokensFromRefreshTokenCommand({ ClientId: partners.clientId, RefreshToken: a.refreshToken }));
    expect(await sdkError(refreshA)).toMatchObject({ name: 'NotAuthorizedException', message: 'Invalid Refresh Token' });
    const refreshB = sdk.send(new GetTokensFromRefreshTokenCommand({ ClientId: model.auth!.defaultClientId, RefreshToken: b.refreshToken }));
    expect(await sdkError(refreshB)).toMatchObject({ name: 'NotAuthorizedException', message: 'Invalid Refresh Token' });
    // The right pool still refreshes them.
    const fresh = await sdk.send(new GetTokensFromRefreshTokenCommand({ ClientId: partners.clientId, RefreshToken: b.refreshToken }));
    expect(payload(fresh.AuthenticationResult!.AccessToken!).iss).toBe(payload(b.accessToken).iss);

    const aliceAtB = sdk.send(
      new InitiateAuthCommand({ ClientId: partners.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: ALICE, PASSWORD } }),
    );
    expect((await sdkError(aliceAtB)).name).toMatch(/^(NotAuthorizedException|UserNotFoundException)$/);
    expect((await srpSignIn((op, body) => call('idp', op, body), Date.now(), BOB, PASSWORD, model.auth!.defaultClientId, model.auth!.userPool.id)).body.__type).toMatch(
      /^(NotAuthorizedException|UserNotFoundException)$/,
    );
    const bobAtB = await sdk.send(
      new InitiateAuthCommand({ ClientId: partners.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: BOB, PASSWORD } }),
    );
    expect(bobAtB.AuthenticationResult?.AccessToken).toBeDefined();

    expect((await call('idp', 'AdminGetUser', { UserPoolId: cloud.outputs.auth!.user_pool_id, Username: BOB })).body.__type).toBe('UserNotFoundException');
    expect((await call('idp', 'AdminGetUser', { UserPoolId: partners.userPoolId, Username: BOB })).body).toMatchObject({ Username: BOB });
  });

  it("refuses a token of one pool re-labelled with the other pool's issuer (the signature is the other pool's)", async () => {
    const [h, , s] = b.accessToken.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...payload(b.accessToken), iss: payload(a.accessToken).iss })).toString('base64url')}.${s}`;
    expect(await sdkError(sdk.send(new GetUserCommand({ AccessToken: forged })))).toMatchObject({ name: 'NotAuthorizedException', message: 'Invalid Access Token' });
  });

  it('answers ResourceNotFoundException for a client or pool no local pool has', async () => {
    const unknownClient = sdk.send(
      new InitiateAuthCommand({ ClientId: 'nosuchclient0000000000000a', AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: BOB, PASSWORD } }),
    );
    expect(await sdkError(unknownClient)).toMatchObject({ name: 'ResourceNotFoundException' });
    const unknownPool = await call('idp', 'ListUsers', { UserPoolId: 'us-east-1_NoSuchPol' });
    expect(unknownPool).toMatchObject({ status: 400, body: { __type: 'ResourceNotFoundException', message: 'User pool us-east-1_NoSuchPol does not exist.' } });
  });

  it("gives credentials from pool B's identity pool for B's tokens only", async () => {
    const idp = (poolId: string) => `${new URL(cloud.endpoint).host}/${poolId}`;
    // What aws-amplify got for bob: an identity of B's identity pool with the partner role.
    const store = cloud.cloud.registry.get('identity.credentials');
    const partnerPool = model.auth!.identityPools![1];
    expect(store.lookup(b.accessKeyId!)).toMatchObject({
      identityPoolId: partners.identityPoolId,
      identityId: b.identityId,
      kind: 'authenticated',
      roleArn: partnerPool.authenticatedRoleArn,
      userPoolId: partners.userPoolId,
      userSub: payload(b.idToken).sub,
    });
    // Alice's token (pool A) at B's identity pool, under either pool's provider name.
    for (const key of [idp(cloud.outputs.auth!.user_pool_id), idp(partners.userPoolId)]) {
      const res = await call('identity', 'GetId', { IdentityPoolId: partners.identityPoolId, Logins: { [key]: a.idToken } });
      expect(res).toMatchObject({ status: 400, body: { __type: 'NotAuthorizedException' } });
    }
    // Bob's token at A's identity pool, which lists only pool A.
    const atA = await call('identity', 'GetId', { IdentityPoolId: cloud.outputs.auth!.identity_pool_id, Logins: { [idp(partners.userPoolId)]: b.idToken } });
    expect(atA).toMatchObject({ status: 400, body: { __type: 'NotAuthorizedException' } });
    // B's identity pool has no guests.
    expect((await call('identity', 'GetId', { IdentityPoolId: partners.identityPoolId })).body.__type).toBe('NotAuthorizedException');
    // And alice's identity is one of A's identity pool.
    expect(store.lookup(a.accessKeyId!)).toMatchObject({ identityPoolId: cloud.outputs.auth!.identity_pool_id, userPoolId: cloud.outputs.auth!.user_pool_id });
  });

});

/** A raw GraphQL call through the real client, in the given mode with the configured pool's user. */
async function gql(pool: 'A' | 'B', authMode: 'userPool' | 'oidc', query: string): Promise<{ data?: Record<string, unknown> | null; errors?: { errorType?: string; message: string }[] }> {
  configurePool(pool);
  try {
    return (await generateClient().graphql({ query, authMode })) as { data: Record<string, unknown> };
  } catch (err) {
    // The client throws the whole result (data + errors) when errors came back.
    return err as { errors: { errorType?: string; message: string }[] };
  }
}

describe("the data API's OPENID_CONNECT mode, with the second pool as its provider", () => {
  it("lets B's users read A's notes through OIDC, and owner rules use the OIDC token's sub", async () => {
    const created = await gql('A', 'userPool', 'mutation { createNote(input: { text: "from alice" }) { id owner } }');
    expect(created.errors).toBeUndefined();
    const listed = await gql('B', 'oidc', '{ listNotes { items { id text } } }');
    expect(listed.errors).toBeUndefined();
    expect((listed.data!.listNotes as { items: { text: string }[] }).items.map((n) => n.text)).toContain('from alice');

    const memo = await gql('B', 'oidc', 'mutation { createMemo(input: { text: "bob only" }) { id owner } }');
    expect(memo.errors).toBeUndefined();
    expect((memo.data!.createMemo as { owner: string }).owner).toBe(payload(b.accessToken).sub);
    const mine = await gql('B', 'oidc', '{ listMemos { items { text owner } } }');
    expect((mine.data!.listMemos as { items: { text: string }[] }).items.map((m) => m.text)).toEqual(['bob only']);
  });

  it("refuses B's tokens where only A's pool is allowed, and A's tokens where only OIDC is", async () => {
    const write = await gql('B', 'oidc', 'mutation { createNote(input: { text: "from bob" }) { id } }');
    expect(write.errors?.[0]).toMatchObject({ errorType: 'Unauthorized' });
    const memos = await gql('A', 'userPool', '{ listMemos { items { text } } }');
    expect(memos.errors?.[0]).toMatchObject({ errorType: 'Unauthorized' });
    // A's token presented as OIDC is still A's pool's token: a user-pool request, not B's OIDC.
    const alice = await gql('A', 'oidc', '{ listMemos { items { text } } }');
    expect(alice.errors?.[0]).toMatchObject({ errorType: 'Unauthorized' });
  });
});

describe('persistence with two pools', () => {
  it('keeps the users of both pools across a restart, each in its own folder', async () => {
    await cloud.restart();
    // Each user still signs in with SRP, and the new refresh token mints tokens of that user's own pool.
    for (const [user, clientId, poolId] of [
      [ALICE, model.auth!.defaultClientId, model.auth!.userPool.id],
      [BOB, partners.clientId, partners.userPoolId],
    ] as const) {
      const refreshed = await call('idp', 'InitiateAuth', { AuthFlow: 'REFRESH_TOKEN_AUTH', ClientId: clientId, AuthParameters: { REFRESH_TOKEN: await refreshTokenOf(user, clientId, poolId) } });
      expect(refreshed.status).toBe(200);
      const access = (refreshed.body.AuthenticationResult as { AccessToken: string }).AccessToken;
      expect(String(payload(access).iss).endsWith(`/${poolId}`)).toBe(true);
      expect(payload(access)).toMatchObject({ token_use: 'access', client_id: clientId });
    }
    for (const poolId of [model.auth!.userPool.id, partners.userPoolId]) {
      expect(existsSync(path.join(cloud.dataDir, 'auth', poolId, 'users.json'))).toBe(true);
    }
  });
});
