import { createPublicKey, createVerify, type JsonWebKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TokenRejectedError } from '../../../src/local/core/registry.js';
import { authHarness, authResult, CLIENT_ID, decodePayload, ENDPOINT, PASSWORD_CLIENT_ID, POOL_ID, type AuthHarness } from './harness.js';

const MINUTE = 60_000;

async function rejection(p: Promise<unknown>): Promise<TokenRejectedError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof TokenRejectedError) return err;
    throw err;
  }
  throw new Error('token was accepted');
}

describe('tokens', () => {
  let h: AuthHarness;
  let sub: string;
  beforeEach(async () => {
    h = await authHarness();
    sub = await h.signUpConfirmed('ada@example.com');
  });
  afterEach(() => h.close());

  it('issues Cognito-shaped access and ID tokens with the client lifetimes', async () => {
    const r = authResult(await h.srpSignIn('ada@example.com'));
    expect(r.ExpiresIn).toBe(3600);
    expect(typeof r.RefreshToken).toBe('string');
    expect(r.RefreshToken).not.toContain('.');
    const header = JSON.parse(Buffer.from(r.AccessToken.split('.')[0], 'base64url').toString()) as Record<string, unknown>;
    expect(header.alg).toBe('RS256');
    expect(typeof header.kid).toBe('string');

    const now = Math.floor(h.clock.now() / 1000);
    const access = decodePayload(r.AccessToken);
    expect(access).toMatchObject({
      sub,
      iss: `${ENDPOINT}/${POOL_ID}`,
      client_id: CLIENT_ID,
      token_use: 'access',
      scope: 'aws.cognito.signin.user.admin',
      username: sub,
      auth_time: now,
      iat: now,
      exp: now + 3600,
    });
    expect(typeof access.origin_jti).toBe('string');
    expect(typeof access.jti).toBe('string');
    expect(typeof access.event_id).toBe('string');
    expect(access.email).toBeUndefined();

    const id = decodePayload(r.IdToken);
    expect(id).toMatchObject({
      sub,
      aud: CLIENT_ID,
      token_use: 'id',
      'cognito:username': sub,
      email: 'ada@example.com',
      email_verified: true,
      phone_number: '+15555550100',
      phone_number_verified: false,
      origin_jti: access.origin_jti,
      event_id: access.event_id,
      exp: now + 3600,
    });
    expect(id.jti).not.toBe(access.jti);
  });

  it('publishes the signing key as JWKS under the issuer, and the key verifies the tokens', async () => {
    const r = authResult(await h.srpSignIn('ada@example.com'));
    const res = await h.service.fetch(new Request(`${ENDPOINT}/${POOL_ID}/.well-known/jwks.json`));
    expect(res.status).toBe(200);
    const jwks = (await res.json()) as { keys: (JsonWebKey & { kid: string; alg: string; use: string })[] };
    expect(jwks.keys).toHaveLength(1);
    const [jwk] = jwks.keys;
    expect(jwk).toMatchObject({ alg: 'RS256', kty: 'RSA', use: 'sig', e: 'AQAB' });
    expect(JSON.stringify(jwk)).not.toMatch(/"d"|"p"|"q"/);
    const [h64, p64, s64] = r.IdToken.split('.');
    const ok = createVerify('RSA-SHA256').update(`${h64}.${p64}`).verify(createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(s64, 'base64url'));
    expect(ok).toBe(true);

    const oidc = await h.service.fetch(new Request(`${ENDPOINT}/${POOL_ID}/.well-known/openid-configuration`));
    expect(await oidc.json()).toMatchObject({ issuer: `${ENDPOINT}/${POOL_ID}`, jwks_uri: `${ENDPOINT}/${POOL_ID}/.well-known/jwks.json` });
    expect(h.service.matches(new Request(`${ENDPOINT}/us-east-1_Other/.well-known/jwks.json`), new URL(`${ENDPOINT}/us-east-1_Other/.well-known/jwks.json`))).toBe(false);
  });

  it('keeps the signing key across restarts, so tokens stay valid', async () => {
    const r = authResult(await h.srpSignIn('ada@example.com'));
    await h.restart();
    await expect(h.tokens().verify(r.AccessToken)).resolves.toMatchObject({ sub });
    expect((await h.call('GetUser', { AccessToken: r.AccessToken })).status).toBe(200);
  });

  it('verifies through auth.tokens: token_use and client are checked when asked', async () => {
    const r = authResult(await h.srpSignIn('ada@example.com'));
    const v = h.tokens();
    expect(v.issuer).toBe(`${ENDPOINT}/${POOL_ID}`);
    expect(v.userPoolId).toBe(POOL_ID);
    await expect(v.verify(r.IdToken, { tokenUse: 'id', clientId: CLIENT_ID })).resolves.toMatchObject({ sub, token_use: 'id' });
    expect((await rejection(v.verify(r.IdToken, { tokenUse: 'access' }))).reason).toBe('token_use');
    expect((await rejection(v.verify(r.AccessToken, { clientId: PASSWORD_CLIENT_ID }))).reason).toBe('audience');
  });

  it('rejects a tampered token (payload changed, signature kept)', async () => {
    const r = authResult(await h.srpSignIn('ada@example.com'));
    const [hd, payload, sig] = r.AccessToken.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    claims['cognito:groups'] = ['Admins'];
    const forged = `${hd}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${sig}`;
    expect((await rejection(h.tokens().verify(forged))).reason).toBe('signature');
    const res = await h.call('GetUser', { AccessToken: forged });
    expect(res.body).toMatchObject({ __type: 'NotAuthorizedException', message: 'Invalid Access Token' });
    expect((await rejection(h.tokens().verify('not.a.jwt'))).reason).toBe('malformed');
    expect((await rejection(h.tokens().verify(`${hd}.${payload}`))).reason).toBe('malformed');
  });

  it('rejects an alg=none token', async () => {
    const r = authResult(await h.srpSignIn('ada@example.com'));
    const payload = r.AccessToken.split('.')[1];
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', kid: 'x' })).toString('base64url')}.${payload}.`;
    expect((await rejection(h.tokens().verify(none))).reason).toBe('signature');
  });

  it('rejects an expired access token (GetUser: "Access Token has expired")', async () => {
    const r = authResult(await h.srpSignIn('ada@example.com'));
    h.clock.advance(60 * MINUTE);
    expect((await rejection(h.tokens().verify(r.AccessToken))).reason).toBe('expired');
    const res = await h.call('GetUser', { AccessToken: r.AccessToken });
    expect(res.body).toMatchObject({ __type: 'NotAuthorizedException', message: 'Access Token has expired' });
  });

  it('rejects a token of another pool, even one with the same pool id and issuer', async () => {
    const other = await authHarness();
    try {
      await other.signUpConfirmed('ada@example.com');
      const foreign = authResult(await other.srpSignIn('ada@example.com'));
      expect((await rejection(h.tokens().verify(foreign.AccessToken))).reason).toBe('signature');
      const res = await h.call('GetUser', { AccessToken: foreign.AccessToken });
      expect(res.body).toMatchObject({ __type: 'NotAuthorizedException', message: 'Invalid Access Token' });
    } finally {
      await other.close();
    }
  });

  it('rejects a token whose issuer is another endpoint, even when signed by the same key', async () => {
    const r = authResult(await h.srpSignIn('ada@example.com'));
    const moved = await authHarness({ dataDir: h.dataDir, endpoint: 'https://127.0.0.1:20999' });
    try {
      expect(moved.tokens().issuer).toBe(`https://127.0.0.1:20999/${POOL_ID}`);
      expect((await rejection(moved.tokens().verify(r.AccessToken))).reason).toBe('issuer');
    } finally {
      await moved.service.stop();
    }
  });

  it('refreshes with GetTokensFromRefreshToken and REFRESH_TOKEN_AUTH, keeping origin_jti and auth_time', async () => {
    const first = authResult(await h.srpSignIn('ada@example.com'));
    h.clock.advance(30 * MINUTE);
    const a = await h.call('GetTokensFromRefreshToken', { ClientId: CLIENT_ID, RefreshToken: first.RefreshToken });
    expect(a.status).toBe(200);
    const refreshed = authResult(a);
    expect(refreshed.RefreshToken).toBeUndefined();
    const before = decodePayload(first.AccessToken);
    const after = decodePayload(refreshed.AccessToken);
    expect(after.origin_jti).toBe(before.origin_jti);
    expect(after.auth_time).toBe(before.auth_time);
    expect(after.iat).toBe((before.iat as number) + 1800);

    const b = await h.call('InitiateAuth', { AuthFlow: 'REFRESH_TOKEN_AUTH', ClientId: CLIENT_ID, AuthParameters: { REFRESH_TOKEN: first.RefreshToken } });
    expect(b.status).toBe(200);
    expect(b.body.ChallengeParameters).toEqual({});
    expect(authResult(b).AccessToken).toBeDefined();
  });

  it('refuses refresh tokens that are unknown, of another client, or expired', async () => {
    const r = authResult(await h.srpSignIn('ada@example.com'));
    const unknown = await h.call('GetTokensFromRefreshToken', { ClientId: CLIENT_ID, RefreshToken: 'bm90LWEtdG9rZW4' });
    expect(unknown.body).toMatchObject({ __type: 'NotAuthorizedException', message: 'Invalid Refresh Token' });
    const otherClient = await h.call('GetTokensFromRefreshToken', { ClientId: PASSWORD_CLIENT_ID, RefreshToken: r.RefreshToken });
    expect(otherClient.body).toMatchObject({ __type: 'NotAuthorizedException', message: 'Invalid Refresh Token' });
    h.clock.advance(30 * 24 * 60 * MINUTE);
    const expired = await h.call('GetTokensFromRefreshToken', { ClientId: CLIENT_ID, RefreshToken: r.RefreshToken });
    expect(expired.body).toMatchObject({ __type: 'NotAuthorizedException', message: 'Refresh Token has expired' });
  });

  it('re-checks expiry and revocation of a token whose signature it has already verified', async () => {
    const r = authResult(await h.srpSignIn('ada@example.com'));
    const v = h.tokens();
    await expect(v.verify(r.AccessToken)).resolves.toMatchObject({ sub });
    // Claims handed out are copies: changing them cannot change what the next caller sees.
    (await v.verify(r.AccessToken)).sub = 'someone-else';
    await expect(v.verify(r.AccessToken)).resolves.toMatchObject({ sub });
    expect((await h.call('GlobalSignOut', { AccessToken: r.AccessToken })).status).toBe(200);
    expect((await rejection(v.verify(r.AccessToken))).reason).toBe('revoked');
    const again = authResult(await h.srpSignIn('ada@example.com'));
    await expect(v.verify(again.AccessToken)).resolves.toMatchObject({ sub });
    h.clock.advance(60 * MINUTE);
    expect((await rejection(v.verify(again.AccessToken))).reason).toBe('expired');
  });

  it('RevokeToken revokes the refresh token and the access/ID tokens issued from it', async () => {
    const r = authResult(await h.srpSignIn('ada@example.com'));
    const other = authResult(await h.srpSignIn('ada@example.com'));
    const res = await h.call('RevokeToken', { ClientId: CLIENT_ID, Token: r.RefreshToken });
    expect(res).toEqual({ status: 200, body: {} });
    const refresh = await h.call('GetTokensFromRefreshToken', { ClientId: CLIENT_ID, RefreshToken: r.RefreshToken });
    expect(refresh.body).toMatchObject({ __type: 'NotAuthorizedException', message: 'Refresh Token has been revoked' });
    const getUser = await h.call('GetUser', { AccessToken: r.AccessToken });
    expect(getUser.body).toMatchObject({ __type: 'NotAuthorizedException', message: 'Access Token has been revoked' });
    expect((await rejection(h.tokens().verify(r.IdToken))).reason).toBe('revoked');
    // Another sign-in of the same user is its own session and stays valid.
    expect((await h.call('GetUser', { AccessToken: other.AccessToken })).status).toBe(200);
  });

  it('forgets revoked sessions once none of their tokens can be valid, and still refuses the tokens', async () => {
    const r = authResult(await h.srpSignIn('ada@example.com'));
    const originJti = decodePayload(r.AccessToken).origin_jti as string;
    await h.call('RevokeToken', { ClientId: CLIENT_ID, Token: r.RefreshToken });
    h.clock.advance(25 * 60 * MINUTE);
    await h.restart();
    await h.service.stop();
    expect(readFileSync(path.join(h.dataDir, h.model.auth!.userPool.id, 'token-sessions.json'), 'utf8')).not.toContain(originJti);
    await h.restart();
    expect((await rejection(h.tokens().verify(r.AccessToken))).reason).toBe('expired');
    const refresh = await h.call('GetTokensFromRefreshToken', { ClientId: CLIENT_ID, RefreshToken: r.RefreshToken });
    expect(refresh.body).toMatchObject({ __type: 'NotAuthorizedException', message: 'Invalid Refresh Token' });
  });

  it('RevokeToken refuses access tokens and refresh tokens of another client; unknown tokens are a no-op', async () => {
    const r = authResult(await h.srpSignIn('ada@example.com'));
    const access = await h.call('RevokeToken', { ClientId: CLIENT_ID, Token: r.AccessToken });
    expect(access.body.__type).toBe('UnsupportedTokenTypeException');
    const wrongClient = await h.call('RevokeToken', { ClientId: PASSWORD_CLIENT_ID, Token: r.RefreshToken });
    expect(wrongClient.body.__type).toBe('UnauthorizedException');
    expect((await h.call('RevokeToken', { ClientId: CLIENT_ID, Token: 'dW5rbm93bg' })).status).toBe(200);
    expect((await h.call('GetUser', { AccessToken: r.AccessToken })).status).toBe(200);
  });

  it('GlobalSignOut revokes every refresh token of the user and the access tokens issued before', async () => {
    const one = authResult(await h.srpSignIn('ada@example.com'));
    const two = authResult(await h.srpSignIn('ada@example.com'));
    expect((await h.call('GlobalSignOut', { AccessToken: one.AccessToken })).status).toBe(200);
    for (const t of [one, two]) {
      const getUser = await h.call('GetUser', { AccessToken: t.AccessToken });
      expect(getUser.body).toMatchObject({ __type: 'NotAuthorizedException', message: 'Access Token has been revoked' });
      const refresh = await h.call('GetTokensFromRefreshToken', { ClientId: CLIENT_ID, RefreshToken: t.RefreshToken });
      expect(refresh.body).toMatchObject({ __type: 'NotAuthorizedException', message: 'Refresh Token has been revoked' });
    }
    // Signing in again works.
    const three = authResult(await h.srpSignIn('ada@example.com'));
    expect((await h.call('GetUser', { AccessToken: three.AccessToken })).status).toBe(200);
  });

  it('puts the user groups in cognito:groups of both tokens, by precedence', async () => {
    await h.call('AdminAddUserToGroup', { UserPoolId: POOL_ID, Username: 'ada@example.com', GroupName: 'Editors' });
    await h.call('AdminAddUserToGroup', { UserPoolId: POOL_ID, Username: 'ada@example.com', GroupName: 'Admins' });
    const r = authResult(await h.srpSignIn('ada@example.com'));
    expect(decodePayload(r.AccessToken)['cognito:groups']).toEqual(['Admins', 'Editors']);
    expect(decodePayload(r.IdToken)['cognito:groups']).toEqual(['Admins', 'Editors']);
  });
});
