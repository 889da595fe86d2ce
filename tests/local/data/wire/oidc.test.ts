import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { BackendModel } from '../../../../src/local/assembly/model.js';
import type { Logger } from '../../../../src/local/core/logger.js';
import type { FunctionInvoker, JwtClaims, TokenVerifier } from '../../../../src/local/core/registry.js';
import { fakeVerifier, headerProtocol, listenForUpgrades, makeToken, NOW, startWire, TestSocket, testModel, type WireHarness } from './fixtures.js';

/**
 * OPENID_CONNECT against a local user pool: the data service verifies the token with the keys the
 * pool publishes (its JWKS), as a relying party does. The pool here is a double at the `auth.tokens`
 * boundary with a real RSA key.
 */

const PARTNER_POOL = 'us-east-1_PartnerAa';
const ENDPOINT = 'https://127.0.0.1:20002';
const LOCAL_ISSUER = `${ENDPOINT}/${PARTNER_POOL}`;
/** What the template holds: the deployed form of the pool's issuer. */
const COGNITO_ISSUER = `https://cognito-idp.us-east-1.amazonaws.com/${PARTNER_POOL}`;
const CLIENT = 'partnerclient0000000000001';
const HOUR_MS = 3600_000;
const nowS = Math.floor(NOW / 1000);

/** `auth.tokens` serving the partner pool (and, when given, the API's own pool: the wire fixtures' fake). */
class LocalPool implements TokenVerifier {
  readonly issuer = LOCAL_ISSUER;
  readonly userPoolId = PARTNER_POOL;
  readonly key = generateKeyPairSync('rsa', { modulusLength: 2048 });
  constructor(private readonly others: TokenVerifier[] = []) {}
  forPool(id: string): TokenVerifier | undefined {
    return id === PARTNER_POOL ? this : this.others.find((o) => o.userPoolId === id);
  }
  pools(): TokenVerifier[] {
    return [this, ...this.others];
  }
  jwks() {
    return { keys: [{ ...this.key.publicKey.export({ format: 'jwk' }), kid: 'k-partner', alg: 'RS256', use: 'sig' }] };
  }
  async verify(): Promise<JwtClaims> {
    throw new Error('OIDC verification must not go through the pool verifier');
  }
}

function sign(claims: Record<string, unknown>, key: KeyObject, kid = 'k-partner'): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${b64({ alg: 'RS256', kid })}.${b64(claims)}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(key).toString('base64url')}`;
}

function idToken(pool: LocalPool, overrides: Record<string, unknown> = {}, key: KeyObject = pool.key.privateKey): string {
  return sign(
    {
      sub: 'sub-partner',
      iss: LOCAL_ISSUER,
      aud: CLIENT,
      token_use: 'id',
      'cognito:username': 'pat',
      email: 'pat@partner.example',
      auth_time: nowS - 60,
      iat: nowS - 60,
      exp: nowS + 3600,
      ...overrides,
    },
    key,
  );
}

function oidcModel(config: Partial<NonNullable<NonNullable<BackendModel['data']>['openIdConnect']>> = {}, modes?: Pick<NonNullable<BackendModel['data']>, 'defaultAuthMode' | 'additionalAuthModes'>): BackendModel {
  return testModel({
    defaultAuthMode: 'OPENID_CONNECT',
    additionalAuthModes: [],
    ...modes,
    openIdConnect: { issuer: COGNITO_ISSUER, clientId: CLIENT, iatTtlMs: HOUR_MS, authTtlMs: 2 * HOUR_MS, ...config },
    lambdaAuthorizer: { functionLogicalId: 'AuthorizerFn' },
  });
}

function recordingLog(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const log: Logger & { warnings: string[] } = { warnings, info: () => {}, warn: (m) => warnings.push(m), error: () => {}, child: () => log };
  return log;
}

let h: WireHarness | undefined;
let pool: LocalPool;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

async function start(model = oidcModel(), log?: Logger, opts: { withApiPool?: boolean } = {}) {
  h = await startWire({ model, withAuth: false, log });
  pool = new LocalPool(opts.withApiPool ? [fakeVerifier(h.clock)] : []);
  h.registry.provide('auth.tokens', pool);
  return h;
}

const ask = (token: string) => h!.graphql({ headers: { authorization: token } });

async function refusal(token: string): Promise<{ status: number; body: unknown }> {
  const res = await ask(token);
  return { status: res.status, body: await res.json() };
}

const UNAUTHORIZED = (message = 'Valid authorization header not provided.') => ({
  status: 401,
  body: { errors: [{ errorType: 'UnauthorizedException', message }] },
});

describe('OPENID_CONNECT authorization', () => {
  it("accepts an ID token of the local pool the issuer names and gives resolvers AppSync's OIDC identity", async () => {
    await start();
    const token = idToken(pool);
    const res = await ask(token);
    expect(res.status).toBe(200);
    const call = h!.engine.calls[0];
    expect(call.authMode).toBe('OPENID_CONNECT');
    expect(call.identity).toEqual({
      sub: 'sub-partner',
      issuer: LOCAL_ISSUER,
      claims: expect.objectContaining({ sub: 'sub-partner', email: 'pat@partner.example', aud: CLIENT }),
    });
    // The same holds when the template names the pool by its local issuer URL, and with a Bearer prefix.
    await h!.stop();
    await start(oidcModel({ issuer: `${LOCAL_ISSUER}/` }));
    expect((await ask(`Bearer ${idToken(pool)}`)).status).toBe(200);
  });

  it('refuses a token signed by another key, a tampered token and one naming an unknown kid', async () => {
    await start();
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    expect(await refusal(idToken(pool, {}, stranger))).toEqual(UNAUTHORIZED());
    const [head, , sig] = idToken(pool).split('.');
    const tampered = `${head}.${Buffer.from(JSON.stringify({ sub: 'someone-else', iss: LOCAL_ISSUER, aud: CLIENT, iat: nowS, auth_time: nowS, exp: nowS + 60 })).toString('base64url')}.${sig}`;
    expect(await refusal(tampered)).toEqual(UNAUTHORIZED());
    expect(await refusal(sign({ sub: 's', iss: LOCAL_ISSUER, aud: CLIENT, iat: nowS, auth_time: nowS, exp: nowS + 60 }, pool.key.privateKey, 'other-kid'))).toEqual(UNAUTHORIZED());
    expect(await refusal('not-a-jwt')).toEqual(UNAUTHORIZED('Unable to parse JWT token.'));
    expect(h!.engine.calls).toHaveLength(0);
  });

  it('honours exp, IatTTL and AuthTTL', async () => {
    await start();
    expect(await refusal(idToken(pool, { exp: nowS - 1 }))).toEqual(UNAUTHORIZED('Token has expired.'));
    // Issued 61 minutes ago with an hour of IatTTL (the token itself would still be valid).
    expect(await refusal(idToken(pool, { iat: nowS - 3660, exp: nowS + 600 }))).toEqual(UNAUTHORIZED('Token has expired.'));
    // Signed in three hours ago, token freshly refreshed: AuthTTL is two hours.
    expect(await refusal(idToken(pool, { auth_time: nowS - 3 * 3600 }))).toEqual(UNAUTHORIZED('Token has expired.'));
    const fine = idToken(pool);
    expect((await ask(fine)).status).toBe(200);
    h!.clock.advance(HOUR_MS);
    expect(await refusal(fine)).toEqual(UNAUTHORIZED('Token has expired.'));
  });

  it('checks aud against the ClientId, a regular expression', async () => {
    await start();
    expect(await refusal(idToken(pool, { aud: 'someotherclient' }))).toEqual(UNAUTHORIZED());
    // An access token has client_id, not aud.
    expect(await refusal(idToken(pool, { aud: undefined, client_id: CLIENT, token_use: 'access' }))).toEqual(UNAUTHORIZED());
    await h!.stop();
    await start(oidcModel({ clientId: 'web-[0-9]+|mobile' }));
    expect((await ask(idToken(pool, { aud: 'web-42' }))).status).toBe(200);
    expect((await ask(idToken(pool, { aud: 'mobile' }))).status).toBe(200);
    expect(await refusal(idToken(pool, { aud: 'mobile-2' }))).toEqual(UNAUTHORIZED());
    // Without a ClientId any audience is accepted.
    await h!.stop();
    await start(oidcModel({ clientId: undefined }));
    expect((await ask(idToken(pool, { aud: 'anything' }))).status).toBe(200);
  });

  it('refuses every token when the issuer is not a local pool, and says why once in the log', async () => {
    const log = recordingLog();
    await start(oidcModel({ issuer: 'https://login.example.com/' }), log);
    expect(await refusal(idToken(pool, { iss: 'https://login.example.com/' }))).toEqual(UNAUTHORIZED());
    expect(await refusal(idToken(pool))).toEqual(UNAUTHORIZED());
    expect(log.warnings).toHaveLength(1);
    expect(log.warnings[0]).toContain('https://login.example.com/ is not a local user pool');
  });

  it('routes by issuer next to other modes: user-pool tokens stay user-pool requests, other tokens go to the Lambda authorizer', async () => {
    const invoker: FunctionInvoker = { has: () => true, invoke: async () => ({ payload: { isAuthorized: true, resolverContext: { via: 'lambda' } } }) };
    const modes = { defaultAuthMode: 'AMAZON_COGNITO_USER_POOLS', additionalAuthModes: ['OPENID_CONNECT', 'AWS_LAMBDA'] } as const;
    await start(oidcModel({}, { ...modes, additionalAuthModes: [...modes.additionalAuthModes] }), undefined, { withApiPool: true });
    const partner = pool;
    h!.registry.provide('functions.invoker', invoker);

    expect((await ask(makeToken())).status).toBe(200);
    expect((await ask(idToken(partner))).status).toBe(200);
    expect((await ask('opaque-custom-token')).status).toBe(200);
    expect(h!.engine.calls.map((c) => c.authMode)).toEqual(['AMAZON_COGNITO_USER_POOLS', 'OPENID_CONNECT', 'AWS_LAMBDA']);
    // A forged token naming the OIDC issuer is refused by OIDC, not handed to the authorizer.
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    expect(await refusal(idToken(partner, {}, stranger))).toEqual(UNAUTHORIZED());
  });

  it('authorizes realtime connections and subscriptions with the same OIDC check', async () => {
    await start();
    const server = await listenForUpgrades(h!.service);
    const open = async (token: string) => {
      const sock = await TestSocket.open(`${server.url}/graphql/realtime`, ['graphql-ws', headerProtocol({ Authorization: token, host: '127.0.0.1:20002' })]);
      sock.send({ type: 'connection_init' });
      return { sock, first: await sock.next() };
    };
    try {
      const good = await open(idToken(pool));
      expect(good.first.type).toBe('connection_ack');
      good.sock.send({
        type: 'start',
        id: 's1',
        payload: { data: JSON.stringify({ query: 'subscription { onCreateThing { id } }', variables: {} }), extensions: { authorization: { Authorization: idToken(pool), host: '127.0.0.1:20002' } } },
      });
      expect((await good.sock.next((m) => m.id === 's1')).type).toBe('start_ack');
      expect(h!.engine.prepared[0]).toMatchObject({ authMode: 'OPENID_CONNECT', identity: { sub: 'sub-partner', issuer: LOCAL_ISSUER } });
      good.sock.close();

      const forged = await open(idToken(pool, {}, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey));
      expect(forged.first).toMatchObject({ type: 'connection_error', payload: { errors: [{ errorType: 'UnauthorizedException', errorCode: 401 }] } });
      forged.sock.close();
    } finally {
      await server.close();
    }
  });
});

describe('AMAZON_COGNITO_USER_POOLS with several local pools', () => {
  it("accepts only the API's own pool: a valid token of another local pool is refused", async () => {
    await start(oidcModel({}, { defaultAuthMode: 'AMAZON_COGNITO_USER_POOLS', additionalAuthModes: [] }), undefined, { withApiPool: true });
    expect((await ask(makeToken())).status).toBe(200);
    expect(await refusal(idToken(pool))).toEqual(UNAUTHORIZED());
    expect(h!.engine.calls).toHaveLength(1);
  });
});
