import { createHash } from 'node:crypto';
import http2 from 'node:http2';
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { silentLogger } from '../../../src/local/core/logger.js';
import { getRequestInfo } from '../../../src/local/core/request_info.js';
import { routeRequest } from '../../../src/local/core/router.js';
import { listenFrontDoor, PortInUseError, type FrontDoor } from '../../../src/local/core/server.js';
import type { RequestHandler, UpgradeRequest } from '../../../src/local/core/service.js';
import { ensureTls, resolveCaDir } from '../../../src/local/core/tls.js';

const MB = 1024 * 1024;
let door: FrontDoor;
let base: string;
let firstChunkSeen: () => void;
let firstChunk: Promise<void>;
const seenRemote: (string | undefined)[] = [];
const wss = new WebSocketServer({ noServer: true });

/** Hashes the streamed request body; signals as soon as the first bytes arrive. */
const upload: RequestHandler = {
  name: 'upload',
  matches: (req, url) => req.method === 'PUT' && url.pathname === '/upload',
  async fetch(req) {
    const hash = createHash('sha256');
    let bytes = 0;
    const reader = req.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (bytes === 0) firstChunkSeen();
      bytes += value.byteLength;
      hash.update(value);
    }
    return Response.json({ bytes, sha256: hash.digest('hex') });
  },
};

/** Streams a generated body of `?mb=` megabytes without ever holding it whole. */
const download: RequestHandler = {
  name: 'download',
  matches: (req, url) => (req.method === 'GET' || req.method === 'HEAD') && url.pathname === '/download',
  async fetch(req) {
    const total = Number(new URL(req.url).searchParams.get('mb')) * MB;
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent >= total) return c.close();
        const chunk = new Uint8Array(64 * 1024).fill(sent / (64 * 1024));
        sent += chunk.byteLength;
        c.enqueue(chunk);
      },
    });
    return new Response(body, { headers: { 'content-type': 'application/octet-stream', etag: '"gen"' } });
  },
};

const whoami: RequestHandler = {
  name: 'whoami',
  matches: (_req, url) => url.pathname === '/whoami',
  async fetch(req) {
    seenRemote.push(getRequestInfo(req)?.remoteAddress);
    return Response.json({ host: req.headers.get('host'), url: req.url, multi: req.headers.get('x-multi') });
  },
};

const realtime: RequestHandler & { upgrade(req: UpgradeRequest): boolean } = {
  name: 'realtime',
  matches: () => false,
  fetch: async () => new Response(null, { status: 404 }),
  upgrade({ url, raw }) {
    if (url.pathname !== '/graphql/realtime') return false;
    wss.handleUpgrade(raw.req, raw.socket, raw.head, (ws) => ws.on('message', (m) => ws.send(`echo:${m}`)));
    return true;
  },
};

beforeAll(async () => {
  const tls = await ensureTls(resolveCaDir('/nonexistent'));
  const services = [upload, download, whoami, realtime];
  door = await listenFrontDoor({
    host: '127.0.0.1',
    port: 0,
    cert: tls.certPem,
    key: tls.keyPem,
    handle: (req) => routeRequest(services, req, silentLogger),
    upgrade: (req) => realtime.upgrade(req),
    log: silentLogger,
  });
  base = `https://127.0.0.1:${door.port}`;
});
afterAll(async () => {
  await door.close();
});

function request(method: string, path: string, headers: Record<string, string> = {}) {
  return https.request(`${base}${path}`, { method, headers });
}

function responseOf(req: ReturnType<typeof request>): Promise<{ status: number; body: Buffer; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    req.once('error', reject);
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks), headers: res.headers }));
    });
  });
}

describe('front door', () => {
  it('serves over HTTPS with the local CA trusted through NODE_EXTRA_CA_CERTS', async () => {
    const res = await fetch(`${base}/whoami`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ host: `127.0.0.1:${door.port}`, url: `${base}/whoami` });
  });

  it('records the loopback peer address for each request', async () => {
    await fetch(`${base}/whoami`);
    expect(seenRemote.at(-1)).toMatch(/127\.0\.0\.1$/);
  });

  it('keeps repeated request headers', async () => {
    const req = https.request(`${base}/whoami`, { method: 'GET' });
    req.setHeader('x-multi', ['a', 'b']);
    req.end();
    const { body } = await responseOf(req);
    expect(JSON.parse(body.toString()).multi).toBe('a, b');
  });

  it('streams a 50 MB upload to the handler while the client is still sending', async () => {
    firstChunk = new Promise((r) => (firstChunkSeen = r));
    const req = request('PUT', '/upload', { 'content-type': 'application/octet-stream' });
    const result = responseOf(req);
    const hash = createHash('sha256');
    const chunk = Buffer.alloc(MB, 7);
    req.write(chunk);
    hash.update(chunk);
    // The handler sees bytes before the body is complete: nothing buffers the whole upload first.
    await firstChunk;
    for (let i = 1; i < 50; i++) {
      const c = Buffer.alloc(MB, i);
      hash.update(c);
      if (!req.write(c)) await new Promise((r) => req.once('drain', r));
    }
    req.end();
    const { status, body } = await result;
    expect(status).toBe(200);
    expect(JSON.parse(body.toString())).toEqual({ bytes: 50 * MB, sha256: hash.digest('hex') });
  });

  it('streams a 50 MB response body back', async () => {
    const res = await fetch(`${base}/download?mb=50`);
    expect(res.headers.get('etag')).toBe('"gen"');
    let bytes = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.byteLength;
    expect(bytes).toBe(50 * MB);
  });

  it('sends no body for HEAD', async () => {
    const res = await fetch(`${base}/download?mb=1`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  it('speaks HTTP/2 when the client negotiates it, with :authority as the host', async () => {
    const session = http2.connect(base);
    try {
      const call = (headers: http2.OutgoingHttpHeaders, body?: Buffer) =>
        new Promise<{ status: number; json: Record<string, unknown> }>((resolve, reject) => {
          const stream = session.request(headers);
          let status = 0;
          const chunks: Buffer[] = [];
          stream.on('response', (h) => (status = Number(h[':status'])));
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => resolve({ status, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
          stream.on('error', reject);
          stream.end(body);
        });
      const who = await call({ ':method': 'GET', ':path': '/whoami' });
      expect(who).toEqual({ status: 200, json: { host: `127.0.0.1:${door.port}`, url: `${base}/whoami`, multi: null } });
      const payload = Buffer.alloc(3 * MB, 5);
      const up = await call({ ':method': 'PUT', ':path': '/upload' }, payload);
      expect(up.json).toEqual({ bytes: payload.length, sha256: createHash('sha256').update(payload).digest('hex') });
      expect(session.alpnProtocol).toBe('h2');
    } finally {
      session.close();
    }
  });

  it('answers an unknown route with a 404 UnknownOperationException', async () => {
    const res = await fetch(`${base}/nothing-here`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });

  it('drops a body the handler never read, so the keep-alive connection serves the next request', async () => {
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const send = (body: Buffer) => {
        const req = https.request(`${base}/whoami`, { method: 'POST', agent, headers: { 'content-length': String(body.length) } });
        const reply = responseOf(req);
        req.end(body);
        return reply;
      };
      // whoami answers without reading: 2 MB stay unread on the socket.
      expect((await send(Buffer.alloc(2 * MB, 0x20))).status).toBe(200);
      const next = await Promise.race([send(Buffer.from('{}')), new Promise<'stalled'>((r) => setTimeout(() => r('stalled'), 5000))]);
      expect(next === 'stalled' ? next : next.status).toBe(200);
    } finally {
      agent.destroy();
    }
  });

  it('answers TRACE with 405 over HTTP/1.1 and HTTP/2, and keeps serving', async () => {
    for (const method of ['TRACE']) {
      const req = https.request(`${base}/whoami`, { method });
      const reply = responseOf(req);
      req.end();
      const res = await reply;
      expect(res.status, method).toBe(405);
      expect(JSON.parse(res.body.toString("utf8"))).toMatchObject({ __type: "MethodNotAllowedException" });
    }
    const session = http2.connect(base);
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const stream = session.request({ ':method': 'TRACE', ':path': '/whoami' });
        stream.on('response', (h) => resolve(Number(h[':status'])));
        stream.on('error', reject);
        stream.end();
      });
      expect(status).toBe(405);
    } finally {
      session.close();
    }
    expect((await fetch(`${base}/whoami`)).status).toBe(200);
  });

  it('answers a request Node cannot parse with 400 and closes the connection', async () => {
    const { connect } = await import('node:tls');
    const socket = connect({ host: '127.0.0.1', port: door.port, ALPNProtocols: ['http/1.1'] });
    const reply = await new Promise<string>((resolve, reject) => {
      let text = '';
      socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
      socket.once('end', () => resolve(text));
      socket.once('error', reject);
      socket.once('secureConnect', () => socket.write('GET /whoami HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n'));
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400 Bad Request/);
  });

  it('offers WebSocket upgrades to the services (wss)', async () => {
    const ws = new WebSocket(`wss://127.0.0.1:${door.port}/graphql/realtime`, ['graphql-ws']);
    const reply = await new Promise<string>((resolve, reject) => {
      ws.once('open', () => ws.send('ping'));
      ws.once('message', (m) => resolve(String(m)));
      ws.once('error', reject);
    });
    expect(reply).toBe('echo:ping');
    ws.close();
  });

  it('refuses an upgrade no service takes with 404', async () => {
    const ws = new WebSocket(`wss://127.0.0.1:${door.port}/elsewhere`);
    const status = await new Promise<number>((resolve) => {
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('error', () => resolve(-1));
    });
    expect(status).toBe(404);
  });

  it('reports a port already in use with what to do', async () => {
    const tls = await ensureTls(resolveCaDir('/nonexistent'));
    await expect(
      listenFrontDoor({
        host: '127.0.0.1',
        port: door.port,
        cert: tls.certPem,
        key: tls.keyPem,
        handle: async () => new Response(),
        upgrade: () => false,
        log: silentLogger,
      }),
    ).rejects.toThrow(PortInUseError);
  });

  it('closes even with an open WebSocket and keep-alive connections', async () => {
    const tls = await ensureTls(resolveCaDir('/nonexistent'));
    const services = [whoami, realtime];
    const other = await listenFrontDoor({
      host: '127.0.0.1',
      port: 0,
      cert: tls.certPem,
      key: tls.keyPem,
      handle: (req) => routeRequest(services, req, silentLogger),
      upgrade: (req) => realtime.upgrade(req),
      log: silentLogger,
    });
    const ws = new WebSocket(`wss://127.0.0.1:${other.port}/graphql/realtime`);
    await new Promise((r) => ws.once('open', r));
    await fetch(`https://127.0.0.1:${other.port}/whoami`);
    const closed = new Promise((r) => ws.once('close', r));
    await other.close();
    await closed;
    await expect(fetch(`https://127.0.0.1:${other.port}/whoami`)).rejects.toThrow();
  });
});
