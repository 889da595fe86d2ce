import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalCloud, type LocalCloud } from '../../../src/local/app.js';
import type { BackendModel } from '../../../src/local/assembly/model.js';
import type { BucketNotificationFeed } from '../../../src/local/core/registry.js';
import type { LocalService, ServiceContext, ServiceFactory, ServiceName } from '../../../src/local/core/service.js';
import { minimalModel } from '../../helpers/minimal_model.js';
import { testLogger } from '../../helpers/local_cloud.js';

/**
 * The frame's side of hot reload (`LocalCloud.reload`, src/local/reload/swap.ts) with recording
 * services: which are left alone, reloaded in place, replaced, and what happens when one refuses.
 */

let root: string;
let events: string[];
let cloud: LocalCloud | undefined;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'swap-'));
  events = [];
});
afterEach(async () => {
  await cloud?.stop();
  cloud = undefined;
  rmSync(root, { recursive: true, force: true });
});

let instance = 0;

interface FakeOptions {
  /** Give the service an in-place reload (returning these notes, or throwing this). */
  reload?: string[] | Error | 'replace';
  /** Offer a bucket notification feed from start. */
  offersFeed?: boolean;
  /** Look the feed up in connect. */
  readsFeed?: boolean;
  /** Refuse to start with a model whose region is this. */
  refuseRegion?: string;
}

function fake(name: ServiceName, o: FakeOptions = {}): ServiceFactory {
  const create = (ctx: ServiceContext): LocalService => {
    const id = `${name}#${++instance}`;
    let model = ctx.model;
    return {
      name,
      matches: (_req, url) => url.pathname === `/${name}`,
      fetch: async () => Response.json({ id, region: model.region, schema: model.data?.schema }),
      start: async () => {
        if (o.refuseRegion && ctx.model.region === o.refuseRegion) throw new Error(`${name} cannot run in ${o.refuseRegion}`);
        events.push(`${id}.start`);
        const feed: BucketNotificationFeed = { subscribe: () => () => {} };
        return o.offersFeed ? { 'storage.notifications': feed } : undefined;
      },
      connect: (peers) => {
        if (o.readsFeed) peers.tryGet('storage.notifications');
        events.push(`${id}.connect`);
      },
      reset: async () => {},
      stop: async () => void events.push(`${id}.stop`),
      ...(o.reload
        ? {
            reload: async (next: BackendModel) => {
              if (o.reload instanceof Error) throw o.reload;
              if (o.reload === 'replace') return undefined;
              events.push(`${id}.reload`);
              model = next;
              return o.reload as string[];
            },
          }
        : {}),
    };
  };
  return { name, create };
}

async function start(factories: ServiceFactory[], model = minimalModel()): Promise<LocalCloud> {
  cloud = await createLocalCloud({ model, factories, dataDir: path.join(root, 'data'), port: 0, outputsPath: path.join(root, 'outputs.json'), log: testLogger('swap-test') });
  events = [];
  return cloud;
}

async function ask(c: LocalCloud, name: string): Promise<{ id: string; region: string; schema?: string }> {
  return (await (await c.fetch(new Request(`${c.endpoint}/${name}`))).json()) as { id: string; region: string; schema?: string };
}

const newSchema = (m = minimalModel()) => minimalModel({ data: { ...m.data!, schema: 'type Query { ping: String, pong: Int }' } });

describe('LocalCloud.reload', () => {
  it('leaves unchanged services running and reloads a changed one in place', async () => {
    const c = await start([fake('auth'), fake('data', { reload: ['data: reloaded'] })]);
    const authBefore = await ask(c, 'auth');
    const report = await c.reload(newSchema());
    expect(report).toMatchObject({ reloaded: ['data'], replaced: [], unchanged: ['auth'], notes: ['data: reloaded'] });
    expect(events.filter((e) => !e.startsWith('data'))).toEqual([]);
    expect((await ask(c, 'auth')).id).toBe(authBefore.id);
    expect((await ask(c, 'data')).schema).toMatch(/pong/);
    expect(c.model.data?.schema).toMatch(/pong/);
  });

  it('replaces a changed service without reload: stop, start with the new model, connect; the same data folder', async () => {
    const c = await start([fake('auth'), fake('data')]);
    const before = await ask(c, 'data');
    const report = await c.reload(newSchema());
    expect(report.replaced).toEqual(['data']);
    const after = await ask(c, 'data');
    expect(after.id).not.toBe(before.id);
    expect(after.schema).toMatch(/pong/);
    expect(events).toEqual([`${before.id}.stop`, `${after.id}.start`, `${after.id}.connect`]);
  });

  it('replaces a service that says the change needs it', async () => {
    const c = await start([fake('data', { reload: 'replace' })]);
    expect((await c.reload(newSchema())).replaced).toEqual(['data']);
  });

  it("also replaces a service whose connect() used a replaced service's capability", async () => {
    const storage = minimalModel().storage!;
    const c = await start([fake('auth'), fake('functions', { readsFeed: true }), fake('storage', { offersFeed: true })]);
    const next = minimalModel({ storage: { buckets: [{ ...storage.buckets[0], versioned: true }] } });
    const report = await c.reload(next);
    expect(report.replaced.sort()).toEqual(['functions', 'storage']);
    expect(report.unchanged).toEqual(['auth']);
    expect(c.registry.tryGet('storage.notifications')).toBeDefined();
  });

  it('rejects, with every in-place reload put back, when a service refuses the new model', async () => {
    const c = await start([fake('auth', { reload: [] }), fake('data', { reload: new Error('resolver cannot run') })]);
    const next = minimalModel({ region: 'eu-west-1' });
    await expect(c.reload(next)).rejects.toThrow('resolver cannot run');
    expect((await ask(c, 'auth')).region).toBe('us-east-1');
    expect(c.model.region).toBe('us-east-1');
  });

  it('brings the old model back when a replaced service cannot start with the new one, and says so', async () => {
    const c = await start([fake('data', { refuseRegion: 'eu-west-1' })]);
    const report = await c.reload(minimalModel({ region: 'eu-west-1' }));
    expect(report.notes.join('\n')).toMatch(/data: kept the previous backend \(data cannot run in eu-west-1\)/);
    expect((await ask(c, 'data')).region).toBe('us-east-1');
  });

  it('rewrites the outputs file when the outputs change, and only then', async () => {
    const c = await start([fake('data', { reload: [] })]);
    const file = path.join(root, 'outputs.json');
    const same = await c.reload(minimalModel({ data: { ...minimalModel().data!, schema: 'type Query { ping: String }' } }));
    expect(same.notes).toEqual([]);
    const next = minimalModel({ customOutputs: { version: '1.4', custom: { added: 'yes' } } });
    const report = await c.reload(next);
    expect(report.notes.join('\n')).toMatch(/outputs rewritten/);
    expect(JSON.parse(readFileSync(file, 'utf8')).custom).toMatchObject({ added: 'yes' });
    expect(c.outputs.custom).toMatchObject({ added: 'yes' });
  });

  it('answers GET /_local/reload with 404 when the cloud does not watch', async () => {
    const c = await start([fake('auth')]);
    const res = await c.fetch(new Request(`${c.endpoint}/_local/reload`));
    expect(res.status).toBe(404);
    expect(((await res.json()) as { message: string }).message).toMatch(/Hot reload is off/);
  });
});
