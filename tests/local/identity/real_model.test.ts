import { describe, expect, it } from 'vitest';
import { verifySigV4 } from '../../../src/local/core/sigv4_verify.js';
import { getTestModel } from '../../helpers/local_cloud.js';
import { signForTest } from '../../helpers/sigv4.js';
import { ENDPOINT, startIdentity } from './harness.js';

/** The identity pool as this repository's synthesized backend declares it. */
describe('identity pool from the synthesized backend', () => {
  it('serves the assembly pool: guests get its unauthenticated role, users its authenticated role', async () => {
    const model = await getTestModel();
    const pool = model.auth!.identityPool!;
    const h = await startIdentity({ model });
    expect(h.poolId).toBe(pool.id);
    expect(h.clientId).toBe(model.auth!.defaultClientId);

    const guestId = (await h.call('GetId', { IdentityPoolId: pool.id })).json.IdentityId as string;
    const guest = (await h.call('GetCredentialsForIdentity', { IdentityId: guestId })).json.Credentials as Record<string, string>;
    expect(h.credentials.lookup(guest.AccessKeyId)?.roleArn).toBe(pool.unauthenticatedRoleArn);

    const token = h.userPool.token({ sub: 'real-model-sub', username: 'someone@example.com' }, { clientId: h.clientId });
    const logins = { [h.loginsKey]: token };
    const userId = (await h.call('GetId', { IdentityPoolId: pool.id, Logins: logins })).json.IdentityId as string;
    const user = (await h.call('GetCredentialsForIdentity', { IdentityId: userId, Logins: logins })).json.Credentials as Record<string, string>;
    expect(h.credentials.lookup(user.AccessKeyId)).toMatchObject({ roleArn: pool.authenticatedRoleArn, userSub: 'real-model-sub', kind: 'authenticated' });

    const req = await signForTest({
      url: `${ENDPOINT}/graphql`,
      method: 'POST',
      body: '{}',
      credentials: { accessKeyId: user.AccessKeyId, secretAccessKey: user.SecretKey, sessionToken: user.SessionToken },
      service: 'appsync',
      region: model.region,
      signingDate: new Date(h.clock.now()),
    });
    const { credentials } = await verifySigV4(req, { service: 'appsync', region: model.region, credentials: h.credentials, clock: h.clock, body: '{}' });
    expect(credentials.identityId).toBe(userId);
  });

  it('honours the Gen 2 Token role mapping: a group role in the ID token wins', async () => {
    const model = await getTestModel();
    const h = await startIdentity({ model });
    const groupRole = 'arn:aws:iam::123456789012:role/ADMINSGroupRole';
    const token = h.userPool.token(
      { sub: 'admin-sub', username: 'admin@example.com' },
      { clientId: h.clientId, claims: { 'cognito:groups': ['ADMINS'], 'cognito:roles': [groupRole], 'cognito:preferred_role': groupRole } },
    );
    const logins = { [h.loginsKey]: token };
    const id = (await h.call('GetId', { IdentityPoolId: h.poolId, Logins: logins })).json.IdentityId as string;
    const creds = (await h.call('GetCredentialsForIdentity', { IdentityId: id, Logins: logins })).json.Credentials as Record<string, string>;
    expect(h.credentials.lookup(creds.AccessKeyId)?.roleArn).toBe(groupRole);
  });
});
