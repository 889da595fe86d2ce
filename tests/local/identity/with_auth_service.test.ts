import { mkdtempSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BackendModel } from '../../../src/local/assembly/model.js';
import { createAuthService } from '../../../src/local/auth/index.js';
import { claimSignature, clientSessionKey, formatSrpTimestamp, g, hexToBigInt, modPowN, N } from '../../../src/local/auth/srp.js';
import { ManualClock } from '../../../src/local/core/clock.js';
import { Registry } from '../../../src/local/core/registry.js';
import type { LocalService, ServiceContext } from '../../../src/local/core/service.js';
import { verifySigV4 } from '../../../src/local/core/sigv4_verify.js';
import { createIdentityService } from '../../../src/local/identity/index.js';
import { getTestModel } from '../../helpers/local_cloud.js';
import { MemoryOutbox, serviceContext } from '../../helpers/service_context.js';
import { s3KeyPath, signForTest } from '../../helpers/sigv4.js';

const ENDPOINT = 'https://127.0.0.1:20002';

/** The real user pool (auth service) and the identity pool on one registry, as the frame wires them. */
async function startPools(model: BackendModel) {
  const registry = new Registry();
  const clock = new ManualClock(Date.UTC(2026, 0, 15, 12));
  const root = mkdtempSync(path.join(tmpdir(), 'identity-auth-'));
  const outbox = new MemoryOutbox({ clock });
  const services: LocalService[] = [];
  const contexts: ServiceContext[] = [];
  for (const [name, factory] of [['auth', createAuthService], ['identity', createIdentityService]] as const) {
    const { ctx } = serviceContext({ name, model, dataDir: path.join(root, name), endpoint: '', registry, clock, outbox });
    services.push(factory(ctx));
    contexts.push(ctx);
  }
  for (const ctx of contexts) ctx.endpoint = ENDPOINT;
  for (const s of services) registry.publish(await s.start());
  for (const s of services) s.connect?.(registry);

  const call = async (target: string, body: unknown) => {
    const req = new Request(`${ENDPOINT}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target },
      body: JSON.stringify(body),
    });
    const service = services.find((s) => s.matches(req, new URL(req.url)));
    if (!service) throw new Error(`no service for ${target}`);
    const res = await service.fetch(req);
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  return { registry, clock, outbox, call, credentials: registry.get('identity.credentials') };
}

type Pools = Awaited<ReturnType<typeof startPools>>;

/** SignUp → emailed code → ConfirmSignUp → USER_SRP_AUTH, the flow the Gen 2 client uses. */
async function signUpAndSignIn(pools: Pools, model: BackendModel, email: string): Promise<string> {
  const clientId = model.auth!.defaultClientId;
  const password = 'Correct-Horse-9-battery!';
  const idp = (op: string, body: unknown) => pools.call(`AWSCognitoIdentityProviderService.${op}`, body);
  const signUp = await idp('SignUp', {
    ClientId: clientId,
    Username: email,
    Password: password,
    UserAttributes: [
      { Name: 'email', Value: email },
      { Name: 'phone_number', Value: '+15555550100' },
    ],
  });
  expect(signUp.status, JSON.stringify(signUp.json)).toBe(200);
  const code = pools.outbox.list({ channel: 'email', to: email }).pop()?.code;
  expect((await idp('ConfirmSignUp', { ClientId: clientId, Username: email, ConfirmationCode: code })).status).toBe(200);

  const a = hexToBigInt(randomBytes(128).toString('hex')) % N;
  const A = modPowN(g, a);
  const init = await idp('InitiateAuth', { AuthFlow: 'USER_SRP_AUTH', ClientId: clientId, AuthParameters: { USERNAME: email, SRP_A: A.toString(16) } });
  const p = init.json.ChallengeParameters as Record<string, string>;
  const poolName = model.auth!.userPool.id.split('_')[1];
  const key = clientSessionKey({ poolName, username: p.USER_ID_FOR_SRP, password, saltHex: p.SALT, a, A, B: hexToBigInt(p.SRP_B) });
  const timestamp = formatSrpTimestamp(pools.clock.now());
  const out = await idp('RespondToAuthChallenge', {
    ChallengeName: 'PASSWORD_VERIFIER',
    ClientId: clientId,
    ChallengeResponses: {
      USERNAME: p.USER_ID_FOR_SRP,
      PASSWORD_CLAIM_SECRET_BLOCK: p.SECRET_BLOCK,
      PASSWORD_CLAIM_SIGNATURE: claimSignature(key, poolName, p.USER_ID_FOR_SRP, p.SECRET_BLOCK, timestamp),
      TIMESTAMP: timestamp,
    },
  });
  const result = out.json.AuthenticationResult as { IdToken: string } | undefined;
  if (!result) throw new Error(`sign-in failed: ${JSON.stringify(out.json)}`);
  return result.IdToken;
}

/**
 * This repository's backend, with `sub` not marked required: Cognito generates it, but the loader
 * reports the standard schema's `Required: true` and the auth service then asks SignUp for it.
 */
async function signUpModel(): Promise<BackendModel> {
  const m = await getTestModel();
  const userPool = { ...m.auth!.userPool, schema: m.auth!.userPool.schema.map((a) => (a.name === 'sub' ? { ...a, required: false } : a)) };
  return { ...m, auth: { ...m.auth!, userPool } };
}

describe('identity pool with the real user pool (auth service)', () => {
  it("trades the user pool's ID token for the user's identity and credentials that verify as that user", async () => {
    const model = await signUpModel();
    const pools = await startPools(model);
    const idToken = await signUpAndSignIn(pools, model, 'carol@example.com');
    const claims = JSON.parse(Buffer.from(idToken.split('.')[1], 'base64url').toString('utf8')) as { iss: string; sub: string };
    // The v6 client's Logins key: the token's iss without the scheme.
    const logins = { [claims.iss.replace(/^https:\/\//, '')]: idToken };
    const identityPoolId = model.auth!.identityPool!.id;

    const got = await pools.call('AWSCognitoIdentityService.GetId', { IdentityPoolId: identityPoolId, Logins: logins });
    expect(got.status, JSON.stringify(got.json)).toBe(200);
    const identityId = got.json.IdentityId as string;
    const res = await pools.call('AWSCognitoIdentityService.GetCredentialsForIdentity', { IdentityId: identityId, Logins: logins });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    const c = res.json.Credentials as Record<string, string>;

    const req = await signForTest({
      url: `${ENDPOINT}${s3KeyPath(model.storage!.buckets[0].bucketName, `media/${identityId}/a.jpg`)}`,
      credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretKey, sessionToken: c.SessionToken },
      service: 's3',
      signingDate: new Date(pools.clock.now()),
    });
    const { credentials } = await verifySigV4(req, { service: 's3', region: model.region, credentials: pools.credentials, clock: pools.clock });
    expect(credentials).toMatchObject({ identityId, userSub: claims.sub, username: expect.any(String), kind: 'authenticated', roleArn: model.auth!.identityPool!.authenticatedRoleArn });
  });

  it('refuses an ID token once it has expired, and a token whose signature was tampered with', async () => {
    const model = await signUpModel();
    const pools = await startPools(model);
    const idToken = await signUpAndSignIn(pools, model, 'dave@example.com');
    const iss = (JSON.parse(Buffer.from(idToken.split('.')[1], 'base64url').toString('utf8')) as { iss: string }).iss;
    const key = iss.replace(/^https:\/\//, '');
    const identityPoolId = model.auth!.identityPool!.id;

    const [h, p, s] = idToken.split('.');
    const tampered = `${h}.${p}.${s.slice(0, -4)}${s.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    const forged = await pools.call('AWSCognitoIdentityService.GetId', { IdentityPoolId: identityPoolId, Logins: { [key]: tampered } });
    expect(forged.json.__type).toBe('NotAuthorizedException');

    pools.clock.advance(model.auth!.clients.find((c) => c.id === model.auth!.defaultClientId)!.idTokenValidityMinutes * 60_000 + 1000);
    const expired = await pools.call('AWSCognitoIdentityService.GetId', { IdentityPoolId: identityPoolId, Logins: { [key]: idToken } });
    expect(expired.json.__type).toBe('NotAuthorizedException');
    expect(expired.json.message).toMatch(/^Invalid login token\. Token expired/);
  });
});
