import { describe, expect, it } from 'vitest';
import type { BackendModel, IdentityPoolModel } from '../../../src/local/assembly/model.js';
import { AUTH_ROLE, identityModel, startIdentity } from './harness.js';

const SECOND_POOL = 'us-east-1:00000000-0000-4000-8000-0000000000b2';
const SECOND_ROLE = 'arn:aws:iam::123456789012:role/partners-authenticated';
const alice = { sub: '0a1b2c3d-0000-4000-8000-00000000a11c', username: 'alice' };

/** Two identity pools listing the same user pool, each with its own role and no guests in the second. */
function twoIdentityPools(): BackendModel {
  const base = identityModel();
  const first = base.auth!.identityPool!;
  const second: IdentityPoolModel = { ...first, logicalId: 'Second', id: SECOND_POOL, name: 'second', allowUnauthenticated: false, authenticatedRoleArn: SECOND_ROLE, unauthenticatedRoleArn: undefined };
  return { ...base, auth: { ...base.auth!, identityPools: [first, second] } };
}

describe('several identity pools', () => {
  it("gives a user one identity per identity pool, each with that pool's role", async () => {
    const h = await startIdentity({ model: twoIdentityPools() });
    const logins = () => ({ [h.loginsKey]: h.userPool.token(alice, { clientId: h.clientId }) });
    const inFirst = (await h.call('GetId', { IdentityPoolId: h.poolId, Logins: logins() })).json.IdentityId as string;
    const inSecond = (await h.call('GetId', { IdentityPoolId: SECOND_POOL, Logins: logins() })).json.IdentityId as string;
    expect(inSecond).not.toBe(inFirst);
    // Asked again, each pool finds its own identity of the user.
    expect((await h.call('GetId', { IdentityPoolId: SECOND_POOL, Logins: logins() })).json.IdentityId).toBe(inSecond);
    expect((await h.call('GetId', { IdentityPoolId: h.poolId, Logins: logins() })).json.IdentityId).toBe(inFirst);

    const creds = async (identityId: string) => {
      const res = await h.call('GetCredentialsForIdentity', { IdentityId: identityId, Logins: logins() });
      return h.credentials.lookup((res.json.Credentials as { AccessKeyId: string }).AccessKeyId);
    };
    expect(await creds(inFirst)).toMatchObject({ identityPoolId: h.poolId, roleArn: AUTH_ROLE });
    expect(await creds(inSecond)).toMatchObject({ identityPoolId: SECOND_POOL, roleArn: SECOND_ROLE });
    // Each pool's own settings: the second has no guests.
    expect((await h.call('GetId', { IdentityPoolId: SECOND_POOL })).type).toBe('NotAuthorizedException');
    expect((await h.call('GetId', { IdentityPoolId: h.poolId })).json.IdentityId).toMatch(/^us-east-1:/);
    expect((await h.call('GetId', { IdentityPoolId: 'us-east-1:00000000-0000-4000-8000-0000000000ff' })).type).toBe('ResourceNotFoundException');
  });
});
