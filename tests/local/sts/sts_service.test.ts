import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { accountCredentials } from '../../../src/local/core/account.js';
import type { IssuedCredentials } from '../../../src/local/core/registry.js';
import type { LocalService } from '../../../src/local/core/service.js';
import { createStsService } from '../../../src/local/sts/index.js';
import { minimalModel } from '../../helpers/minimal_model.js';
import { LOCAL_ENDPOINT, serviceContext, startService, type TestServiceContext } from '../../helpers/service_context.js';
import { signForTest } from '../../helpers/sigv4.js';
import type { ManualClock } from '../../../src/local/core/clock.js';

/** The STS handler on its own: malformed requests get STS's 4xx error XML and change nothing. */

const ROLE_ARN = 'arn:aws:iam::123456789012:role/Deployer';
let t: TestServiceContext<ManualClock>;
let sts: LocalService;
let issued: IssuedCredentials[];

beforeEach(async () => {
  const model = minimalModel();
  model.iam.roles.push({
    logicalId: 'Deployer',
    arn: ROLE_ARN,
    name: 'Deployer',
    statements: [],
    trustStatements: [{ effect: 'Allow', actions: ['sts:AssumeRole'], resources: [], principals: { AWS: ['123456789012'] } }],
  });
  t = serviceContext({ name: 'sts', model });
  const account = accountCredentials(model);
  issued = [];
  t.registry.provide('identity.credentials', {
    lookup: (id) => (id === account.accessKeyId ? account : undefined),
    issueForRole: () => {
      throw new Error('not used');
    },
    issueForSession: (session, ttlSeconds) => {
      const c: IssuedCredentials = { ...session, kind: 'assumed-role', accessKeyId: `ASIATEST${issued.length}`, secretAccessKey: 's', sessionToken: 't', expiration: t.clock.now() + ttlSeconds * 1000 };
      issued.push(c);
      return c;
    },
  });
  sts = await startService(createStsService(t.ctx), t.registry);
});
afterEach(() => t.cleanup());

const form = (body: string, headers: Record<string, string> = {}) =>
  new Request(`${LOCAL_ENDPOINT}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });

const signed = (body: string, service = 'sts') =>
  signForTest({
    url: `${LOCAL_ENDPOINT}/`,
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
    credentials: accountCredentials(minimalModel()),
    service,
    signingDate: new Date(t.clock.now()),
  });

async function code(res: Response): Promise<{ status: number; code: string | undefined }> {
  const xml = await res.text();
  return { status: res.status, code: /<Code>([^<]+)<\/Code>/.exec(xml)?.[1] };
}

describe('STS requests', () => {
  it('claims form POSTs and GETs with an Action at the root, signed for sts or unsigned, and nothing else', () => {
    const url = new URL(`${LOCAL_ENDPOINT}/`);
    expect(sts.matches(form('Action=GetCallerIdentity'), url)).toBe(true);
    expect(sts.matches(new Request(`${LOCAL_ENDPOINT}/?Action=GetCallerIdentity`), new URL(`${LOCAL_ENDPOINT}/?Action=GetCallerIdentity`))).toBe(true);
    expect(sts.matches(form('x', { 'x-amz-target': 'AmazonSQS.SendMessage' }), url)).toBe(false);
    expect(sts.matches(form('x', { authorization: 'AWS4-HMAC-SHA256 Credential=AKIA/20260105/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=00' }), url)).toBe(false);
    expect(sts.matches(new Request(`${LOCAL_ENDPOINT}/graphql`, { method: 'POST', body: 'x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), new URL(`${LOCAL_ENDPOINT}/graphql`))).toBe(false);
  });

  it.each([
    ['no Action', 'Version=2011-06-15', 400, 'InvalidAction'],
    ['an unknown Action', 'Action=DeleteEverything&Version=2011-06-15', 400, 'InvalidAction'],
    ['another Version', 'Action=GetCallerIdentity&Version=2099-01-01', 400, 'InvalidAction'],
    ['an unsigned GetCallerIdentity', 'Action=GetCallerIdentity&Version=2011-06-15', 403, 'MissingAuthenticationToken'],
    ['a web identity call without a token', 'Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=' + ROLE_ARN + '&RoleSessionName=ab', 400, 'ValidationError'],
    ['a token that is no JWT', 'Action=AssumeRoleWithWebIdentity&RoleArn=' + ROLE_ARN + '&RoleSessionName=ab&WebIdentityToken=not-a-jwt', 400, 'InvalidIdentityToken'],
    ['a JWT of garbage', 'Action=AssumeRoleWithWebIdentity&RoleArn=' + ROLE_ARN + '&RoleSessionName=ab&WebIdentityToken=' + 'a.b.c', 400, 'InvalidIdentityToken'],
    ['a token of an unknown issuer', `Action=AssumeRoleWithWebIdentity&RoleArn=${ROLE_ARN}&RoleSessionName=ab&WebIdentityToken=x.${Buffer.from('{"iss":"https://cognito-identity.amazonaws.com"}').toString('base64url')}.y`, 400, 'InvalidIdentityToken'],
    ['percent garbage', 'Action=%zz&%%%=&&=', 400, 'InvalidAction'],
  ])('answers %s with a 4xx STS error', async (_what, body, status, expected) => {
    expect(await code(await sts.fetch(form(body)))).toEqual({ status, code: expected });
  });

  it.each([
    ['a missing RoleArn', 'Action=AssumeRole&RoleSessionName=ab', 'ValidationError'],
    ['a short RoleArn', 'Action=AssumeRole&RoleArn=arn:x&RoleSessionName=ab', 'ValidationError'],
    ['a DurationSeconds that is no number', `Action=AssumeRole&RoleArn=${ROLE_ARN}&RoleSessionName=ab&DurationSeconds=abc`, 'ValidationError'],
    ['a DurationSeconds over 12 hours', `Action=AssumeRole&RoleArn=${ROLE_ARN}&RoleSessionName=ab&DurationSeconds=99999`, 'ValidationError'],
    ['a session policy', `Action=AssumeRole&RoleArn=${ROLE_ARN}&RoleSessionName=ab&Policy=%7B%7D`, 'ValidationError'],
    ['a session name of 65 characters', `Action=AssumeRole&RoleArn=${ROLE_ARN}&RoleSessionName=${'a'.repeat(65)}`, 'ValidationError'],
  ])('refuses AssumeRole with %s and issues nothing', async (_what, body, expected) => {
    expect(await code(await sts.fetch(await signed(body)))).toEqual({ status: 400, code: expected });
    expect(issued).toEqual([]);
  });

  it('issues one session for a valid AssumeRole (the default hour, on the injected clock)', async () => {
    const res = await sts.fetch(await signed(`Action=AssumeRole&Version=2011-06-15&RoleArn=${ROLE_ARN}&RoleSessionName=ok-1`));
    expect(res.status).toBe(200);
    expect(issued).toHaveLength(1);
    expect(issued[0]).toMatchObject({ roleArn: ROLE_ARN, sessionName: 'ok-1', chained: false, expiration: t.clock.now() + 3600_000 });
    expect(await res.text()).toContain(`<Expiration>${new Date(Math.floor((t.clock.now() + 3600_000) / 1000) * 1000).toISOString().replace('.000Z', 'Z')}</Expiration>`);
  });

  it('refuses a request signed for another service as SignatureDoesNotMatch', async () => {
    const req = await signed('Action=GetCallerIdentity&Version=2011-06-15', 'sts');
    const body = await req.text();
    // Re-sent with the scope of another service: the credential scope no longer names sts.
    const other = await signForTest({
      url: `${LOCAL_ENDPOINT}/`,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
      credentials: accountCredentials(minimalModel()),
      service: 'iam',
      signingDate: new Date(t.clock.now()),
    });
    // The front door routes it elsewhere; called directly, STS refuses the scope.
    expect(await code(await sts.fetch(other))).toEqual({ status: 403, code: 'SignatureDoesNotMatch' });
  });
});
