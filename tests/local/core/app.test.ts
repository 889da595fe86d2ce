import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalCloud } from '../../../src/local/app.js';
import { DataDirInUseError } from '../../../src/local/core/data_dir_lock.js';
import type { Logger } from '../../../src/local/core/logger.js';
import { PortInUseError } from '../../../src/local/core/server.js';
import type { LocalService, ServiceContext, ServiceFactory, ServiceName } from '../../../src/local/core/service.js';
import { minimalModel } from '../../helpers/minimal_model.js';
import { testLogger } from '../../helpers/local_cloud.js';

let root: string;
let events: string[];
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'app-'));
  events = [];
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** A service that records its lifecycle and what its context held at each step. */
function recorder(name: ServiceName, extra: Partial<LocalService> = {}): ServiceFactory {
  const create = (ctx: ServiceContext): LocalService => ({
    name,
    matches: (_req, url) => url.pathname === `/${name}`,
    fetch: async () => Response.json({ name, endpoint: ctx.endpoint, dataDir: ctx.dataDir }),
    start: async () => {
      events.push(`${name}.start endpoint=${ctx.endpoint ? 'set' : '-'} dir=${existsSync(ctx.dataDir)}`);
    },
    connect: () => void events.push(`${name}.connect`),
    reset: async () => void events.push(`${name}.reset`),
    stop: async () => void events.push(`${name}.stop`),
    describe: () => [`${name}: ready`],
    ...extra,
  });
  return { name, create };
}

function options(extra: Partial<Parameters<typeof createLocalCloud>[0]> = {}) {
  return {
    model: minimalModel(),
    dataDir: path.join(root, 'data'),
    port: 0,
    outputsPath: path.join(root, 'amplify_outputs.json'),
    log: testLogger('app-test'),
    ...extra,
  };
}

describe('createLocalCloud', () => {
  it('starts every service, with the endpoint and data folder ready, before connecting any', async () => {
    const cloud = await createLocalCloud(options({ factories: [recorder('auth'), recorder('data')] }));
    try {
      expect(events).toEqual([
        'auth.start endpoint=set dir=true',
        'data.start endpoint=set dir=true',
        'auth.connect',
        'data.connect',
      ]);
      expect(cloud.endpoint).toBe(`https://127.0.0.1:${cloud.port}`);
      expect(cloud.port).toBeGreaterThan(0);
    } finally {
      await cloud.stop();
    }
  });

  it('gives each service <dataDir>/<service name> as its folder', async () => {
    const cloud = await createLocalCloud(options({ factories: [recorder('auth')] }));
    try {
      const res = await cloud.fetch(new Request(`${cloud.endpoint}/auth`));
      expect(await res.json()).toEqual({ name: 'auth', endpoint: cloud.endpoint, dataDir: path.join(root, 'data', 'auth') });
    } finally {
      await cloud.stop();
    }
  });

  it('stops services in reverse order and only once', async () => {
    const cloud = await createLocalCloud(options({ factories: [recorder('auth'), recorder('data')] }));
    events = [];
    await Promise.all([cloud.stop(), cloud.stop()]);
    expect(events).toEqual(['data.stop', 'auth.stop']);
  });

  it('releases the port on stop', async () => {
    const cloud = await createLocalCloud(options({ factories: [] }));
    await cloud.stop();
    const again = await createLocalCloud(options({ factories: [], port: cloud.port }));
    expect(again.port).toBe(cloud.port);
    await again.stop();
  });

  it('stops what already started and frees the port when a service fails to start', async () => {
    const failing = recorder('data', {
      start: async () => {
        throw new Error('data cannot start');
      },
    });
    const port = await freePort();
    await expect(createLocalCloud(options({ port, factories: [recorder('auth'), failing, recorder('storage')] }))).rejects.toThrow('data cannot start');
    expect(events.filter((e) => e.endsWith('.stop'))).toEqual(['auth.stop']);
    const again = await createLocalCloud(options({ port, factories: [] }));
    await again.stop();
  });

  it('refuses two services with the same name', async () => {
    await expect(createLocalCloud(options({ factories: [recorder('auth'), recorder('auth')] }))).rejects.toThrow(/Two services are named "auth"/);
  });

  it.each([[-1], [65536], [1.5], [Number.NaN]])('refuses port %s before creating anything', async (port) => {
    await expect(createLocalCloud(options({ port, factories: [recorder('auth')] }))).rejects.toThrow(/port must be a whole number from 0 to 65535/);
    expect(events).toEqual([]);
    expect(existsSync(path.join(root, 'data'))).toBe(false);
  });

  it('refuses a factory whose service answers to another name', async () => {
    const liar: ServiceFactory = { name: 'storage', create: recorder('auth').create };
    await expect(createLocalCloud(options({ factories: [liar] }))).rejects.toThrow(/storage factory created a service named "auth"/);
  });

  it("hands every service the others' offers at connect, whatever the order they started in", async () => {
    let seen: unknown;
    const consumer = recorder('functions', { connect: (peers) => void (seen = peers.tryGet('data.changes')) });
    const feed = { subscribe: () => () => undefined } as never;
    const producer = recorder('data', { start: async () => ({ 'data.changes': feed }) });
    const cloud = await createLocalCloud(options({ factories: [consumer, producer] }));
    try {
      expect(seen).toBe(feed);
    } finally {
      await cloud.stop();
    }
  });

  it('reports a taken port instead of silently picking another', async () => {
    const first = await createLocalCloud(options({ factories: [] }));
    try {
      await expect(createLocalCloud(options({ factories: [], port: first.port, dataDir: path.join(root, 'other') }))).rejects.toThrow(PortInUseError);
    } finally {
      await first.stop();
    }
  });

  it('writes the outputs file with the endpoint it listens on', async () => {
    const cloud = await createLocalCloud(options({ factories: [] }));
    try {
      const written = JSON.parse(readFileSync(path.join(root, 'amplify_outputs.json'), 'utf8'));
      expect(written).toEqual(cloud.outputs);
      expect(written.custom.local.endpoint).toBe(cloud.endpoint);
      expect(written.data.url).toBe(`${cloud.endpoint}/graphql`);
    } finally {
      await cloud.stop();
    }
  });

  it('writes no outputs file when outputsPath is null', async () => {
    const cloud = await createLocalCloud(options({ factories: [], outputsPath: null, projectDir: root }));
    await cloud.stop();
    expect(existsSync(path.join(root, 'amplify_outputs.json'))).toBe(false);
  });

  it('routes in-process through fetch(), admin API included, and resets every service', async () => {
    const cloud = await createLocalCloud(options({ factories: [recorder('auth'), recorder('data')] }));
    try {
      const health = await (await cloud.fetch(new Request(`${cloud.endpoint}/_local/health`))).json();
      expect(health).toMatchObject({ status: 'ok', services: ['auth', 'data'] });
      cloud.outbox.add({ channel: 'email', to: 'a@x.com', body: 'hi' });
      const reset = await cloud.fetch(new Request(`${cloud.endpoint}/_local/reset`, { method: 'POST' }));
      expect(await reset.json()).toEqual({ status: 'ok', reset: ['auth', 'data'] });
      expect(events.filter((e) => e.endsWith('.reset'))).toEqual(['auth.reset', 'data.reset']);
      expect(cloud.outbox.list()).toEqual([]);
    } finally {
      await cloud.stop();
    }
  });

  it('collects the services banner lines', async () => {
    const cloud = await createLocalCloud(options({ factories: [recorder('auth'), recorder('data')] }));
    expect(cloud.describe()).toEqual(['auth: ready', 'data: ready']);
    await cloud.stop();
  });

  it('keeps the outbox across a restart on the same data dir', async () => {
    const first = await createLocalCloud(options({ factories: [] }));
    first.outbox.add({ channel: 'sms', to: '+15550100', body: 'code 1', code: '1' });
    await first.stop();
    const second = await createLocalCloud(options({ factories: [] }));
    try {
      expect(second.outbox.list()).toMatchObject([{ to: '+15550100', code: '1' }]);
    } finally {
      await second.stop();
    }
  });

  it('refuses a second local cloud on a data dir in use, and frees the dir on stop or failed start', async () => {
    const first = await createLocalCloud(options({ factories: [] }));
    await expect(createLocalCloud(options({ factories: [] }))).rejects.toThrow(DataDirInUseError);
    await expect(createLocalCloud(options({ factories: [] }))).rejects.toThrow(/in use by another local cloud.*Resolution: stop that one, or start this one with another --data-dir/);
    await first.stop();
    await expect(createLocalCloud(options({ factories: [], host: '192.0.2.1', log: testLogger('silent') }))).rejects.toThrow();
    const again = await createLocalCloud(options({ factories: [] }));
    await again.stop();
  });

  it('names the process holding the data dir, and takes over a lock whose process is gone', async () => {
    mkdirSync(path.join(root, 'data'), { recursive: true });
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      writeFileSync(path.join(root, 'data', '.lock'), `${holder.pid}\n`);
      await expect(createLocalCloud(options({ factories: [] }))).rejects.toThrow(new RegExp(`process ${holder.pid}\\)`));
    } finally {
      holder.kill('SIGKILL');
      await new Promise((r) => holder.once('exit', r));
    }
    const cloud = await createLocalCloud(options({ factories: [] }));
    expect(readFileSync(path.join(root, 'data', '.lock'), 'utf8').trim()).toBe(String(process.pid));
    await cloud.stop();
    expect(existsSync(path.join(root, 'data', '.lock'))).toBe(false);
  });

  it('warns loudly when asked to bind a non-loopback address', async () => {
    const warnings: string[] = [];
    const log: Logger = { info: () => {}, warn: (m) => warnings.push(m), error: () => {}, child: () => log };
    // 0.0.0.0 is not used: the test must not expose anything. The warning is decided before binding.
    await expect(createLocalCloud(options({ factories: [], host: '192.0.2.1', log }))).rejects.toThrow();
    expect(warnings.join('\n')).toMatch(/!!! Binding 192\.0\.2\.1/);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
