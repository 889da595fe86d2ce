import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBackendModel } from '../../../src/local/assembly/load_assembly.js';
import type { CreateGraphqlEngineOptions } from '../../../src/local/data/engine/types.js';
import { createDataService } from '../../../src/local/data/index.js';
import { getTestAssembly } from '../../fixtures/assembly.js';
import { serviceContext } from '../../helpers/service_context.js';
import { FakeEngine } from '../data/wire/fixtures.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** This repository's assembly with `props` added to its AppSync API (as `defineData`'s CDK overrides would). */
async function assemblyWithApiProps(props: Record<string, unknown>): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'api-limits-'));
  dirs.push(dir);
  cpSync(await getTestAssembly(), dir, { recursive: true });
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    const file = path.join(dir, f);
    const template = JSON.parse(readFileSync(file, 'utf8')) as { Resources?: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    const api = Object.values(template.Resources ?? {}).find((r) => r.Type === 'AWS::AppSync::GraphQLApi');
    if (!api) continue;
    Object.assign(api.Properties, props);
    writeFileSync(file, JSON.stringify(template));
    return dir;
  }
  throw new Error('no AWS::AppSync::GraphQLApi in the assembly');
}

describe("AppSync's query depth and resolver count limits", () => {
  it('are read from the API resource and handed to the engine', async () => {
    const model = loadBackendModel(await assemblyWithApiProps({ QueryDepthLimit: 4, ResolverCountLimit: 25 }), { region: 'us-east-1' });
    expect(model.data).toMatchObject({ queryDepthLimit: 4, resolverCountLimit: 25 });

    let given: CreateGraphqlEngineOptions | undefined;
    const { ctx } = serviceContext({ name: 'data', model, dataDir: dirs[0], noMessages: 'unused' });
    const service = createDataService(ctx, {
      engineFactory: async (opts) => {
        given = opts;
        return new FakeEngine();
      },
    });
    await service.start();
    await service.stop();
    expect(given).toMatchObject({ queryDepthLimit: 4, resolverCountLimit: 25 });
  });

  it('are off when the API leaves them unset or at 0', async () => {
    const model = loadBackendModel(await assemblyWithApiProps({ QueryDepthLimit: 0 }), { region: 'us-east-1' });
    expect(model.data?.queryDepthLimit).toBeUndefined();
    expect(model.data?.resolverCountLimit).toBeUndefined();
  });
});
