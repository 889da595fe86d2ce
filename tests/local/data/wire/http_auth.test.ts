import { afterEach, describe, expect, it } from 'vitest';
import type { IamIdentity, UserPoolIdentity } from '../../../../src/local/data/engine/types.js';
import { signForTest } from '../../../helpers/sigv4.js';
import {
  aliceCreds,
  API_KEY,
  functionCreds,
  ISSUER,
  makeToken,
  memoryCredentials,
  NOW,
  startWire,
  testModel,
  type WireHarness,
} from './fixtures.js';

const QUERY = JSON.stringify({ query: 'query Ping { ping }' });

let h: WireHarness;
afterEach(async () => h?.stop());

async function errorsOf(res: Response): Promise<{ errorType: string; message: string }[]> {
  return ((await res.json()) as { errors: { errorType: string; message: string }[] }).errors;
}

async function signedGraphql(creds: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, body = QUERY): Promise<Request> {
  return signForTest({
    url: 'https://127.0.0.1:20002/graphql',
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    credentials: creds,
    service: 'appsync',
    signingDate: new Date(NOW),
  });
}

describe('user pool mode', () => {
  it('verifies a JWT in Authorization and gives the engine AppSync user-pool identity', async () => {
    h = await startWire();
    const token = makeToken({ 'cognito:groups': ['Admins'] });
    const res = await h.graphql({ body: QUERY, headers: { authorization: token } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { ping: 'pong' } });
    const call = h.engine.calls[0];
    expect(call.authMode).toBe('AMAZON_COGNITO_USER_POOLS');
    const identity = call.identity as UserPoolIdentity;
    expect(identity).toMatchObject({
      sub: 'sub-alice',
      issuer: ISSUER,
      username: 'alice',
      sourceIp: ['127.0.0.1'],
      defaultAuthStrategy: 'ALLOW',
      groups: ['Admins'],
    });
    expect(identity.claims.client_id).toBeDefined();
    expect(call.headers.authorization).toBe(token);
    expect(call.authorizeField).toBeUndefined();
  });

  it('gives null groups when the token has no cognito:groups', async () => {
    h = await startWire();
    await h.graphql({ body: QUERY, headers: { authorization: makeToken() } });
    expect((h.engine.calls[0].identity as UserPoolIdentity).groups).toBeNull();
  });

  it('accepts an ID token too, as AppSync does', async () => {
    h = await startWire();
    const res = await h.graphql({
      body: QUERY,
      headers: { authorization: makeToken({ token_use: 'id', aud: 'frameclient0000000000000001', client_id: undefined, 'cognito:username': 'alice' }) },
    });
    expect(res.status).toBe(200);
  });

  it('rejects a request without any credentials with 401 UnauthorizedException', async () => {
    h = await startWire();
    const res = await h.graphql({ body: QUERY });
    expect(res.status).toBe(401);
    expect(res.headers.get('x-amzn-errortype')).toBe('UnauthorizedException');
    expect(await res.json()).toEqual({ errors: [{ errorType: 'UnauthorizedException', message: 'Valid authorization header not provided.' }] });
    expect(h.engine.calls).toHaveLength(0);
  });

  it('rejects an Authorization header that is not a JWT', async () => {
    h = await startWire();
    const res = await h.graphql({ body: QUERY, headers: { authorization: 'not-a-token' } });
    expect(res.status).toBe(401);
    expect(await errorsOf(res)).toEqual([{ errorType: 'UnauthorizedException', message: 'Unable to parse JWT token.' }]);
  });

  it('rejects an expired token with "Token has expired."', async () => {
    h = await startWire();
    const token = makeToken({ exp: Math.floor(NOW / 1000) + 60 });
    h.clock.advance(61_000);
    const res = await h.graphql({ body: QUERY, headers: { authorization: token } });
    expect(res.status).toBe(401);
    expect(await errorsOf(res)).toEqual([{ errorType: 'UnauthorizedException', message: 'Token has expired.' }]);
  });

  it('rejects a forged token (signature does not verify)', async () => {
    h = await startWire();
    const [head, payload] = makeToken().split('.');
    const res = await h.graphql({ body: QUERY, headers: { authorization: `${head}.${payload}.${Buffer.from('forged').toString('base64url')}` } });
    expect(res.status).toBe(401);
    expect(await errorsOf(res)).toEqual([{ errorType: 'UnauthorizedException', message: 'Valid authorization header not provided.' }]);
  });

  it('rejects a token of another user pool', async () => {
    h = await startWire();
    const res = await h.graphql({ body: QUERY, headers: { authorization: makeToken({ iss: 'https://127.0.0.1:20002/us-east-1_Other0001' }, { pool: 'us-east-1_Other0001' }) } });
    expect(res.status).toBe(401);
  });

  it('rejects a token issued to a client the pool does not have', async () => {
    h = await startWire();
    const res = await h.graphql({ body: QUERY, headers: { authorization: makeToken({ client_id: 'someotherclient' }) } });
    expect(res.status).toBe(401);
  });

  it('prefers the Authorization header over x-api-key', async () => {
    h = await startWire();
    const res = await h.graphql({ body: QUERY, headers: { authorization: makeToken(), 'x-api-key': 'wrong' } });
    expect(res.status).toBe(200);
    expect(h.engine.calls[0].authMode).toBe('AMAZON_COGNITO_USER_POOLS');
  });

  it('answers 401 for a JWT when user pools are not a mode of the API', async () => {
    h = await startWire({ model: testModel({ defaultAuthMode: 'API_KEY', additionalAuthModes: ['AWS_IAM'] }) });
    const res = await h.graphql({ body: QUERY, headers: { authorization: makeToken() } });
    expect(res.status).toBe(401);
    expect(h.engine.calls).toHaveLength(0);
  });

  it('answers 401 when no auth service runs to verify tokens', async () => {
    h = await startWire({ withAuth: false });
    const res = await h.graphql({ body: QUERY, headers: { authorization: makeToken() } });
    expect(res.status).toBe(401);
  });
});

describe('IAM mode', () => {
  it('verifies SigV4 (service appsync) and builds the identity-pool IAM identity', async () => {
    h = await startWire();
    const res = await h.service.fetch(await signedGraphql(aliceCreds));
    expect(res.status).toBe(200);
    const call = h.engine.calls[0];
    expect(call.authMode).toBe('AWS_IAM');
    expect(call.identity as IamIdentity).toEqual({
      accountId: '123456789012',
      cognitoIdentityPoolId: aliceCreds.identityPoolId,
      cognitoIdentityId: aliceCreds.identityId,
      sourceIp: ['127.0.0.1'],
      username: expect.stringMatching(/^AROA[0-9A-F]{17}:CognitoIdentityCredentials$/),
      userArn: 'arn:aws:sts::123456789012:assumed-role/amplify-authRole-ABC/CognitoIdentityCredentials',
      cognitoIdentityAuthType: 'authenticated',
      cognitoIdentityAuthProvider:
        '"cognito-idp.us-east-1.amazonaws.com/us-east-1_Frame0001","cognito-idp.us-east-1.amazonaws.com/us-east-1_Frame0001:CognitoSignIn:sub-alice"',
    });
  });

  it('names the user pool that signed the identity in, not always the primary one', async () => {
    h = await startWire({ withAuth: false });
    const partnerCreds = { ...aliceCreds, accessKeyId: 'ASIAPARTNERPARTNER01', userPoolId: 'us-east-1_Partner01' };
    h.registry.provide('identity.credentials', memoryCredentials(partnerCreds));
    const res = await h.service.fetch(await signedGraphql(partnerCreds));
    expect(res.status).toBe(200);
    expect((h.engine.calls[0].identity as IamIdentity).cognitoIdentityAuthProvider).toBe(
      '"cognito-idp.us-east-1.amazonaws.com/us-east-1_Partner01","cognito-idp.us-east-1.amazonaws.com/us-east-1_Partner01:CognitoSignIn:sub-alice"',
    );
  });

  it('refuses with 401 an operation whose top-level fields the role may call none of', async () => {
    h = await startWire();
    const res = await h.service.fetch(await signedGraphql(aliceCreds, JSON.stringify({ query: '{ __typename secret other: secret }' })));
    expect(res.status).toBe(401);
    expect(await errorsOf(res)).toEqual([{ errorType: 'UnauthorizedException', message: 'Not Authorized to access secret on type Query' }]);
    expect(h.engine.calls).toHaveLength(0);
  });

  it('runs a partly allowed operation, leaving the denied fields to fail on their own', async () => {
    h = await startWire();
    const res = await h.service.fetch(await signedGraphql(aliceCreds, JSON.stringify({ query: '{ ping secret }' })));
    expect(res.status).toBe(200);
    const authorize = h.engine.calls[0].authorizeField!;
    expect(authorize('Query', 'ping')).toBe(true);
    expect(authorize('Query', 'secret')).toBe(false);
  });

  it("gives a function's role its own session and no identity-pool fields, and honours its policy", async () => {
    h = await startWire();
    const res = await h.service.fetch(await signedGraphql(functionCreds));
    expect(await res.json()).toEqual({ data: { ping: 'pong' } });
    const identity = h.engine.calls[0].identity as IamIdentity;
    expect(identity.userArn).toBe('arn:aws:sts::123456789012:assumed-role/postprocessor-lambdaRole-XYZ/post-processor-fn');
    expect(identity.cognitoIdentityPoolId).toBeNull();
    expect(identity.cognitoIdentityId).toBeNull();
    expect(identity.cognitoIdentityAuthType).toBeNull();
    const authorize = h.engine.calls[0].authorizeField!;
    expect(authorize('Query', 'getThing')).toBe(true);
    expect(authorize('Mutation', 'createThing')).toBe(false);
    expect(authorize('Thing', 'name')).toBe(true);
  });

  it('rejects a bad signature with 403 InvalidSignatureException', async () => {
    h = await startWire();
    const signed = await signedGraphql(aliceCreds);
    const tampered = new Request(signed.url, { method: 'POST', headers: signed.headers, body: JSON.stringify({ query: '{ ping ping2: ping }' }) });
    const res = await h.service.fetch(tampered);
    expect(res.status).toBe(403);
    const [err] = await errorsOf(res);
    expect(err.errorType).toBe('InvalidSignatureException');
    expect(err.message).toMatch(/^The request signature we calculated does not match the signature you provided/);
    expect(h.engine.calls).toHaveLength(0);
  });

  it('rejects credentials the identity pool never issued with 403 UnrecognizedClientException', async () => {
    h = await startWire();
    const res = await h.service.fetch(await signedGraphql({ accessKeyId: 'ASIAUNKNOWNUNKNOWN00', secretAccessKey: 'x', sessionToken: 'y' }));
    expect(res.status).toBe(403);
    expect((await errorsOf(res))[0].errorType).toBe('UnrecognizedClientException');
  });

  it('rejects expired credentials with 403 ExpiredTokenException', async () => {
    h = await startWire();
    h.clock.advance(2 * 3600_000);
    const req = await signForTest({
      url: 'https://127.0.0.1:20002/graphql',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: QUERY,
      credentials: aliceCreds,
      service: 'appsync',
      signingDate: new Date(h.clock.now()),
    });
    const res = await h.service.fetch(req);
    expect(res.status).toBe(403);
    expect((await errorsOf(res))[0].errorType).toBe('ExpiredTokenException');
  });

  it('answers 401 for SigV4 when IAM is not a mode of the API', async () => {
    h = await startWire({ model: testModel({ additionalAuthModes: ['API_KEY'] }) });
    const res = await h.service.fetch(await signedGraphql(functionCreds));
    expect(res.status).toBe(401);
    expect(await errorsOf(res)).toEqual([{ errorType: 'UnauthorizedException', message: 'Valid authorization header not provided.' }]);
  });
});

describe('API key mode', () => {
  it('accepts the configured key with a null identity', async () => {
    h = await startWire();
    const res = await h.graphql({ body: QUERY, headers: { 'x-api-key': API_KEY } });
    expect(res.status).toBe(200);
    expect(h.engine.calls[0]).toMatchObject({ authMode: 'API_KEY', identity: null });
  });

  it('rejects an unknown key', async () => {
    h = await startWire();
    const res = await h.graphql({ body: QUERY, headers: { 'x-api-key': 'da2-wrong' } });
    expect(res.status).toBe(401);
    expect(await errorsOf(res)).toEqual([{ errorType: 'UnauthorizedException', message: 'You are not authorized to make this call.' }]);
  });

  it('rejects a key when API_KEY is not a mode of the API', async () => {
    h = await startWire({ model: testModel({ additionalAuthModes: ['AWS_IAM'] }) });
    const res = await h.graphql({ body: QUERY, headers: { 'x-api-key': API_KEY } });
    expect(res.status).toBe(401);
  });
});
