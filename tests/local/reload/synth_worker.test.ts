import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { synthesizeBackend } from '../../../src/local/assembly/synth.js';
import { SynthWorker } from '../../../src/local/reload/synth_worker.js';
import { repoRoot } from '../../fixtures/assembly.js';

/**
 * The warm synthesis worker must produce what a fresh `tsx amplify/backend.ts` produces, run after
 * run, for ES-module backends (one process, fresh namespaces) and CommonJS ones (a process each).
 */

const dirs: string[] = [];
const workers: SynthWorker[] = [];
afterAll(async () => {
  for (const w of workers) await w.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function project(esm: boolean): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'synth-worker-'));
  dirs.push(dir);
  cpSync(path.join(repoRoot, 'tests', 'fixtures', 'reload', 'amplify'), path.join(dir, 'amplify'), { recursive: true });
  if (!esm) rmSync(path.join(dir, 'amplify', 'package.json'));
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

/**
 * Every template of an assembly, the API key's synth-time expiry left out, and with it the hashes
 * of the nested templates that hold it (the nested templates themselves are compared).
 */
function templates(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  // Templates, and the GraphQL schemas (assets named by their content's hash).
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.template.json') || n.endsWith('.graphql')).sort()) {
    out[f] = readFileSync(path.join(dir, f), 'utf8').replace(/"Expires": \d+/g, '"Expires": 0').replace(/\/[0-9a-f]{64}\.json/g, '/<nested>.json');
  }
  return out;
}

function addField(dir: string, name: string): void {
  const file = path.join(dir, 'amplify', 'data', 'resource.ts');
  writeFileSync(file, readFileSync(file, 'utf8').replace('done: a.boolean(),', `done: a.boolean(),\n      ${name}: a.string(),`));
}

describe('SynthWorker', () => {
  it('synthesizes an ES-module backend again and again in one process, as a fresh tsx run does', async () => {
    const dir = project(true);
    const worker = new SynthWorker({ projectDir: dir });
    workers.push(worker);
    expect(worker.reusable).toBe(true);
    await worker.synthesize({ projectDir: dir, outDir: path.join(dir, 'w1') });
    addField(dir, 'hotReloadAddedField');
    await worker.synthesize({ projectDir: dir, outDir: path.join(dir, 'w2') });
    await synthesizeBackend({ projectDir: dir, outDir: path.join(dir, 'cold') });
    expect(templates(path.join(dir, 'w2'))).toEqual(templates(path.join(dir, 'cold')));
    expect(JSON.stringify(templates(path.join(dir, 'w1')))).not.toContain('hotReloadAddedField');
  }, 240_000);

  it('synthesizes a CommonJS backend twice, in a fresh process each time', async () => {
    const dir = project(false);
    const worker = new SynthWorker({ projectDir: dir });
    workers.push(worker);
    expect(worker.reusable).toBe(false);
    await worker.synthesize({ projectDir: dir, outDir: path.join(dir, 'w1') });
    addField(dir, 'hotReloadAddedField');
    await worker.synthesize({ projectDir: dir, outDir: path.join(dir, 'w2') });
    expect(JSON.stringify(templates(path.join(dir, 'w2')))).toContain('hotReloadAddedField');
  }, 240_000);

  it("fails with the backend's own error, and synthesizes again once it is fixed", async () => {
    const dir = project(true);
    const worker = new SynthWorker({ projectDir: dir });
    workers.push(worker);
    const file = path.join(dir, 'amplify', 'data', 'resource.ts');
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, good.replace('a.boolean()', 'a.bool()'));
    await expect(worker.synthesize({ projectDir: dir, outDir: path.join(dir, 'bad') })).rejects.toMatchObject({
      name: 'SynthError',
      message: expect.stringMatching(/a\.bool is not a function/),
    });
    writeFileSync(file, good);
    await worker.synthesize({ projectDir: dir, outDir: path.join(dir, 'good') });
    expect(Object.keys(templates(path.join(dir, 'good'))).length).toBeGreaterThan(1);
  }, 240_000);
});
