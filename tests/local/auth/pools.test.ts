import { existsSync, readdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuthModel } from '../../../src/local/assembly/model.js';
import { poolVerifier } from '../../../src/local/core/registry.js';
import { authHarness, authModel, authResult, backendModel, CLIENT_ID, decodePayload, ENDPOINT, PASSWORD, POOL_ID, srpSignIn, type AuthHarness } from './harness.js';

const OTHER_POOL = 'us-east-1_OtHeRpOoL';
const OTHER_CLIENT = 'otherclient000000000000001';

/** The harness pool plus a second pool with its own client (no phone required, so sign-up differs). */
function twoPools(): AuthModel {
  const primary = authModel();
  const second = authModel({ pool: { id: OTHER_POOL, name: 'other' }, client: { id: OTHER_CLIENT } });
  return {
    ...primary,
    userPools: [
      { userPool: primary.userPool, clients: primary.clients },
      { userPool: second.userPool, clients: second.clients },
    ],
  };
}

let h: AuthHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('several user pools in one auth service', () => {
  it('routes each call to the pool its ClientId, UserPoolId or AccessToken names; the pools share no users', async () => {
    h = await authHarness({ model: backendModel(twoPools()) });
    await h.signUpConfirmed('ada@example.com');
    const a = authResult(await h.srpSignIn('ada@example.com'));
    // Not in the other pool: its client and its admin API do not know ada.
    expect((await srpSignIn(h.call, h.clock.now(), 'ada@example.com', PASSWORD, OTHER_CLIENT, OTHER_POOL)).body.__type).toMatch(/^(NotAuthorizedException|UserNotFoundException)$/);
    expect((await h.call('AdminGetUser', { UserPoolId: OTHER_POOL, Username: 'ada@example.com' })).body.__type).toBe('UserNotFoundException');
    expect((await h.call('AdminGetUser', { UserPoolId: POOL_ID, Username: 'ada@example.com' })).status).toBe(200);

    const up = await h.call('SignUp', {
      ClientId: OTHER_CLIENT,
      Username: 'bo@example.com',
      Password: PASSWORD,
      UserAttributes: [{ Name: 'phone_number', Value: '+15555550101' }],
    });
    expect(up.status).toBe(200);
    await h.call('ConfirmSignUp', { ClientId: OTHER_CLIENT, Username: 'bo@example.com', ConfirmationCode: h.outbox.lastCode('bo@example.com') });
    const b = authResult(await srpSignIn(h.call, h.clock.now(), 'bo@example.com', PASSWORD, OTHER_CLIENT, OTHER_POOL));
    expect(decodePayload(b.AccessToken).iss).toBe(`${ENDPOINT}/${OTHER_POOL}`);
    expect(decodePayload(a.AccessToken).iss).toBe(`${ENDPOINT}/${POOL_ID}`);

    // Access tokens find their own pool.
    expect((await h.call('GetUser', { AccessToken: b.AccessToken })).body.Username).toBe(decodePayload(b.AccessToken).username);
    expect((await h.call('GetUser', { AccessToken: a.AccessToken })).body.Username).toBe(decodePayload(a.AccessToken).username);
    // Refresh tokens only at their own pool's client.
    const crossed = await h.call('GetTokensFromRefreshToken', { ClientId: CLIENT_ID, RefreshToken: b.RefreshToken });
    expect(crossed.body).toMatchObject({ __type: 'NotAuthorizedException', message: 'Invalid Refresh Token' });
    expect((await h.call('GetTokensFromRefreshToken', { ClientId: OTHER_CLIENT, RefreshToken: b.RefreshToken })).status).toBe(200);
  });

  it("verifies a token only with its own pool's key: forPool refuses the other pool's tokens", async () => {
    h = await authHarness({ model: backendModel(twoPools()) });
    await h.signUpConfirmed('ada@example.com');
    const a = authResult(await h.srpSignIn('ada@example.com'));
    const tokens = h.tokens();
    expect(tokens.userPoolId).toBe(POOL_ID);
    expect((await tokens.verify(a.AccessToken)).sub).toBe(decodePayload(a.AccessToken).sub);
    await expect(poolVerifier(tokens, OTHER_POOL)!.verify(a.AccessToken)).rejects.toMatchObject({ reason: 'signature' });
    expect(poolVerifier(tokens, 'us-east-1_NoSuchPol')).toBeUndefined();
  });

  it("serves each pool's JWKS under its own id, with different keys", async () => {
    h = await authHarness({ model: backendModel(twoPools()) });
    const jwks = async (poolId: string) => {
      const req = new Request(`${ENDPOINT}/${poolId}/.well-known/jwks.json`);
      expect(h!.service.matches!(req, new URL(req.url))).toBe(true);
      return ((await (await h!.service.fetch(req)).json()) as { keys: { kid: string; n: string }[] }).keys;
    };
    const [one, two] = [await jwks(POOL_ID), await jwks(OTHER_POOL)];
    expect(one[0].n).not.toBe(two[0].n);
    const unknown = new Request(`${ENDPOINT}/us-east-1_NoSuchPol/.well-known/jwks.json`);
    expect(h.service.matches!(unknown, new URL(unknown.url))).toBe(false);
  });

  it('moves a single-pool data dir into the pool folder: users, key and sessions survive', async () => {
    h = await authHarness();
    await h.signUpConfirmed('ada@example.com');
    const before = authResult(await h.srpSignIn('ada@example.com'));
    await h.service.stop();
    // The layout of data dirs written before pools had folders: everything in <data-dir>/auth/.
    const poolDir = path.join(h.dataDir, POOL_ID);
    for (const f of readdirSync(poolDir)) renameSync(path.join(poolDir, f), path.join(h.dataDir, f));
    expect(existsSync(path.join(h.dataDir, 'users.json'))).toBe(true);

    await h.restart();
    expect(existsSync(path.join(h.dataDir, 'users.json'))).toBe(false);
    expect(existsSync(path.join(poolDir, 'users.json'))).toBe(true);
    // Same signing key and token sessions: the earlier token is still good, and the user signs in.
    expect((await h.call('GetUser', { AccessToken: before.AccessToken })).status).toBe(200);
    expect((await h.srpSignIn('ada@example.com')).status).toBe(200);
  });
});
