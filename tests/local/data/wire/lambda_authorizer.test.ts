import { afterEach, describe, expect, it } from 'vitest';
import type { FunctionInvoker, InvokeResult } from '../../../../src/local/core/registry.js';
import { API_ID, makeToken, startWire, testModel, type WireHarness } from './fixtures.js';

let h: WireHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const AUTHORIZER = 'AuthorizerFn';

/** An authorizer function as the functions service would run it: records each event, answers `decide(event)`. */
function authorizer(decide: (event: AuthorizerEvent) => unknown, opts: { fail?: boolean } = {}) {
  const events: AuthorizerEvent[] = [];
  const invoker: FunctionInvoker = {
    has: (id) => id === AUTHORIZER,
    invoke: async (_id, event): Promise<InvokeResult> => {
      events.push(event as AuthorizerEvent);
      if (opts.fail) return { payload: { errorType: 'Error', errorMessage: 'boom' }, functionError: 'Unhandled' };
      return { payload: decide(event as AuthorizerEvent) };
    },
  };
  return { invoker, events };
}

interface AuthorizerEvent {
  authorizationToken: string;
  requestContext: { apiId: string; accountId: string; requestId: string; queryString: string; operationName: string | null; variables: unknown };
  requestHeaders: Record<string, string>;
}

function lambdaModel(extra: { ttlSeconds?: number; identityValidationExpression?: string; withUserPools?: boolean } = {}) {
  return testModel({
    defaultAuthMode: 'AWS_LAMBDA',
    additionalAuthModes: extra.withUserPools ? ['AMAZON_COGNITO_USER_POOLS'] : [],
    lambdaAuthorizer: { functionLogicalId: AUTHORIZER, ttlSeconds: extra.ttlSeconds, identityValidationExpression: extra.identityValidationExpression },
  });
}

async function start(decide: (event: AuthorizerEvent) => unknown, model = lambdaModel(), opts: { fail?: boolean } = {}) {
  const fn = authorizer(decide, opts);
  h = await startWire({ model });
  h.registry.provide('functions.invoker', fn.invoker);
  return fn;
}

const query = (token: string, body = { query: 'query Q($n: Int) { ping }', operationName: 'Q', variables: { n: 1 } }) =>
  h!.graphql({ headers: { authorization: token, 'x-custom': 'yes' }, body: JSON.stringify(body) });

describe('AWS_LAMBDA authorization', () => {
  it("sends the authorizer AppSync's event and runs the request with its resolverContext as the identity", async () => {
    const fn = await start(() => ({ isAuthorized: true, resolverContext: { tenant: 'acme' } }));
    const res = await query('custom-token-1');
    expect(res.status).toBe(200);
    expect(fn.events).toHaveLength(1);
    expect(fn.events[0]).toMatchObject({
      authorizationToken: 'custom-token-1',
      requestContext: { apiId: API_ID, accountId: '123456789012', queryString: 'query Q($n: Int) { ping }', operationName: 'Q', variables: { n: 1 } },
      requestHeaders: { authorization: 'custom-token-1', 'x-custom': 'yes' },
    });
    expect(fn.events[0].requestContext.requestId).toBe(res.headers.get('x-amzn-requestid'));
    const call = h!.engine.calls[0];
    expect(call.authMode).toBe('AWS_LAMBDA');
    expect(call.identity).toEqual({ resolverContext: { tenant: 'acme' } });
  });

  it.each([
    ['isAuthorized: false', () => ({ isAuthorized: false }), {}],
    ['an answer without isAuthorized', () => ({}), {}],
    ['a failing authorizer', () => ({ isAuthorized: true }), { fail: true }],
  ])('refuses with 401 on %s', async (_name, decide, opts) => {
    await start(decide, lambdaModel(), opts);
    const res = await query('t');
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ errors: [{ errorType: 'UnauthorizedException', message: 'You are not authorized to make this call.' }] });
    expect(h!.engine.calls).toHaveLength(0);
  });

  it('denies the deniedFields, given as ARNs or Type.field', async () => {
    await start(() => ({
      isAuthorized: true,
      deniedFields: [`arn:aws:appsync:us-east-1:123456789012:apis/${API_ID}/types/Query/fields/ping`, 'Post.secret'],
    }));
    await query('t');
    const authorize = h!.engine.calls[0].authorizeField!;
    expect(authorize('Query', 'ping')).toBe(false);
    expect(authorize('Post', 'secret')).toBe(false);
    expect(authorize('Post', 'title')).toBe(true);
  });

  it('caches a decision per token for the TTL, and ttlOverride wins over the configured TTL', async () => {
    let ttlOverride: number | undefined = undefined;
    const fn = await start(() => ({ isAuthorized: true, ttlOverride }), lambdaModel({ ttlSeconds: 60 }));
    await query('a');
    await query('a');
    expect(fn.events).toHaveLength(1);
    h!.clock.advance(61_000);
    await query('a');
    expect(fn.events).toHaveLength(2);
    await query('b');
    expect(fn.events).toHaveLength(3);
    ttlOverride = 0;
    await query('c');
    await query('c');
    expect(fn.events).toHaveLength(5);
  });

  it('refuses a token that fails the identityValidationExpression without running the authorizer', async () => {
    const fn = await start(() => ({ isAuthorized: true }), lambdaModel({ identityValidationExpression: '^allow-' }));
    expect((await query('deny-me')).status).toBe(401);
    expect(fn.events).toHaveLength(0);
    expect((await query('allow-me')).status).toBe(200);
  });

  it('takes a token the user pool accepts as a user-pool request, and any other to the authorizer', async () => {
    const fn = await start(() => ({ isAuthorized: true, resolverContext: {} }), lambdaModel({ withUserPools: true }));
    await query(makeToken());
    expect(h!.engine.calls[0].authMode).toBe('AMAZON_COGNITO_USER_POOLS');
    expect(fn.events).toHaveLength(0);
    await query('not-a-jwt');
    expect(h!.engine.calls[1].authMode).toBe('AWS_LAMBDA');
    expect(fn.events).toHaveLength(1);
  });

  it('refuses with 401 when the functions service is not running', async () => {
    h = await startWire({ model: lambdaModel() });
    const res = await query('t');
    expect(res.status).toBe(401);
  });
});

