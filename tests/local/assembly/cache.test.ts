import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assemblyKey, ensureAssembly } from '../../../src/local/assembly/cache.js';
import { repoRoot } from '../../fixtures/assembly.js';

/**
 * A stand-in backend: its backend.ts writes a manifest into CDK_OUTDIR (as a CDK app does), counts
 * its runs in a file outside amplify/, and fails while a `fail` marker exists. It makes the cache's
 * rules testable in milliseconds instead of a full synth.
 */
function fakeProject(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'assembly-cache-'));
  mkdirSync(path.join(dir, 'amplify'));
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'fake', type: 'module' }));
  writeFileSync(path.join(dir, 'package-lock.json'), '{"lockfileVersion":3}');
  writeFileSync(
    path.join(dir, 'amplify', 'backend.ts'),
    `import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
const root = new URL('..', import.meta.url).pathname;
appendFileSync(root + 'runs.txt', 'x');
if (existsSync(root + 'fail')) { console.error('backend.ts: deliberate failure'); process.exit(3); }
writeFileSync(process.env.CDK_OUTDIR + '/manifest.json', JSON.stringify({ version: 'test', context: process.env.CDK_CONTEXT_JSON }));
`,
  );
  return dir;
}

const runs = (dir: string) => (existsSync(path.join(dir, 'runs.txt')) ? readFileSync(path.join(dir, 'runs.txt'), 'utf8').length : 0);

describe('ensureAssembly', () => {
  let project: string;
  const opts = () => ({ projectDir: project, cacheDir: '.cache', toolsDir: repoRoot });

  beforeEach(() => {
    project = fakeProject();
  });
  afterEach(() => {
    rmSync(project, { recursive: true, force: true });
  });

  it('synthesizes once, then serves the cached assembly while amplify/ is unchanged', async () => {
    const first = await ensureAssembly(opts());
    expect(first.fromCache).toBe(false);
    expect(existsSync(path.join(first.assemblyDir, 'manifest.json'))).toBe(true);
    const second = await ensureAssembly(opts());
    expect(second).toEqual({ assemblyDir: first.assemblyDir, fromCache: true });
    expect(runs(project)).toBe(1);
  });

  it('synthesizes again when a file under amplify/ or the lockfile changes', async () => {
    const first = await ensureAssembly(opts());
    writeFileSync(path.join(project, 'amplify', 'extra.ts'), 'export const x = 1;\n');
    const second = await ensureAssembly(opts());
    expect(second.fromCache).toBe(false);
    expect(second.assemblyDir).not.toBe(first.assemblyDir);
    writeFileSync(path.join(project, 'package-lock.json'), '{"lockfileVersion":3,"changed":true}');
    expect((await ensureAssembly(opts())).fromCache).toBe(false);
    expect(runs(project)).toBe(3);
  });

  it('ignores files outside amplify/ and node_modules inside it', () => {
    const before = assemblyKey(project);
    writeFileSync(path.join(project, 'README.md'), 'docs');
    mkdirSync(path.join(project, 'amplify', 'node_modules'));
    writeFileSync(path.join(project, 'amplify', 'node_modules', 'x.js'), '1');
    expect(assemblyKey(project)).toBe(before);
    expect(assemblyKey(project, 'PUSH_APNS_SECRET=x')).not.toBe(before);
  });

  it('lets concurrent callers share one synthesis', async () => {
    const results = await Promise.all([ensureAssembly(opts()), ensureAssembly(opts()), ensureAssembly(opts())]);
    expect(new Set(results.map((r) => r.assemblyDir)).size).toBe(1);
    expect(results.filter((r) => !r.fromCache)).toHaveLength(1);
    expect(runs(project)).toBe(1);
  });

  it('leaves no assembly marked valid and no lock behind when synthesis fails', async () => {
    writeFileSync(path.join(project, 'fail'), '');
    await expect(ensureAssembly(opts())).rejects.toThrow(/Synthesizing amplify\/backend.ts failed/);
    const cacheRoot = path.join(project, '.cache');
    expect(readdirSync(cacheRoot)).toEqual([]);
    rmSync(path.join(project, 'fail'));
    expect((await ensureAssembly(opts())).fromCache).toBe(false);
  });

  it('does not trust a folder without the completion marker (a crash mid-write)', async () => {
    const key = assemblyKey(project);
    const half = path.join(project, '.cache', key.slice(0, 24));
    mkdirSync(half, { recursive: true });
    writeFileSync(path.join(half, 'manifest.json'), '{"half":true}');
    const result = await ensureAssembly(opts());
    expect(result).toEqual({ assemblyDir: half, fromCache: false });
    expect(readFileSync(path.join(half, 'manifest.json'), 'utf8')).toContain('"version":"test"');
  });

  it('takes over a lock left by a process that no longer exists', async () => {
    const key = assemblyKey(project);
    mkdirSync(path.join(project, '.cache'), { recursive: true });
    // PIDs this high are not in use on Linux (pid_max is at most 2^22).
    writeFileSync(path.join(project, '.cache', `${key.slice(0, 24)}.lock`), JSON.stringify({ pid: 2 ** 30, at: Date.now() }));
    const result = await ensureAssembly(opts());
    expect(result.fromCache).toBe(false);
    expect(existsSync(path.join(project, '.cache', `${key.slice(0, 24)}.lock`))).toBe(false);
  });

  it('refuses a folder that is not a Gen 2 project', async () => {
    rmSync(path.join(project, 'amplify'), { recursive: true });
    await expect(ensureAssembly(opts())).rejects.toThrow(/No amplify\/ folder/);
  });
});
