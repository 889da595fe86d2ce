import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackendModel } from '../../../src/local/assembly/model.js';
import { clientSessionKey, claimSignature, formatSrpTimestamp, g, hexToBigInt, modPowN } from '../../../src/local/auth/srp.js';
import { cryptoIds } from '../../../src/local/core/clock.js';
import { getTestModel } from '../../helpers/local_cloud.js';
import { loadBackendModel } from '../../../src/local/assembly/load_assembly.js';
import { getOtherAssembly } from '../../fixtures/assembly.js';
import { authHarness, authResult, decodePayload, srpSignIn, type AuthHarness } from './harness.js';

/** The service configured from this repository's synthesized backend (amplify/auth/resource.ts + backend.ts). */
describe('user pool from the synthesized assembly', () => {
  let model: BackendModel;
  let h: AuthHarness;
  let clientId: string;
  let poolId: string;

  beforeAll(async () => {
    model = await getTestModel();
    h = await authHarness({ model });
    clientId = model.auth!.defaultClientId;
    poolId = model.auth!.userPool.id;
  });
  afterAll(() => h.close());

  const signUp = (username: string, attrs: { Name: string; Value: string }[], password = 'Passw0rd!') =>
    h.call('SignUp', { ClientId: clientId, Username: username, Password: password, UserAttributes: attrs });

  it('reads its configuration from the template: email username, phone required, the password policy', async () => {
    expect(poolId).toMatch(/^us-east-1_[0-9A-Za-z]{9}$/);
    expect((await signUp('nophone@example.com', [])).body).toEqual({
      __type: 'InvalidParameterException',
      message: 'Attributes did not conform to the schema: phone_number: The attribute is required',
    });
    expect((await signUp('weak@example.com', [{ Name: 'phone_number', Value: '+15555550100' }], 'password')).body.__type).toBe('InvalidPasswordException');
    expect((await signUp('not-an-email', [{ Name: 'phone_number', Value: '+15555550100' }])).body.message).toBe('Username should be an email.');
  });

  it('signs up with the template verification email, confirms and signs in with SRP', async () => {
    const up = await signUp('grace@example.com', [
      { Name: 'phone_number', Value: '+15555550123' },
      { Name: 'given_name', Value: 'Grace' },
    ]);
    expect(up.status).toBe(200);
    const msg = h.outbox.list({ to: 'grace@example.com' }).at(-1)!;
    expect(msg.subject).toBe('Your verification code');
    expect(msg.body).toBe(`Your verification code is ${msg.code}`);
    expect((await h.call('ConfirmSignUp', { ClientId: clientId, Username: 'grace@example.com', ConfirmationCode: msg.code })).status).toBe(200);

    const a = hexToBigInt(cryptoIds.bytes(128).toString('hex'));
    const A = modPowN(g, a);
    const init = await h.call('InitiateAuth', { AuthFlow: 'USER_SRP_AUTH', ClientId: clientId, AuthParameters: { USERNAME: 'grace@example.com', SRP_A: A.toString(16) } });
    const p = init.body.ChallengeParameters as Record<string, string>;
    const poolName = poolId.split('_')[1];
    const key = clientSessionKey({ poolName, username: p.USER_ID_FOR_SRP, password: 'Passw0rd!', saltHex: p.SALT, a, A, B: hexToBigInt(p.SRP_B) });
    const ts = formatSrpTimestamp(h.clock.now());
    const res = await h.call('RespondToAuthChallenge', {
      ChallengeName: 'PASSWORD_VERIFIER',
      ClientId: clientId,
      ChallengeResponses: {
        USERNAME: p.USER_ID_FOR_SRP,
        PASSWORD_CLAIM_SECRET_BLOCK: p.SECRET_BLOCK,
        TIMESTAMP: ts,
        PASSWORD_CLAIM_SIGNATURE: claimSignature(key, poolName, p.USER_ID_FOR_SRP, p.SECRET_BLOCK, ts),
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const id = decodePayload(authResult(res).IdToken);
    expect(id).toMatchObject({ aud: clientId, email: 'grace@example.com', email_verified: true, given_name: 'Grace', phone_number: '+15555550123' });
    expect(authResult(res).ExpiresIn).toBe(3600);
  });

  it('enforces the client WriteAttributes', async () => {
    const res = await signUp('tier@example.com', [
      { Name: 'phone_number', Value: '+15555550124' },
      { Name: 'nickname', Value: 'T' },
    ]);
    expect(res.body).toEqual({ __type: 'NotAuthorizedException', message: 'A client attempted to write unauthorized attribute' });
  });

  it('names the PostConfirmation trigger in its start-up lines', () => {
    const lines = h.service.describe!().join('\n');
    expect(lines).toContain('PostConfirmation trigger (postconfirmationlambda195D98D2)');
  });
});

/** A second, different Gen 2 backend: email-only sign-in, groups and a custom attribute. */
describe('user pool of another backend (generic: nothing of this app is hard-coded)', () => {
  let h: AuthHarness;
  let model: BackendModel;

  beforeAll(async () => {
    model = loadBackendModel(await getOtherAssembly(), { region: 'us-east-1' });
    h = await authHarness({ model });
  });
  afterAll(() => h.close());

  it('signs up without a phone, stores the custom attribute, and puts groups in the tokens', async () => {
    const auth = model.auth!;
    expect(auth.userPool.groups.map((g) => g.name).sort()).toEqual(['Admins', 'Editors']);
    const up = await h.call('SignUp', {
      ClientId: auth.defaultClientId,
      Username: 'kim@example.com',
      Password: 'Passw0rd!',
      UserAttributes: [{ Name: 'custom:team', Value: 'blue' }],
    });
    expect(up.status, JSON.stringify(up.body)).toBe(200);
    const tooLong = await h.call('SignUp', {
      ClientId: auth.defaultClientId,
      Username: 'long@example.com',
      Password: 'Passw0rd!',
      UserAttributes: [{ Name: 'custom:team', Value: 'x'.repeat(33) }],
    });
    expect(tooLong.body).toEqual({
      __type: 'InvalidParameterException',
      message: 'Attributes did not conform to the schema: custom:team: String must be no longer than 32 characters',
    });
    await h.call('ConfirmSignUp', { ClientId: auth.defaultClientId, Username: 'kim@example.com', ConfirmationCode: h.outbox.lastCode('kim@example.com') });
    expect((await h.call('AdminAddUserToGroup', { UserPoolId: auth.userPool.id, Username: 'kim@example.com', GroupName: 'Editors' })).status).toBe(200);
    const res = await srpSignIn(h.call, h.clock.now(), 'kim@example.com', 'Passw0rd!', auth.defaultClientId, auth.userPool.id);
    const id = decodePayload(authResult(res).IdToken);
    expect(id['cognito:groups']).toEqual(['Editors']);
    expect(id['custom:team']).toBe('blue');
  });
});
