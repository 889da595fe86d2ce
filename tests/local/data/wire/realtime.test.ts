import { signRequest } from '@aws-amplify/core/internals/aws-client-utils';
import { afterEach, describe, expect, it } from 'vitest';
import {
  aliceCreds,
  API_KEY,
  headerProtocol,
  listenForUpgrades,
  makeToken,
  NOW,
  startWire,
  TestSocket,
  userPoolHeaders,
  type WireHarness,
} from './fixtures.js';

const SUBSCRIPTION = 'subscription OnCreate { onCreateThing { id owner name } }';

let h: WireHarness;
let server: Awaited<ReturnType<typeof listenForUpgrades>> | undefined;
const sockets: TestSocket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  await h?.stop();
  await server?.close();
  server = undefined;
});

/** A manual keep-alive scheduler: tests fire the interval themselves. */
function manualKeepAlive() {
  const timers = new Map<number, () => void>();
  let next = 0;
  return {
    timers,
    options: {
      intervalMs: 60_000,
      setInterval: (fn: () => void) => {
        timers.set(++next, fn);
        return next;
      },
      clearInterval: (handle: unknown) => void timers.delete(handle as number),
    },
    fire: () => [...timers.values()].forEach((fn) => fn()),
  };
}

async function setup(opts: Parameters<typeof startWire>[0] = {}): Promise<void> {
  h = await startWire(opts);
  server = await listenForUpgrades(h.service);
}

async function connect(headers: Record<string, string> = userPoolHeaders(makeToken()), path = '/graphql/realtime'): Promise<TestSocket> {
  const sock = await TestSocket.open(`${server!.url}${path}`, ['graphql-ws', headerProtocol(headers)]);
  sockets.push(sock);
  return sock;
}

async function connectAndInit(headers?: Record<string, string>): Promise<TestSocket> {
  const sock = await connect(headers);
  sock.send({ type: 'connection_init' });
  await sock.next((m) => m.type === 'connection_ack');
  return sock;
}

function start(sock: TestSocket, id: string, token = makeToken(), query = SUBSCRIPTION): void {
  sock.send({
    type: 'start',
    id,
    payload: { data: JSON.stringify({ query, variables: {} }), extensions: { authorization: userPoolHeaders(token) } },
  });
}

describe('connection handshake', () => {
  it('acks connection_init with connectionTimeoutMs 300000 and sends a keep-alive', async () => {
    await setup();
    const sock = await connect();
    expect(sock.ws.protocol).toBe('graphql-ws');
    sock.send({ type: 'connection_init' });
    expect(await sock.next()).toEqual({ type: 'connection_ack', payload: { connectionTimeoutMs: 300000 } });
    expect(await sock.next()).toEqual({ type: 'ka' });
    expect(h.service.metrics()).toMatchObject({ ConnectSuccess: 1, ActiveConnections: 1 });
  });

  it('accepts the auth header in the ?header= query form', async () => {
    await setup();
    const encoded = Buffer.from(JSON.stringify(userPoolHeaders(makeToken()))).toString('base64');
    const sock = await TestSocket.open(`${server!.url}/graphql/realtime?header=${encodeURIComponent(encoded)}&payload=e30=`, ['graphql-ws']);
    sockets.push(sock);
    sock.send({ type: 'connection_init' });
    expect((await sock.next()).type).toBe('connection_ack');
  });

  it('answers a bad connection token with connection_error 401 UnauthorizedException and closes', async () => {
    await setup();
    const sock = await connect(userPoolHeaders('garbage'));
    sock.send({ type: 'connection_init' });
    expect(await sock.next()).toEqual({
      type: 'connection_error',
      payload: { errors: [{ errorType: 'UnauthorizedException', message: 'Unable to parse JWT token.', errorCode: 401 }] },
    });
    await sock.closed;
    expect(h.service.metrics()).toMatchObject({ ConnectClientError: 1, ActiveConnections: 0 });
  });

  it('answers a connection without auth headers with connection_error', async () => {
    await setup();
    const sock = await TestSocket.open(`${server!.url}/graphql/realtime`, ['graphql-ws']);
    sockets.push(sock);
    sock.send({ type: 'connection_init' });
    const msg = await sock.next();
    expect(msg.type).toBe('connection_error');
  });

  it('answers a socket that offers no subprotocol with NoProtocolError and closes it', async () => {
    await setup();
    const sock = await TestSocket.open(`${server!.url}/graphql/realtime`, []);
    sockets.push(sock);
    expect(await sock.next()).toEqual({ type: 'connection_error', payload: { errors: [{ message: 'NoProtocolError', errorCode: 400 }] } });
    expect((await sock.closed).code).toBe(1002);
    expect(h.service.metrics()).toMatchObject({ ActiveConnections: 0 });
  });

  it('answers a socket that offers only another subprotocol with SubProtocolNotSupportedError', async () => {
    await setup();
    const { request } = await import('node:http');
    const req = request(`${server!.url.replace(/^ws/, 'http')}/graphql/realtime`, {
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': Buffer.alloc(16, 7).toString('base64'),
        'sec-websocket-protocol': `graphql-transport-ws, ${headerProtocol(userPoolHeaders(makeToken()))}`,
      },
    });
    const received = await new Promise<{ protocol: unknown; bytes: string }>((resolve, reject) => {
      req.once('error', reject);
      req.once('upgrade', (res, socket, head) => {
        let bytes = head.toString('latin1');
        // The server's close frame follows the error; the close handshake is not awaited.
        const done = () => {
          socket.destroy();
          resolve({ protocol: res.headers['sec-websocket-protocol'], bytes });
        };
        socket.on('data', (c: Buffer) => {
          bytes += c.toString('latin1');
          if (bytes.includes('graphql-ws required')) done();
        });
        socket.once('close', done);
        if (bytes.includes('graphql-ws required')) done();
        socket.once('error', reject);
      });
      req.end();
    });
    expect(received.protocol).toBeUndefined();
    expect(received.bytes).toContain('{"type":"connection_error","payload":{"errors":[{"message":"SubProtocolNotSupportedError","errorCode":400}]}}');
    expect(h.service.metrics()).toMatchObject({ ActiveConnections: 0 });
  });

  it('accepts an API key connection', async () => {
    await setup();
    const sock = await connect({ host: '127.0.0.1:20002', 'x-api-key': API_KEY, 'x-amz-date': '20260115T120000Z' });
    sock.send({ type: 'connection_init' });
    expect((await sock.next()).type).toBe('connection_ack');
  });

  it('declines upgrades on other paths', async () => {
    await setup();
    await expect(TestSocket.open(`${server!.url}/graphql/elsewhere`, ['graphql-ws'])).rejects.toThrow();
  });

  it('sends ka on every keep-alive interval and stops when the socket closes', async () => {
    const ka = manualKeepAlive();
    await setup({ keepAlive: ka.options });
    const sock = await connectAndInit();
    await sock.next((m) => m.type === 'ka');
    ka.fire();
    ka.fire();
    await sock.next((m) => m.type === 'ka');
    await sock.next((m) => m.type === 'ka');
    expect(ka.timers.size).toBe(1);
    sock.close();
    await sock.closed;
    await waitFor(() => ka.timers.size === 0);
  });
});

describe('subscriptions', () => {
  it('acks a start, delivers matching mutations as data and ends with complete on stop', async () => {
    await setup();
    const sock = await connectAndInit();
    start(sock, 'sub-1');
    expect(await sock.next((m) => m.type !== 'ka')).toEqual({ type: 'start_ack', id: 'sub-1' });
    expect(h.engine.prepared[0]).toMatchObject({ authMode: 'AMAZON_COGNITO_USER_POOLS', query: SUBSCRIPTION });

    h.engine.publish('sub-alice', 't1');
    await h.service.drained();
    expect(await sock.next((m) => m.type === 'data')).toEqual({
      id: 'sub-1',
      type: 'data',
      payload: { data: { onCreateThing: { id: 't1', owner: 'sub-alice', name: 'thing t1' } } },
    });

    sock.send({ type: 'stop', id: 'sub-1' });
    expect(await sock.next((m) => m.type === 'complete')).toEqual({ type: 'complete', id: 'sub-1' });
    h.engine.publish('sub-alice', 't2');
    await h.service.drained();
    expect(sock.messages.filter((m) => m.type === 'data')).toEqual([]);
    expect(h.service.metrics()).toMatchObject({ SubscribeSuccess: 1, UnsubscribeSuccess: 1, PublishDataMessageSuccess: 1, ActiveSubscriptions: 0 });
  });

  it("never delivers a record the plan filters out (another user's)", async () => {
    await setup();
    const bob = await connectAndInit(userPoolHeaders(makeToken({ sub: 'sub-bob', username: 'bob' })));
    start(bob, 'b', makeToken({ sub: 'sub-bob', username: 'bob' }));
    await bob.next((m) => m.type === 'start_ack');
    h.engine.publish('sub-alice', 'alice-thing');
    h.engine.publish('sub-bob', 'bob-thing');
    await h.service.drained();
    const data = await bob.next((m) => m.type === 'data');
    expect((data.payload as { data: { onCreateThing: { id: string } } }).data.onCreateThing.id).toBe('bob-thing');
    expect(bob.messages.filter((m) => m.type === 'data')).toEqual([]);
  });

  it('verifies the authorization of each start, not only the connection', async () => {
    await setup();
    const sock = await connectAndInit();
    const expired = makeToken({ exp: Math.floor(NOW / 1000) - 1 });
    start(sock, 'sub-x', expired);
    expect(await sock.next((m) => m.type === 'error')).toEqual({
      type: 'error',
      id: 'sub-x',
      payload: { errors: [{ errorType: 'UnauthorizedException', message: 'Token has expired.', errorCode: 401 }] },
    });
    expect(h.engine.prepared).toHaveLength(0);
    expect(h.service.metrics().SubscribeClientError).toBe(1);
  });

  it('rejects a start without authorization', async () => {
    await setup();
    const sock = await connectAndInit();
    sock.send({ type: 'start', id: 'noauth', payload: { data: JSON.stringify({ query: SUBSCRIPTION }) } });
    const err = await sock.next((m) => m.type === 'error');
    expect(err.id).toBe('noauth');
    expect((err.payload as { errors: { errorType: string }[] }).errors[0].errorType).toBe('UnauthorizedException');
  });

  it("relays the engine's errors for an invalid subscription", async () => {
    await setup();
    const sock = await connectAndInit();
    start(sock, 'bad', makeToken(), 'subscription { nope { id } }');
    const err = await sock.next((m) => m.type === 'error');
    expect(err).toMatchObject({ id: 'bad', payload: { errors: [{ errorType: 'ValidationError' }] } });
  });

  it('answers an engine fault while preparing with an InternalFailure error, and the connection lives on', async () => {
    await setup();
    const sock = await connectAndInit();
    const original = h.engine.prepareSubscription.bind(h.engine);
    h.engine.prepareSubscription = async () => {
      throw new Error('engine bug');
    };
    start(sock, 'boom');
    const err = await sock.next((m) => m.id === 'boom');
    expect(err).toMatchObject({ type: 'error', payload: { errors: [{ errorType: 'InternalFailure' }] } });
    expect(h.service.metrics().SubscribeServerError).toBe(1);
    h.engine.prepareSubscription = original;
    start(sock, 'fine');
    expect(await sock.next((m) => m.id === 'fine')).toEqual({ type: 'start_ack', id: 'fine' });
  });

  it('rejects a subscription document that does not parse', async () => {
    await setup();
    const sock = await connectAndInit();
    start(sock, 'syntax', makeToken(), 'subscription {');
    const err = await sock.next((m) => m.type === 'error');
    expect((err.payload as { errors: { message: string }[] }).errors[0].message).toMatch(/^Unable to parse GraphQL query\./);
  });

  it('rejects a start before connection_init', async () => {
    await setup();
    const sock = await connect();
    start(sock, 'early');
    const err = await sock.next((m) => m.type === 'error');
    expect(err.id).toBe('early');
    expect(h.engine.prepared).toHaveLength(0);
  });

  it('rejects a duplicate subscription id on one connection', async () => {
    await setup();
    const sock = await connectAndInit();
    start(sock, 'dup');
    await sock.next((m) => m.type === 'start_ack');
    start(sock, 'dup');
    const err = await sock.next((m) => m.type === 'error');
    expect((err.payload as { errors: { errorType: string }[] }).errors[0].errorType).toBe('DuplicatedOperationError');
  });

  it('answers unknown and malformed messages with an error and keeps the connection', async () => {
    await setup();
    const sock = await connectAndInit();
    sock.send({ type: 'publish', id: 'p' });
    expect(await sock.next((m) => m.type === 'error')).toEqual({
      type: 'error',
      id: 'p',
      payload: { errors: [{ errorType: 'UnsupportedOperation', message: 'publish not supported through the realtime channel' }] },
    });
    sock.ws.send('{not json');
    expect((await sock.next((m) => m.type === 'error')).payload).toMatchObject({ errors: [{ errorType: 'BadRequestException' }] });
    start(sock, 'still-ok');
    expect(await sock.next((m) => m.type === 'start_ack')).toEqual({ type: 'start_ack', id: 'still-ok' });
  });

  it('cleans up every subscription when a socket drops', async () => {
    await setup();
    const sock = await connectAndInit();
    start(sock, 'a');
    start(sock, 'b');
    await sock.next((m) => m.type === 'start_ack');
    await sock.next((m) => m.type === 'start_ack');
    expect(h.service.metrics().ActiveSubscriptions).toBe(2);
    sock.ws.terminate();
    await sock.closed;
    await waitFor(() => h.service.metrics().ActiveSubscriptions === 0);
    expect(h.service.metrics()).toMatchObject({ ActiveConnections: 0, DisconnectSuccess: 1 });
    h.engine.publish('sub-alice');
    await h.service.drained();
    expect(h.service.metrics().PublishDataMessageSuccess).toBe(0);
  });

  it('prepares one plan for identical subscriptions of one identity and serves all of them', async () => {
    await setup();
    const token = makeToken();
    const socks = await Promise.all([connectAndInit(), connectAndInit(), connectAndInit()]);
    socks.forEach((s, i) => start(s, `same-${i}`, token));
    await Promise.all(socks.map((s) => s.next((m) => m.type === 'start_ack')));
    expect(h.engine.prepared).toHaveLength(1);
    h.engine.publish('sub-alice', 'shared');
    await h.service.drained();
    for (const [i, s] of socks.entries()) {
      expect((await s.next((m) => m.type === 'data')).id).toBe(`same-${i}`);
    }
    socks[0].close();
    await socks[0].closed;
    await waitFor(() => h.service.metrics().ActiveSubscriptions === 2);
    h.engine.publish('sub-alice', 'after');
    await h.service.drained();
    expect((await socks[1].next((m) => m.type === 'data')).payload).toMatchObject({ data: { onCreateThing: { id: 'after' } } });
  });

  it('verifies an IAM start against the SigV4 signature of its payload', async () => {
    await setup();
    const sign = (body: string, path: string) =>
      signRequest(
        {
          method: 'POST',
          url: new URL(`https://127.0.0.1:20002${path}`),
          headers: { accept: 'application/json, text/javascript', 'content-encoding': 'amz-1.0', 'content-type': 'application/json; charset=UTF-8' },
          body,
        },
        { credentials: { accessKeyId: aliceCreds.accessKeyId, secretAccessKey: aliceCreds.secretAccessKey, sessionToken: aliceCreds.sessionToken }, signingRegion: 'us-east-1', signingService: 'appsync', signingDate: new Date(NOW) },
      ).headers;
    const sock = await connect(sign('{}', '/graphql/connect'));
    sock.send({ type: 'connection_init' });
    expect((await sock.next()).type).toBe('connection_ack');

    const data = JSON.stringify({ query: SUBSCRIPTION, variables: {} });
    sock.send({ type: 'start', id: 'iam', payload: { data, extensions: { authorization: sign(data, '/graphql') } } });
    // The auth role has no appsync:GraphQL permission, so the engine's field check denies it.
    const err = await sock.next((m) => m.type === 'error' || m.type === 'start_ack');
    expect(err).toMatchObject({ type: 'error', id: 'iam', payload: { errors: [{ errorType: 'Unauthorized' }] } });
    expect(h.engine.prepared[0].authMode).toBe('AWS_IAM');

    sock.send({ type: 'start', id: 'tampered', payload: { data: data.replace('name', 'id'), extensions: { authorization: sign(data, '/graphql') } } });
    const tampered = await sock.next((m) => m.id === 'tampered');
    expect(tampered).toMatchObject({ type: 'error', payload: { errors: [{ errorType: 'InvalidSignatureException', errorCode: 403 }] } });
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 10));
  }
}
