import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadAmplifySrp } from './amplify_srp.js';
import { authHarness, authResult, CLIENT_ID, decodePayload, PASSWORD, POOL_ID, type AuthHarness } from './harness.js';

describe('USER_SRP_AUTH with the real client SRP helpers of @aws-amplify/auth', () => {
  let h: AuthHarness;
  beforeEach(async () => {
    h = await authHarness();
  });
  afterEach(() => h.close());

  async function signInWithAmplifyHelpers(username: string, password: string) {
    const srp = await loadAmplifySrp();
    const poolName = POOL_ID.split('_')[1];
    const helper = await srp.getAuthenticationHelper(poolName);
    const init = await h.call('InitiateAuth', {
      AuthFlow: 'USER_SRP_AUTH',
      ClientId: CLIENT_ID,
      AuthParameters: { USERNAME: username, SRP_A: helper.A.toString(16) },
    });
    expect(init.status).toBe(200);
    expect(init.body.ChallengeName).toBe('PASSWORD_VERIFIER');
    const challengeParameters = init.body.ChallengeParameters as Record<string, string>;
    const hkdf = await helper.getPasswordAuthenticationKey({
      username: challengeParameters.USER_ID_FOR_SRP,
      password,
      serverBValue: new srp.BigInteger(challengeParameters.SRP_B, 16),
      salt: new srp.BigInteger(challengeParameters.SALT, 16),
    });
    const dateNow = srp.getNowString();
    return h.call('RespondToAuthChallenge', {
      ChallengeName: 'PASSWORD_VERIFIER',
      ClientId: CLIENT_ID,
      ChallengeResponses: {
        USERNAME: challengeParameters.USER_ID_FOR_SRP,
        PASSWORD_CLAIM_SECRET_BLOCK: challengeParameters.SECRET_BLOCK,
        TIMESTAMP: dateNow,
        PASSWORD_CLAIM_SIGNATURE: srp.getSignatureString({
          userPoolName: poolName,
          username: challengeParameters.USER_ID_FOR_SRP,
          challengeParameters,
          dateNow,
          hkdf,
        }),
      },
    });
  }

  it('signs in: the server derives the same key and checks the client signature', async () => {
    const sub = await h.signUpConfirmed('ada@example.com');
    const res = await signInWithAmplifyHelpers('ada@example.com', PASSWORD);
    expect(res.status).toBe(200);
    const claims = decodePayload(authResult(res).AccessToken);
    expect(claims.sub).toBe(sub);
    expect(claims.username).toBe(sub);
  });

  it('refuses the same client computation with a wrong password', async () => {
    await h.signUpConfirmed('ada@example.com');
    const res = await signInWithAmplifyHelpers('ada@example.com', 'Wr0ng-password');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ __type: 'NotAuthorizedException', message: 'Incorrect username or password.' });
  });

  it('signs in across many random ephemerals (covers leading-zero and high-bit paddings)', async () => {
    await h.signUpConfirmed('ada@example.com');
    for (let i = 0; i < 12; i++) {
      const res = await signInWithAmplifyHelpers('ADA@example.com', PASSWORD);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
  });
});
