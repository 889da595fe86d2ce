import { describe, expect, it } from 'vitest';
import type { BackendModel, PolicyStatementModel } from '../../../src/local/assembly/model.js';
import { verifyCaller, type VerifyCallerOptions } from '../../../src/local/core/caller.js';
import { ManualClock } from '../../../src/local/core/clock.js';
import { iamRequestContext } from '../../../src/local/core/iam_authorize.js';
import type { CredentialStore, IssuedCredentials, Registry } from '../../../src/local/core/registry.js';
import { authenticate, fieldAuthorizer } from '../../../src/local/data/auth_modes.js';
import { verifySigV4 } from '../../../src/local/core/sigv4_verify.js';
import { StorageAuthorizer } from '../../../src/local/storage/authorize.js';
import { s3KeyPath, signForTest } from '../../helpers/sigv4.js';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const ENDPOINT = 'https://127.0.0.1:20002';
const ACCOUNT = '123456789012';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/poolRole`;
const BUCKET = 'media.amplify-local-0001';
const API_ID = 'api0001';

const signedIn: IssuedCredentials = {
  accessKeyId: 'ASIASIGNEDINSIGNEDIN',
  secretAccessKey: 'signed-in-secret',
  sessionToken: 'signed-in-token',
  expiration: NOW + 3600_000,
  roleArn: ROLE,
  identityId: 'us-east-1:11111111-2222-3333-4444-555555555555',
  identityPoolId: 'us-east-1:pool',
  kind: 'authenticated',
  userSub: 'sub-alice',
  username: 'alice',
};
// Same role, so only the request context can tell the two apart.
const guest: IssuedCredentials = {
  ...signedIn,
  accessKeyId: 'ASIAGUESTGUESTGUEST0',
  secretAccessKey: 'guest-secret',
  sessionToken: 'guest-token',
  identityId: 'us-east-1:99999999-8888-7777-6666-555555555555',
  kind: 'unauthenticated',
  userSub: undefined,
  username: undefined,
};

/** One statement for all three services, gated on global condition keys only. */
const conditioned: PolicyStatementModel = {
  effect: 'Allow',
  actions: ['s3:GetObject', 'appsync:GraphQL', 'dynamodb:GetItem'],
  resources: ['*'],
  conditions: {
    StringEquals: { 'cognito-identity.amazonaws.com:amr': 'authenticated', 'cognito-identity.amazonaws.com:aud': 'us-east-1:pool' },
    StringLike: { 'aws:userid': 'AROA*:CognitoIdentityCredentials' },
    ArnEquals: { 'aws:PrincipalArn': ROLE },
    Bool: { 'aws:SecureTransport': 'true' },
  },
};

const model = {
  accountId: ACCOUNT,
  region: 'us-east-1',
  iam: { roles: [{ arn: ROLE, statements: [conditioned] }] },
  data: { apiId: API_ID, defaultAuthMode: 'AWS_IAM', additionalAuthModes: [] },
} as unknown as BackendModel;

const store: CredentialStore = {
  lookup: (id) => [signedIn, guest].find((c) => c.accessKeyId === id),
  issueForRole: () => {
    throw new Error('not used here');
  },
};
const clock = new ManualClock(NOW);
const registry = { tryGet: (name: string) => (name === 'identity.credentials' ? store : undefined) } as unknown as Registry;

const keys = (c: IssuedCredentials) => ({ accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken });
const opts = (service: string, extra: Partial<VerifyCallerOptions> = {}): VerifyCallerOptions => ({
  service,
  model,
  clock,
  credentials: store,
  body: { maxBytes: 1024 },
  ...extra,
});

async function s3Allows(c: IssuedCredentials): Promise<boolean> {
  const req = await signForTest({ url: `${ENDPOINT}${s3KeyPath(BUCKET, 'public/a.txt')}`, credentials: keys(c), service: 's3', signingDate: new Date(NOW) });
  const verified = await verifyCaller(req, opts('s3', { body: 'streamed', allowUnsignedPayload: true }));
  if (!verified.ok) throw new Error(`S3 request not verified: ${verified.rejection.reason}`);
  const resource = new StorageAuthorizer(model).objectArn(BUCKET, 'public/a.txt');
  const viaCaller = verified.caller.authorize('s3:GetObject', resource).allowed;
  let viaStorage = true;
  try {
    new StorageAuthorizer(model).require(verified.caller.credentials, 's3:GetObject', resource);
  } catch {
    viaStorage = false;
  }
  expect(viaStorage).toBe(viaCaller);
  return viaCaller;
}

async function appSyncAllows(c: IssuedCredentials): Promise<boolean> {
  const body = '{"query":"query { getThing(id: \\"1\\") { id } }"}';
  const request = await signForTest({
    url: `${ENDPOINT}/graphql`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    credentials: keys(c),
    service: 'appsync',
    signingDate: new Date(NOW),
  });
  const auth = await authenticate(
    { header: (name) => request.headers.get(name) ?? undefined, signedRequest: () => ({ request, body }), sourceIp: '127.0.0.1' },
    { model, registry, clock, verifySigV4 },
  );
  if (!auth.ok) throw new Error(`AppSync request not verified: ${auth.message}`);
  return fieldAuthorizer(auth, model)!('Query', 'getThing');
}

async function dynamoDbAllows(c: IssuedCredentials): Promise<boolean> {
  const body = '{"TableName":"Thing-local","Key":{"id":{"S":"1"}}}';
  const req = await signForTest({
    url: `${ENDPOINT}/`,
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.GetItem' },
    body,
    credentials: keys(c),
    service: 'dynamodb',
    signingDate: new Date(NOW),
  });
  const verified = await verifyCaller(req, opts('dynamodb'));
  if (!verified.ok) throw new Error(`DynamoDB request not verified: ${verified.rejection.reason}`);
  expect(verified.caller.body.toString('utf8')).toBe(body);
  return verified.caller.authorize('dynamodb:GetItem', `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/Thing-local`).allowed;
}

describe('verifyCaller: one IAM request context for every service', () => {
  it('evaluates one conditioned policy the same for S3, AppSync and DynamoDB', async () => {
    expect([await s3Allows(signedIn), await appSyncAllows(signedIn), await dynamoDbAllows(signedIn)]).toEqual([true, true, true]);
    expect([await s3Allows(guest), await appSyncAllows(guest), await dynamoDbAllows(guest)]).toEqual([false, false, false]);
  });

  it('sets the global condition keys AWS sets for an identity-pool session', () => {
    expect(iamRequestContext(signedIn)).toEqual({
      'aws:PrincipalArn': ROLE,
      'aws:userid': expect.stringMatching(/^AROA[0-9A-F]{17}:CognitoIdentityCredentials$/),
      'aws:SecureTransport': 'true',
      'cognito-identity.amazonaws.com:sub': signedIn.identityId,
      'cognito-identity.amazonaws.com:aud': 'us-east-1:pool',
      'cognito-identity.amazonaws.com:amr': 'authenticated',
    });
  });

  it('leaves the Cognito keys out for a function role', () => {
    const fn: IssuedCredentials = { ...signedIn, kind: 'function', functionName: 'worker', identityId: undefined, identityPoolId: undefined };
    const context = iamRequestContext(fn);
    expect(context['aws:userid']).toMatch(/:worker$/);
    expect(context['cognito-identity.amazonaws.com:amr']).toBeUndefined();
    expect(context['cognito-identity.amazonaws.com:sub']).toBeUndefined();
  });
});

describe('verifyCaller: refusals are data each service renders', () => {
  it('names the signed caller and words a refusal as AWS does', async () => {
    const req = await signForTest({ url: `${ENDPOINT}/`, method: 'POST', body: '{}', credentials: keys(guest), service: 'kinesis', signingDate: new Date(NOW) });
    const verified = await verifyCaller(req, opts('kinesis'));
    if (!verified.ok) throw new Error(verified.rejection.reason);
    expect(verified.caller.credentials.accessKeyId).toBe(guest.accessKeyId);
    expect(verified.caller.sessionArn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/poolRole/CognitoIdentityCredentials`);
    expect(verified.caller.authorize('kinesis:PutRecord', 'arn:aws:kinesis:us-east-1:123456789012:stream/s')).toEqual({
      allowed: false,
      message: `User: arn:aws:sts::${ACCOUNT}:assumed-role/poolRole/CognitoIdentityCredentials is not authorized to perform: kinesis:PutRecord on resource: arn:aws:kinesis:us-east-1:123456789012:stream/s because no identity-based policy allows the kinesis:PutRecord action`,
    });
  });

  it('reports a missing credential store, an oversized body and a bad signature', async () => {
    const sign = (body: string) => signForTest({ url: `${ENDPOINT}/`, method: 'POST', body, credentials: keys(signedIn), service: 'lambda', signingDate: new Date(NOW) });
    expect(await verifyCaller(await sign('{}'), opts('lambda', { credentials: undefined }))).toEqual({ ok: false, rejection: { reason: 'no-credential-store' } });
    expect(await verifyCaller(await sign('x'.repeat(2048)), opts('lambda'))).toEqual({ ok: false, rejection: { reason: 'body-too-large', limitBytes: 1024 } });
    const tampered = await verifyCaller(await sign('{}'), opts('lambda', { body: { given: '{"a":1}' } }));
    expect(tampered.ok).toBe(false);
    if (tampered.ok) return;
    expect(tampered.rejection.reason).toBe('signature');
    expect(tampered.rejection.reason === 'signature' && tampered.rejection.error.code).toBe('SignatureDoesNotMatch');
  });
});
