import { describe, expect, it } from 'vitest';
import { jsonError } from '../../../src/local/core/aws_errors.js';
import type { Logger } from '../../../src/local/core/logger.js';
import { routeRequest } from '../../../src/local/core/router.js';
import type { RequestHandler } from '../../../src/local/core/service.js';

function service(name: string, matches: RequestHandler['matches'], fetch: RequestHandler['fetch']): RequestHandler {
  return { name, matches, fetch };
}

function recordingLogger() {
  const errors: string[] = [];
  const log: Logger = { info: () => {}, warn: () => {}, error: (m) => errors.push(m), child: () => log };
  return { log, errors };
}

const cognito = service(
  'auth',
  (req) => (req.headers.get('x-amz-target') ?? '').startsWith('AWSCognitoIdentityProviderService.'),
  async () => Response.json({ from: 'auth' }),
);
const graphql = service('data', (_req, url) => url.pathname === '/graphql', async () => Response.json({ from: 'data' }));
const catchAll = service('storage', (_req, url) => url.pathname.startsWith('/'), async () => Response.json({ from: 'storage' }));

describe('routeRequest', () => {
  it('hands the request to the first service whose matches() accepts it', async () => {
    const { log } = recordingLogger();
    const req = new Request('https://127.0.0.1/', {
      method: 'POST',
      headers: { 'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth' },
      body: '{}',
    });
    const res = await routeRequest([cognito, graphql, catchAll], req, log);
    expect(await res.json()).toEqual({ from: 'auth' });
    const res2 = await routeRequest([cognito, graphql, catchAll], new Request('https://127.0.0.1/graphql', { method: 'POST' }), log);
    expect(await res2.json()).toEqual({ from: 'data' });
  });

  it('answers an unknown X-Amz-Target with 400 UnknownOperationException', async () => {
    const { log } = recordingLogger();
    const req = new Request('https://127.0.0.1/', { method: 'POST', headers: { 'x-amz-target': 'Bogus_2020.DoThing' } });
    const res = await routeRequest([cognito, graphql], req, log);
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    expect(await res.json()).toMatchObject({ __type: 'UnknownOperationException', message: expect.stringContaining('Bogus_2020.DoThing') });
  });

  it('answers an unknown path with a 404 JSON UnknownOperationException', async () => {
    const { log } = recordingLogger();
    const res = await routeRequest([cognito, graphql], new Request('https://127.0.0.1/nowhere'), log);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toMatchObject({ __type: 'UnknownOperationException', message: expect.stringContaining('/nowhere') });
  });

  it('turns a throwing handler into 500 InternalFailure and logs the stack', async () => {
    const { log, errors } = recordingLogger();
    const broken = service('broken', () => true, async () => {
      throw new TypeError('boom in handler');
    });
    const res = await routeRequest([broken], new Request('https://127.0.0.1/x'), log);
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ __type: 'InternalFailure' });
    expect(errors.join('\n')).toMatch(/TypeError: boom in handler\n\s+at /);
  });

  it('passes user errors a service maps itself through unchanged', async () => {
    const { log, errors } = recordingLogger();
    const strict = service('auth', () => true, async () => jsonError<'NotAuthorizedException'>(400, 'NotAuthorizedException', 'nope'));
    const res = await routeRequest([strict], new Request('https://127.0.0.1/'), log);
    expect(res.status).toBe(400);
    expect(errors).toEqual([]);
  });

  it('answers CORS preflights without asking the services', async () => {
    const { log } = recordingLogger();
    let asked = false;
    const spy = service('spy', () => ((asked = true), true), async () => new Response('no'));
    const req = new Request('https://127.0.0.1/graphql', {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,x-amz-date' },
    });
    const res = await routeRequest([spy], req, log);
    expect(asked).toBe(false);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect(res.headers.get('access-control-allow-headers')).toBe('authorization,x-amz-date');
    expect(res.headers.get('access-control-allow-methods')).toContain('PUT');
  });

  it('adds CORS headers exposing ETag and the x-amz headers of the response to browser requests', async () => {
    const { log } = recordingLogger();
    const s3 = service('storage', () => true, async () =>
      new Response('ok', { headers: { etag: '"abc"', 'x-amz-meta-owner': 'alice', 'x-amz-version-id': 'v1' } }),
    );
    const res = await routeRequest([s3], new Request('https://127.0.0.1/b.x/k', { headers: { origin: 'http://localhost:8081' } }), log);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:8081');
    const exposed = res.headers.get('access-control-expose-headers')!.toLowerCase().split(/,\s*/);
    expect(exposed).toEqual(expect.arrayContaining(['etag', 'x-amz-meta-owner', 'x-amz-version-id', 'x-amz-request-id']));
    expect(await res.text()).toBe('ok');
  });

  it('adds no CORS headers when the request has no Origin', async () => {
    const { log } = recordingLogger();
    const res = await routeRequest([catchAll], new Request('https://127.0.0.1/x'), log);
    expect(res.headers.has('access-control-allow-origin')).toBe(false);
  });
});
