import { describe, expect, it } from 'vitest';
import { createAdminService } from '../../../src/local/core/admin.js';
import type { Outbox } from '../../../src/local/core/outbox.js';
import { setRequestInfo } from '../../../src/local/core/request_info.js';

const calls: { name: string; query: string }[] = [];

function admin() {
  return createAdminService({
    outbox: {} as Outbox,
    serviceNames: () => ['functions'],
    resetAll: async () => [],
    startedAt: 0,
    now: () => 0,
    endpoint: () => 'https://127.0.0.1:20002',
    services: () => [
      {
        name: 'functions',
        matches: () => false,
        fetch: async () => new Response(null),
        start: async () => {},
        reset: async () => {},
        stop: async () => {},
        views: { schedules: () => ({ schedules: [] }) },
        actions: {
          'schedules/run': async (name, query) => {
            calls.push({ name, query: query.toString() });
            return name === 'nightly job' ? { schedule: name, runs: [] } : undefined;
          },
        },
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

describe('admin API service actions', () => {
  it('runs POST /_local/<service>/<collection>/<name>/<verb> with the decoded name', async () => {
    const { status, body } = await call('POST', '/_local/functions/schedules/nightly%20job/run?x=1');
    expect(status).toBe(200);
    expect(body).toEqual({ schedule: 'nightly job', runs: [] });
    expect(calls.at(-1)).toEqual({ name: 'nightly job', query: 'x=1' });
  });

  it('answers 404 ResourceNotFoundException when the action finds nothing', async () => {
    const { status, body } = await call('POST', '/_local/functions/schedules/missing/run');
    expect(status).toBe(404);
    expect(body).toMatchObject({ __type: 'ResourceNotFoundException', message: 'functions/schedules: no schedule named "missing"' });
  });

  it('answers 405 for another method on an action path, and 400 for a badly encoded name', async () => {
    const get = await call('GET', '/_local/functions/schedules/nightly/run');
    expect(get.status).toBe(405);
    expect(get.body.message).toMatch(/use POST/);
    const bad = await call('POST', '/_local/functions/schedules/%E0%A4%A/run');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ __type: 'ValidationException' });
  });

  it('lists the action among the known routes of an unknown path', async () => {
    const { status, body } = await call('POST', '/_local/functions/schedules/x/stop');
    expect(status).toBe(404);
    expect(body.message).toContain('POST /_local/functions/schedules/<name>/run');
    expect(body.message).toContain('GET /_local/functions/schedules');
  });

  it('refuses actions to clients that are not on loopback', async () => {
    const { status } = await call('POST', '/_local/functions/schedules/nightly%20job/run', '192.0.2.7');
    expect(status).toBe(403);
  });
});
