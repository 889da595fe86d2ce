import { describe, expect, it } from 'vitest';
import { accountCredentials } from '../../../src/local/core/account.js';
import type { CredentialStore } from '../../../src/local/core/registry.js';
import { silentLogger } from '../../../src/local/core/logger.js';
import { labelRequest } from '../../../src/local/core/request_info.js';
import { operationOf, RequestJournal } from '../../../src/local/core/request_journal.js';
import { routeRequest } from '../../../src/local/core/router.js';
import type { RequestHandler } from '../../../src/local/core/service.js';

const entry = (service: string, status: number) => ({ at: 1, service, method: 'GET', path: '/', status, latencyMs: 1 });

describe('RequestJournal', () => {
  it('keeps only the last `capacity` requests, newest first', () => {
    const j = new RequestJournal(3);
    for (let i = 0; i < 5; i++) j.add(entry('auth', 200 + i));
    expect(j.list().map((e) => e.status)).toEqual([204, 203, 202]);
    expect(j.list().map((e) => e.seq)).toEqual([5, 4, 3]);
    expect(j.list({ limit: 2 }).map((e) => e.seq)).toEqual([5, 4]);
  });

  it('starts empty again after clear, numbering on', () => {
    const j = new RequestJournal(3);
    for (let i = 0; i < 4; i++) j.add(entry('auth', 200));
    j.clear();
    expect(j.list()).toEqual([]);
    j.add(entry('data', 201));
    expect(j.list().map((e) => [e.seq, e.service])).toEqual([[5, 'data']]);
  });

  it('filters by service, status class or code, and entries after a sequence number', () => {
    const j = new RequestJournal();
    j.add(entry('auth', 200));
    j.add(entry('storage', 403));
    j.add(entry('storage', 200));
    j.add(entry('data', 500));
    expect(j.list({ service: 'storage' }).map((e) => e.status)).toEqual([200, 403]);
    expect(j.list({ status: '4xx' }).map((e) => e.service)).toEqual(['storage']);
    expect(j.list({ status: '500' }).map((e) => e.service)).toEqual(['data']);
    expect(j.list({ after: 2 }).map((e) => e.seq)).toEqual([4, 3]);
    expect(j.list({ limit: 1 })).toHaveLength(1);
  });

  it('names the caller of the developer keys, an unknown key, a bearer token\'s user, or nobody', () => {
    const model = { accountId: '123456789012' };
    const account = accountCredentials(model);
    const store: CredentialStore = { lookup: (id) => (id === account.accessKeyId ? account : undefined), issueForRole: () => account };
    const j = new RequestJournal(10, () => store);
    const signed = (key: string) =>
      new Request('https://h/', { headers: { authorization: `AWS4-HMAC-SHA256 Credential=${key}/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00` } });
    expect(j.callerOf(signed(account.accessKeyId))).toBe('developer keys');
    expect(j.callerOf(signed('AKIAUNKNOWN0000000'))).toBe('unknown key AKIAUNKNOWN0000000');
    const payload = Buffer.from(JSON.stringify({ sub: 's', username: 'alice' })).toString('base64url');
    expect(j.callerOf(new Request('https://h/graphql', { headers: { authorization: `eyJhbGciOiJSUzI1NiJ9.${payload}.sig` } }))).toBe('alice');
    expect(j.callerOf(new Request('https://h/'))).toBeUndefined();
  });
});

describe('operationOf', () => {
  const op = (service: string, method: string, url: string, headers: Record<string, string> = {}) => operationOf(service, new Request(url, { method, headers }), new URL(url));

  it('reads the JSON protocols\' target, S3 operations and Lambda invokes', () => {
    expect(op('auth', 'POST', 'https://h/', { 'x-amz-target': 'AWSCognitoIdentityProviderService.AdminCreateUser' })).toBe('AdminCreateUser');
    expect(op('storage', 'GET', 'https://h/bucket/a/b.png')).toBe('GetObject');
    expect(op('storage', 'GET', 'https://h/bucket?list-type=2&prefix=a')).toBe('ListObjectsV2');
    expect(op('storage', 'GET', 'https://h/')).toBe('ListBuckets');
    expect(op('storage', 'PUT', 'https://h/bucket/k?partNumber=1&uploadId=u')).toBe('UploadPart');
    expect(op('functions', 'POST', 'https://h/2015-03-31/functions/fn-1/invocations')).toBe('Invoke fn-1');
    expect(op('sts', 'POST', 'https://h/?Action=GetCallerIdentity')).toBe('GetCallerIdentity');
  });
});

describe('the router\'s journal', () => {
  const handler = (name: string, label?: { operation?: string; caller?: string }): RequestHandler => ({
    name,
    matches: () => true,
    fetch: async (req) => {
      if (label) labelRequest(req, label);
      return new Response('{}', { status: 201 });
    },
  });

  it('records what the service labelled (a GraphQL operation, its verified caller) over what it can guess', async () => {
    const journal = new RequestJournal(10, () => undefined, () => 42);
    const payload = Buffer.from(JSON.stringify({ username: 'claimed' })).toString('base64url');
    await routeRequest([handler('data', { operation: 'ListPosts', caller: 'sub-1' })], new Request('https://h/graphql', { method: 'POST', headers: { authorization: `e30.${payload}.x` }, body: '{}' }), silentLogger, journal);
    await routeRequest([handler('data')], new Request('https://h/graphql', { method: 'POST', headers: { authorization: `e30.${payload}.x` }, body: '{}' }), silentLogger, journal);
    expect(journal.list().map((e) => [e.operation, e.caller, e.status, e.at])).toEqual([
      [undefined, 'claimed', 201, 42],
      ['ListPosts', 'sub-1', 201, 42],
    ]);
  });

  it('leaves the frame\'s own admin API and console out', async () => {
    const journal = new RequestJournal();
    await routeRequest([handler('admin')], new Request('https://h/_local/health'), silentLogger, journal);
    await routeRequest([handler('console')], new Request('https://h/'), silentLogger, journal);
    expect(journal.list()).toEqual([]);
  });
});

describe('operationOf', () => {
  it('names a Lambda invocation whose function name is not valid percent-encoding without throwing', () => {
    const url = new URL('https://127.0.0.1:20002/2015-03-31/functions/%zz/invocations');
    expect(operationOf('functions', new Request(url, { method: 'POST' }), url)).toBe('Invoke %zz');
    const ok = new URL('https://127.0.0.1:20002/2015-03-31/functions/my%2Dfn/invocations');
    expect(operationOf('functions', new Request(ok, { method: 'POST' }), ok)).toBe('Invoke my-fn');
  });
});
