import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBackendModel } from '../../../src/local/assembly/load_assembly.js';
import { getOtherAssembly } from '../../fixtures/assembly.js';
import { startLocalCloud, type TestLocalCloud } from '../../helpers/local_cloud.js';

/** The console is driven by the backend it serves: a second, different Gen 2 backend (no dashboard, no bucket). */

let cloud: TestLocalCloud;
beforeAll(async () => {
  cloud = await startLocalCloud({ model: loadBackendModel(await getOtherAssembly()), services: ['auth', 'data', 'identity'] });
});
afterAll(() => cloud?.stop());

const get = async (path: string) => {
  const res = await cloud.cloud.fetch(new Request(`${cloud.endpoint}${path}`, { headers: { accept: 'text/html' } }));
  return { status: res.status, text: await res.text() };
};

describe('the console on another backend', () => {
  it('describes that backend\'s pools, models and services, and no dashboard', async () => {
    expect((await get('/')).status).toBe(200);
    const overview = JSON.parse((await get('/_local/overview')).text) as Record<string, unknown>;
    const model = cloud.cloud.model;
    const models = Object.keys((model.data!.modelIntrospection as { models: Record<string, unknown> }).models);
    expect((overview.data as { models: string[] }).models).toEqual(models);
    expect((overview.services as { name: string }[]).map((s) => s.name)).toEqual(['auth', 'data', 'identity']);
    expect(overview.buckets).toEqual([]);
    expect(overview.dashboards).toEqual([]);
    expect(JSON.parse((await get('/_local/dashboard')).text)).toMatchObject({ dashboards: [] });
    expect(JSON.parse((await get('/_local/data/introspection')).text)).toMatchObject({ models: expect.any(Object) });
  });
});
