import { afterEach, describe, expect, it } from 'vitest';
import { makeToken, startWire, type WireHarness } from './fixtures.js';

let h: WireHarness;
afterEach(async () => h?.stop());

const auth = () => ({ authorization: makeToken() });

async function expectAlive(): Promise<void> {
  const res = await h.graphql({ headers: auth() });
  expect(res.status).toBe(200);
}

describe('malformed requests get AppSync-shaped 4xx answers', () => {
  it('answers an empty body with 400 MalformedHttpRequestException "Request body is empty."', async () => {
    h = await startWire();
    const res = await h.graphql({ body: '', headers: auth() });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ errors: [{ errorType: 'MalformedHttpRequestException', message: 'Request body is empty.' }] });
    await expectAlive();
  });

  it.each([['meow'], ['{}'], ['{}}'], ['[]'], ['{"query": 42}'], ['{"query": "{ ping }", "variables": [1]}']])(
    'answers body %s with 400 "Unable to parse GraphQL query."',
    async (body) => {
      h = await startWire();
      const res = await h.graphql({ body, headers: auth() });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ errors: [{ errorType: 'MalformedHttpRequestException', message: 'Unable to parse GraphQL query.' }] });
      expect(h.engine.calls).toHaveLength(0);
    },
  );

  it('answers a GraphQL syntax error with 400 and says where it is', async () => {
    h = await startWire();
    const res = await h.graphql({ body: JSON.stringify({ query: 'query { ping ' }), headers: auth() });
    expect(res.status).toBe(400);
    const { errors } = (await res.json()) as { errors: { errorType: string; message: string }[] };
    expect(errors[0].errorType).toBe('MalformedHttpRequestException');
    expect(errors[0].message).toMatch(/^Unable to parse GraphQL query\. \(\(local: Syntax Error: .* at line 1 column \d+\)\)$/);
    await expectAlive();
  });

  it('accepts variables sent as a JSON string', async () => {
    h = await startWire();
    const res = await h.graphql({ body: JSON.stringify({ query: 'query Q($id: ID) { ping }', variables: '{"id":"1"}' }), headers: auth() });
    expect(res.status).toBe(200);
    expect(h.engine.calls[0].variables).toEqual({ id: '1' });
  });

  it('refuses a body over the limit with 413 and keeps serving', async () => {
    h = await startWire({ maxRequestBytes: 1024 });
    const res = await h.graphql({ body: JSON.stringify({ query: `{ ping } # ${'x'.repeat(2000)}` }), headers: auth() });
    expect(res.status).toBe(413);
    const { errors } = (await res.json()) as { errors: { errorType: string; message: string }[] };
    expect(errors[0].errorType).toBe('PayloadTooLargeException');
    await expectAlive();
  });

  it('refuses an over-limit body before authenticating it', async () => {
    h = await startWire({ maxRequestBytes: 1024 });
    const res = await h.graphql({ body: 'x'.repeat(5000) });
    expect(res.status).toBe(413);
  });
});

describe('GraphQL-level results', () => {
  it('passes the engine\'s validation errors through as a 200 with data null, as AppSync does', async () => {
    h = await startWire();
    h.engine.executeImpl = async () => ({
      data: null,
      errors: [
        {
          path: undefined,
          locations: [{ line: 1, column: 3, sourceName: null }],
          message: "Validation error of type FieldUndefined: Field 'nope' in type 'Query' is undefined @ 'nope'",
        },
      ],
    });
    const res = await h.graphql({ body: JSON.stringify({ query: '{ nope }' }), headers: auth() });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: unknown; errors: { message: string }[] };
    expect(body.data).toBeNull();
    expect(body.errors[0].message).toMatch(/^Validation error of type FieldUndefined/);
  });

  it('turns an engine fault into a 500 InternalFailure and keeps serving', async () => {
    h = await startWire();
    let fail = true;
    h.engine.executeImpl = async () => {
      if (fail) {
        fail = false;
        throw new Error('boom');
      }
      return { data: { ping: 'pong' } };
    };
    const res = await h.graphql({ headers: auth() });
    expect(res.status).toBe(500);
    expect(((await res.json()) as { errors: { errorType: string }[] }).errors[0].errorType).toBe('InternalFailure');
    await expectAlive();
  });

  it('passes operationName, variables, request headers and a request id to the engine', async () => {
    h = await startWire();
    const res = await h.graphql({
      body: JSON.stringify({ query: 'query A { ping } query B { ping }', operationName: 'B', variables: { x: 1 } }),
      headers: { ...auth(), 'x-custom': 'yes' },
    });
    expect(res.headers.get('x-amzn-requestid')).toBe(h.engine.calls[0].requestId);
    expect(h.engine.calls[0]).toMatchObject({ operationName: 'B', variables: { x: 1 } });
    expect(h.engine.calls[0].headers['x-custom']).toBe('yes');
  });
});

describe('request log and metrics', () => {
  it('records each request with operation, identity, status and errors, newest first', async () => {
    h = await startWire();
    await h.graphql({ body: JSON.stringify({ query: 'query GetIt { ping }' }), headers: auth() });
    await h.graphql({ body: JSON.stringify({ query: 'mutation { ping }' }), headers: auth() });
    await h.graphql({ body: JSON.stringify({ query: '{ ping }' }) });
    const [denied, mutation, query] = h.service.requests();
    expect(query).toMatchObject({ operationType: 'query', operationName: 'GetIt', principal: 'sub-alice', authMode: 'AMAZON_COGNITO_USER_POOLS', status: 200 });
    expect(mutation).toMatchObject({ operationType: 'mutation', operationName: 'ping', status: 200 });
    expect(denied.status).toBe(401);
    expect(denied.errors[0].errorType).toBe('UnauthorizedException');
    expect(denied.errors[0].message).toContain('((local:');
  });

  it("counts requests under AppSync's metric names", async () => {
    h = await startWire();
    await h.graphql({ headers: auth() });
    await h.graphql({ headers: auth() });
    await h.graphql({});
    const m = h.service.metrics();
    expect(m.RequestCount).toBe(3);
    expect(m['4XXError']).toBe(1);
    expect(m['5XXError']).toBe(0);
    expect(m.Latency.count).toBe(3);
    expect(m.Latency.max).toBeGreaterThanOrEqual(m.Latency.p50);
  });

  it('keeps only the newest requests in the ring', async () => {
    h = await startWire({ requestLogSize: 3 });
    for (let i = 0; i < 5; i++) await h.graphql({ body: JSON.stringify({ query: `query Q${i} { ping }` }), headers: auth() });
    expect(h.service.requests().map((r) => r.operationName)).toEqual(['Q4', 'Q3', 'Q2']);
    expect(h.service.metrics().RequestCount).toBe(5);
  });

  it('clears the log and counters on reset', async () => {
    h = await startWire();
    await h.graphql({ headers: auth() });
    await h.service.reset();
    expect(h.service.requests()).toEqual([]);
    expect(h.service.metrics().RequestCount).toBe(0);
  });
});
