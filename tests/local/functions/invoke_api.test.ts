import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IssuedCredentials } from '../../../src/local/core/registry.js';
import { createFunctionsServiceWith, type FunctionsService } from '../../../src/local/functions/index.js';
import { parseFunctionName } from '../../../src/local/functions/invoke_api.js';
import { signForTest } from '../../helpers/sigv4.js';
import { ACCOUNT, fixtureFunction, role, testContext, testModel, type TestContext } from './helpers.js';

const ENDPOINT = 'https://127.0.0.1:20002';
const okFn = fixtureFunction('ok');
const throwFn = fixtureFunction('throw');
const logsFn = fixtureFunction('logs');

const invokerRole = role('invoker', [
  { effect: 'Allow', actions: ['lambda:InvokeFunction'], resources: [okFn.arn, throwFn.arn, logsFn.arn] },
]);
const readerRole = role('reader', [{ effect: 'Allow', actions: ['s3:GetObject'], resources: ['*'] }]);
const deniedRole = role('denied', [
  { effect: 'Allow', actions: ['lambda:*'], resources: ['*'] },
  { effect: 'Deny', actions: ['lambda:InvokeFunction'], resources: [okFn.arn] },
]);

let t: TestContext;
let service: FunctionsService;
let invoker: IssuedCredentials;

beforeEach(async () => {
  t = testContext(testModel({ functions: [okFn, throwFn, logsFn], iam: { roles: [invokerRole, readerRole, deniedRole] } }), {
    endpoint: ENDPOINT,
  });
  service = createFunctionsServiceWith({ asyncRetryDelayMs: () => 0 })(t.ctx);
  t.registry.publish(await service.start());
  service.connect(t.registry);
  invoker = t.credentials.issueForRole(invokerRole.arn, 'caller', 3600);
});

afterEach(async () => {
  await service.stop();
  t.cleanup();
});

async function invoke(
  name: string,
  payload: string | undefined,
  opts: { creds?: IssuedCredentials; headers?: Record<string, string>; query?: string } = {},
): Promise<Response> {
  const creds = opts.creds ?? invoker;
  const req = await signForTest({
    url: `${ENDPOINT}/2015-03-31/functions/${encodeURIComponent(name)}/invocations${opts.query ?? ''}`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...opts.headers },
    body: payload,
    credentials: creds,
    service: 'lambda',
    signingDate: new Date(t.clock.now()),
  });
  expect(service.matches(req, new URL(req.url))).toBe(true);
  return service.fetch(req);
}

describe('Lambda Invoke API', () => {
  it('invokes a function with a signed request and returns its result', async () => {
    const res = await invoke(okFn.functionName, JSON.stringify({ hi: 1 }));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-amz-executed-version')).toBe('$LATEST');
    expect(res.headers.get('x-amz-function-error')).toBeNull();
    const body = (await res.json()) as { event: unknown; requestId: string };
    expect(body.event).toEqual({ hi: 1 });
    expect(res.headers.get('x-amzn-requestid')).toBe(body.requestId);
    expect(service.invocations('ok')[0].source).toBe('lambda-api');
  });

  it('accepts the function ARN, a partial ARN and $LATEST as qualifier', async () => {
    for (const name of [okFn.arn, `${ACCOUNT}:function:${okFn.functionName}`, `${okFn.functionName}:$LATEST`]) {
      const res = await invoke(name, '{}');
      expect(res.status, name).toBe(200);
    }
    expect((await invoke(okFn.functionName, '{}', { query: '?Qualifier=%24LATEST' })).status).toBe(200);
  });

  it('passes an empty object when there is no payload', async () => {
    const res = await invoke(okFn.functionName, undefined);
    expect(((await res.json()) as { event: unknown }).event).toEqual({});
  });

  it('marks a failed invocation with X-Amz-Function-Error and returns the error payload', async () => {
    const res = await invoke(throwFn.functionName, '{"n":2}');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-amz-function-error')).toBe('Unhandled');
    expect(await res.json()).toMatchObject({ errorType: 'ValidationError', errorMessage: 'bad input {"n":2}' });
  });

  it('returns the tail of the log when asked', async () => {
    const res = await invoke(logsFn.functionName, '{"who":"api"}', { headers: { 'x-amz-log-type': 'Tail' } });
    const log = Buffer.from(res.headers.get('x-amz-log-result') ?? '', 'base64').toString('utf8');
    expect(log).toMatch(/hello from api/);
    expect(log).toMatch(/REPORT RequestId:/);
  });

  it('answers an Event invocation with 202 and runs it in the background', async () => {
    const res = await invoke(okFn.functionName, '{"async":true}', { headers: { 'x-amz-invocation-type': 'Event' } });
    expect(res.status).toBe(202);
    expect(await res.text()).toBe('');
    for (let i = 0; i < 100 && service.invocations('ok').length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(service.invocations('ok')).toHaveLength(1);
  });

  it('answers a DryRun with 204 without running the function', async () => {
    const res = await invoke(okFn.functionName, '{}', { headers: { 'x-amz-invocation-type': 'DryRun' } });
    expect(res.status).toBe(204);
    expect(service.invocations('ok')).toHaveLength(0);
  });

  it('refuses an unknown invocation type', async () => {
    const res = await invoke(okFn.functionName, '{}', { headers: { 'x-amz-invocation-type': 'Later' } });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('InvalidParameterValueException');
  });

  it('answers ResourceNotFoundException for an unknown function or qualifier', async () => {
    const res = await invoke('nope', '{}');
    expect(res.status).toBe(404);
    expect(res.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
    expect(await res.json()).toEqual({ Type: 'User', message: `Function not found: arn:aws:lambda:us-east-1:${ACCOUNT}:function:nope` });
    const qualified = await invoke(`${okFn.functionName}:prod`, '{}');
    expect(qualified.status).toBe(404);
  });

  it('refuses a payload that is not JSON', async () => {
    const res = await invoke(okFn.functionName, '{not json');
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('InvalidRequestContentException');
    expect(service.invocations('ok')).toHaveLength(0);
  });

  it("refuses a caller whose role's policies do not allow lambda:InvokeFunction", async () => {
    const reader = t.credentials.issueForRole(readerRole.arn, 'reader', 3600);
    const res = await invoke(okFn.functionName, '{}', { creds: reader });
    expect(res.status).toBe(403);
    expect(res.headers.get('x-amzn-errortype')).toBe('AccessDeniedException');
    expect(((await res.json()) as { message: string }).message).toBe(
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/reader/reader is not authorized to perform: lambda:InvokeFunction on resource: ${okFn.arn} because no identity-based policy allows the lambda:InvokeFunction action`,
    );
    expect(service.invocations('ok')).toHaveLength(0);
  });

  it('honours an explicit Deny over an Allow', async () => {
    const denied = t.credentials.issueForRole(deniedRole.arn, 'denied', 3600);
    const res = await invoke(okFn.functionName, '{}', { creds: denied });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { message: string }).message).toMatch(/with an explicit deny/);
    expect((await invoke(throwFn.functionName, '{"ok":true}', { creds: denied })).status).toBe(200);
  });

  it('refuses an unsigned request', async () => {
    const req = new Request(`${ENDPOINT}/2015-03-31/functions/${okFn.functionName}/invocations`, { method: 'POST', body: '{}' });
    const res = await service.fetch(req);
    expect(res.status).toBe(403);
    expect(res.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
  });

  it('refuses a request signed with the wrong secret or unknown keys', async () => {
    const forged = await invoke(okFn.functionName, '{}', { creds: { ...invoker, secretAccessKey: 'wrong' } });
    expect(forged.status).toBe(403);
    expect(forged.headers.get('x-amzn-errortype')).toBe('InvalidSignatureException');
    const unknown = await invoke(okFn.functionName, '{}', { creds: { ...invoker, accessKeyId: 'ASIAUNKNOWN000000000' } });
    expect(unknown.status).toBe(403);
    expect(unknown.headers.get('x-amzn-errortype')).toBe('UnrecognizedClientException');
    expect(service.invocations('ok')).toHaveLength(0);
  });

  it('refuses expired credentials', async () => {
    t.clock.advance(3601 * 1000);
    const res = await invoke(okFn.functionName, '{}');
    expect(res.status).toBe(403);
    expect(res.headers.get('x-amzn-errortype')).toBe('ExpiredTokenException');
  });

  it('answers other Lambda API calls with UnknownOperationException', async () => {
    const req = await signForTest({
      url: `${ENDPOINT}/2015-03-31/functions/${okFn.functionName}`,
      method: 'DELETE',
      credentials: invoker,
      service: 'lambda',
      signingDate: new Date(t.clock.now()),
    });
    const res = await service.fetch(req);
    expect(res.status).toBe(404);
    expect(res.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
  });
});

describe('function names in the Invoke API', () => {
  it('splits names, qualifiers, full and partial ARNs', () => {
    expect(parseFunctionName('fn')).toEqual({ name: 'fn', qualifier: undefined });
    expect(parseFunctionName('fn:$LATEST')).toEqual({ name: 'fn', qualifier: '$LATEST' });
    expect(parseFunctionName('arn:aws:lambda:us-east-1:123456789012:function:fn')).toEqual({ name: 'fn', qualifier: undefined });
    expect(parseFunctionName('arn:aws:lambda:us-east-1:123456789012:function:fn:3')).toEqual({ name: 'fn', qualifier: '3' });
    expect(parseFunctionName('123456789012:function:fn')).toEqual({ name: 'fn', qualifier: undefined });
  });
});
