import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAdminService } from '../../../src/local/core/admin.js';
import { ManualClock, cryptoIds } from '../../../src/local/core/clock.js';
import { FileOutbox } from '../../../src/local/core/file_outbox.js';
import { silentLogger } from '../../../src/local/core/logger.js';
import { setRequestInfo } from '../../../src/local/core/request_info.js';

let dir: string;
let outbox: FileOutbox;
let resets: string[];
const clock = new ManualClock(Date.UTC(2026, 0, 1));

function admin() {
  return createAdminService({
    outbox,
    serviceNames: () => ['auth', 'data'],
    resetAll: async () => {
      resets.push('auth', 'data');
      outbox.clear();
      return ['auth', 'data'];
    },
    startedAt: clock.now() - 5000,
    now: () => clock.now(),
    endpoint: () => 'https://127.0.0.1:20002',
    services: () => [
      {
        name: 'messaging',
        matches: () => false,
        fetch: async () => new Response(null),
        start: async () => {},
        reset: async () => {},
        stop: async () => {},
        views: { 'kinesis-records': (q) => (q.get('stream') === 'events' ? { records: [{ data: 'x' }] } : undefined) },
      },
    ],
  });
}

async function call(method: string, pathAndQuery: string, remoteAddress?: string) {
  const req = new Request(`https://127.0.0.1:20002${pathAndQuery}`, { method });
  if (remoteAddress) setRequestInfo(req, { remoteAddress });
  const res = await admin().fetch(req);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'admin-'));
  outbox = new FileOutbox(dir, clock, cryptoIds, silentLogger);
  resets = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('admin API', () => {
  it('matches /_local paths only', () => {
    const a = admin();
    expect(a.matches(new Request('https://h/_local/health'), new URL('https://h/_local/health'))).toBe(true);
    expect(a.matches(new Request('https://h/_localx'), new URL('https://h/_localx'))).toBe(false);
    expect(a.matches(new Request('https://h/graphql'), new URL('https://h/graphql'))).toBe(false);
  });

  it('reports health with the running services and uptime', async () => {
    const { status, body } = await call('GET', '/_local/health', '127.0.0.1');
    expect(status).toBe(200);
    expect(body).toEqual({ status: 'ok', services: ['auth', 'data'], uptime: 5, endpoint: 'https://127.0.0.1:20002' });
  });

  it('lists outbox messages oldest first, filtered by channel and recipient', async () => {
    outbox.add({ channel: 'email', to: 'a@x.com', subject: 'Code', body: 'Your code is 111111', code: '111111' });
    clock.advance(1000);
    outbox.add({ channel: 'sms', to: '+15550100', body: 'Code 222222', code: '222222' });
    clock.advance(1000);
    outbox.add({ channel: 'email', to: 'a@x.com', body: 'Code 333333', code: '333333' });
    outbox.add({ channel: 'email', to: 'b@x.com', body: 'hi' });

    const all = (await call('GET', '/_local/outbox')).body.messages as { code?: string; createdAt: string }[];
    expect(all.map((m) => m.code)).toEqual(['111111', '222222', '333333', undefined]);
    expect(all[0].createdAt).toBe('2026-01-01T00:00:00.000Z');

    const aliceEmails = (await call('GET', '/_local/outbox?channel=email&to=a%40x.com')).body.messages as { code: string }[];
    expect(aliceEmails.map((m) => m.code)).toEqual(['111111', '333333']);
    expect(aliceEmails[0]).toMatchObject({ channel: 'email', to: 'a@x.com', subject: 'Code', body: 'Your code is 111111', id: expect.any(String) });
  });

  it('rejects an unknown channel filter with ValidationException', async () => {
    const { status, body } = await call('GET', '/_local/outbox?channel=pigeon');
    expect(status).toBe(400);
    expect(body.__type).toBe('ValidationException');
  });

  it('resets every service and clears the outbox', async () => {
    outbox.add({ channel: 'push', to: 'device-1', body: 'hello' });
    const { status, body } = await call('POST', '/_local/reset');
    expect(status).toBe(200);
    expect(body).toEqual({ status: 'ok', reset: ['auth', 'data'] });
    expect(resets).toEqual(['auth', 'data']);
    expect(outbox.list()).toEqual([]);
  });

  it('refuses clients that are not on loopback', async () => {
    const { status, body } = await call('GET', '/_local/health', '192.168.1.20');
    expect(status).toBe(403);
    expect(body.__type).toBe('AccessDeniedException');
    expect((await call('POST', '/_local/reset', '10.0.2.15')).status).toBe(403);
  });

  it("refuses pages of other sites (the browser's Origin), and serves pages served from this machine", async () => {
    outbox.add({ channel: 'email', to: 'a@example.com', body: 'code 123456', code: '123456' });
    const from = async (origin: string, method = 'GET', route = '/_local/outbox') => {
      const res = await admin().fetch(new Request(`https://127.0.0.1:20002${route}`, { method, headers: { origin } }));
      return { status: res.status, text: await res.text() };
    };
    for (const origin of ['https://evil.example', 'http://127.0.0.1.evil.example', 'null', 'file://']) {
      const r = await from(origin);
      expect(r.status, origin).toBe(403);
      expect(r.text).not.toContain('123456');
    }
    expect((await from('https://evil.example', 'POST', '/_local/reset')).status).toBe(403);
    expect(resets).toEqual([]);
    for (const origin of ['http://127.0.0.1:5173', 'https://127.0.0.1:20002', 'http://localhost:3000', 'http://[::1]:8080']) {
      expect((await from(origin)).status, origin).toBe(200);
    }
  });

  it('accepts IPv4-mapped and IPv6 loopback peers', async () => {
    expect((await call('GET', '/_local/health', '::ffff:127.0.0.1')).status).toBe(200);
    expect((await call('GET', '/_local/health', '::1')).status).toBe(200);
  });

  it('answers a wrong method with 405 and an unknown admin path with 404', async () => {
    expect((await call('GET', '/_local/reset')).status).toBe(405);
    const unknown = await call('GET', '/_local/nothing');
    expect(unknown.status).toBe(404);
    expect(unknown.body.__type).toBe('UnknownOperationException');
  });
});

describe('admin API: service views', () => {
  it("serves a service's read-only view as JSON", async () => {
    const res = await call('GET', '/_local/messaging/kinesis-records?stream=events');
    expect(res).toEqual({ status: 200, body: { records: [{ data: 'x' }] } });
  });

  it('answers 404 when the view finds nothing, and lists views among the known routes', async () => {
    expect((await call('GET', '/_local/messaging/kinesis-records?stream=other')).status).toBe(404);
    const unknown = await call('GET', '/_local/messaging/nope');
    expect(unknown.status).toBe(404);
    expect(String(unknown.body.message)).toContain('GET /_local/messaging/kinesis-records');
  });

  it('refuses views to clients that are not on loopback', async () => {
    expect((await call('GET', '/_local/messaging/kinesis-records?stream=events', '192.0.2.10')).status).toBe(403);
  });
});
