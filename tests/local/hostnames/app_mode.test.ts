import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalCloud } from '../../../src/local/app.js';
import type { LocalService, ServiceContext, ServiceFactory } from '../../../src/local/core/service.js';
import { testLogger } from '../../helpers/local_cloud.js';
import { minimalModel } from '../../helpers/minimal_model.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'app-mode-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const seen: boolean[] = [];
/** A data service that answers every request with its name and records the mode its context was given. */
const data: ServiceFactory = {
  name: 'data',
  create: (ctx: ServiceContext): LocalService => {
    seen.push(ctx.awsHostnames === true);
    return {
      name: 'data',
      matches: (req, url) => req.method === 'POST' && url.pathname === '/graphql',
      fetch: () => Promise.resolve(new Response('data')),
      start: () => Promise.resolve(),
      reset: () => Promise.resolve(),
      stop: () => Promise.resolve(),
    };
  },
};

function start(extra: Partial<Parameters<typeof createLocalCloud>[0]> = {}) {
  return createLocalCloud({
    model: minimalModel(),
    dataDir: path.join(root, 'data'),
    caDir: path.join(root, 'tls'),
    port: 0,
    outputsPath: path.join(root, 'out', 'amplify_outputs.json'),
    factories: [data],
    log: testLogger('app-mode'),
    ...extra,
  });
}

describe('createLocalCloud in and out of AWS-hostname mode', () => {
  it('without the mode: no AWS names, no leaves, only amplify_outputs.json, loopback URLs', async () => {
    const cloud = await start();
    try {
      expect(cloud.awsHostnames).toEqual([]);
      expect(cloud.hostCertificates).toBeUndefined();
      expect(cloud.outputsFiles.map((f) => path.basename(f))).toEqual(['amplify_outputs.json']);
      expect(cloud.outputs.data?.url).toBe(`${cloud.endpoint}/graphql`);
      // An AWS Host is just a Host: routed as before, by path.
      const res = await cloud.fetch(new Request('https://frameapi00000000000000001.appsync-api.us-east-1.amazonaws.com/graphql', { method: 'POST' }));
      expect(await res.text()).toBe('data');
      expect(seen.at(-1)).toBe(false);
    } finally {
      await cloud.stop();
    }
  });

  it('with the mode: the names, a leaf store, the deployed URL and all three outputs files', async () => {
    const cloud = await start({ awsHostnames: true });
    try {
      expect(cloud.awsHostnames).toContain('cognito-idp.us-east-1.amazonaws.com');
      expect(cloud.hostCertificates).toBeDefined();
      expect(seen.at(-1)).toBe(true);
      expect(cloud.outputs.data?.url).toBe('https://frameapi00000000000000001.appsync-api.us-east-1.amazonaws.com/graphql');
      expect(readdirSync(path.join(root, 'out')).sort()).toEqual(['amplify_outputs.dart', 'amplify_outputs.json', 'amplifyconfiguration.json']);
      const res = await cloud.fetch(new Request(cloud.outputs.data!.url, { method: 'POST' }));
      expect(await res.text()).toBe('data');
      // The loopback address is unchanged.
      expect(await (await cloud.fetch(new Request(`${cloud.endpoint}/graphql`, { method: 'POST' }))).text()).toBe('data');
    } finally {
      await cloud.stop();
    }
  });

  it('writes only the formats asked for (amplify_outputs.json always)', async () => {
    const cloud = await start({ awsHostnames: true, outputsFormats: ['dart'] });
    try {
      expect(cloud.outputsFiles.map((f) => path.basename(f))).toEqual(['amplify_outputs.json', 'amplify_outputs.dart']);
    } finally {
      await cloud.stop();
    }
  });
});
