import '../helpers/polyfills.js';
import { confirmSignUp, fetchAuthSession, signIn, signOut, signUp } from 'aws-amplify/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySigV4 } from '../../src/local/core/sigv4_verify.js';
import { configureTestClient } from '../helpers/amplify_client.js';
import { getTestModel, startLocalCloud, type TestLocalCloud } from '../helpers/local_cloud.js';
import { signForTest } from '../helpers/sigv4.js';

let cloud: TestLocalCloud;

beforeAll(async () => {
  // Only the two Cognito services: the post-confirmation trigger (functions → data) is not what this tests.
  cloud = await startLocalCloud({ model: await getTestModel(), services: ['auth', 'identity'] });
  configureTestClient(cloud.outputs);
});
afterAll(async () => {
  await cloud?.stop();
});

/** The real aws-amplify v6 client against the local identity pool, over HTTPS. */
describe('identity pool through aws-amplify', () => {
  it('gives a guest an identity id and credentials for the unauthenticated role', async () => {
    await signOut().catch(() => undefined);
    const session = await fetchAuthSession({ forceRefresh: true });
    expect(session.identityId).toMatch(/^us-east-1:[0-9a-f-]{36}$/);
    const creds = session.credentials!;
    expect(creds.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(creds.expiration!.getTime()).toBeGreaterThan(Date.now());

    const store = cloud.cloud.registry.get('identity.credentials');
    const issued = store.lookup(creds.accessKeyId);
    expect(issued).toMatchObject({ identityId: session.identityId, kind: 'unauthenticated', roleArn: cloud.cloud.model.auth!.identityPool!.unauthenticatedRoleArn });

    // The credentials the client holds sign requests the local cloud's verifier accepts.
    const req = await signForTest({
      url: `${cloud.endpoint}/graphql`,
      method: 'POST',
      body: '{}',
      credentials: creds,
      service: 'appsync',
      signingDate: new Date(),
    });
    const { credentials } = await verifySigV4(req, { service: 'appsync', region: 'us-east-1', credentials: store, clock: { now: () => Date.now() }, body: '{}' });
    expect(credentials.identityId).toBe(session.identityId);
  });

  it('keeps the guest identity id across fetchAuthSession calls (the client caches it)', async () => {
    const first = await fetchAuthSession();
    const again = await fetchAuthSession({ forceRefresh: true });
    expect(again.identityId).toBe(first.identityId);
  });

  it('gives a signed-in user their own identity (the guest identity is upgraded) and authenticated credentials', async () => {
    await signOut().catch(() => undefined);
    const guest = await fetchAuthSession({ forceRefresh: true });
    const email = 'erin@example.com';
    const password = 'Correct-Horse-9-battery!';
    await signUp({ username: email, password, options: { userAttributes: { email, phone_number: '+15555550123' } } });
    const code = (await cloud.outbox({ channel: 'email', to: email })).pop()?.code;
    await confirmSignUp({ username: email, confirmationCode: code! });
    const result = await signIn({ username: email, password });
    expect(result.isSignedIn).toBe(true);

    const session = await fetchAuthSession();
    expect(session.identityId).toBe(guest.identityId);
    const issued = cloud.cloud.registry.get('identity.credentials').lookup(session.credentials!.accessKeyId);
    expect(issued).toMatchObject({
      identityId: session.identityId,
      kind: 'authenticated',
      userSub: session.tokens!.idToken!.payload.sub,
      roleArn: cloud.cloud.model.auth!.identityPool!.authenticatedRoleArn,
    });

    // Signing out and back in finds the same identity through GetId with Logins.
    await signOut();
    await signIn({ username: email, password });
    expect((await fetchAuthSession()).identityId).toBe(session.identityId);
  });
});
