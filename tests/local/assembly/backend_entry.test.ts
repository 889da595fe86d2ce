import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BACKEND_ENTRY_NAMES, BackendEntryError, findBackendEntry } from '../../../src/local/assembly/backend_entry.js';
import { assemblyKey, ensureAssembly } from '../../../src/local/assembly/cache.js';
import { SynthError } from '../../../src/local/assembly/synth.js';
import { repoRoot } from '../../fixtures/assembly.js';

/** A stand-in CDK app in plain JavaScript: writes a manifest into CDK_OUTDIR, or fails while `fail` exists. */
const FAKE_APP = `import { existsSync, writeFileSync } from 'node:fs';
const root = new URL('..', import.meta.url).pathname;
if (existsSync(root + 'fail')) { console.error('deliberate failure'); process.exit(3); }
writeFileSync(process.env.CDK_OUTDIR + '/manifest.json', JSON.stringify({ version: 'test' }));
`;

describe('the backend entry file', () => {
  let project: string;
  const write = (name: string, text = FAKE_APP) => writeFileSync(path.join(project, 'amplify', name), text);

  beforeEach(() => {
    project = mkdtempSync(path.join(os.tmpdir(), 'backend-entry-'));
    mkdirSync(path.join(project, 'amplify'));
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'entry', type: 'module' }));
  });
  afterEach(() => {
    rmSync(project, { recursive: true, force: true });
  });

  it('accepts the names ampx accepts, in its order: compiled JavaScript before TypeScript', () => {
    expect(BACKEND_ENTRY_NAMES).toEqual(['backend.js', 'backend.mjs', 'backend.cjs', 'backend.ts']);
    write('backend.ts');
    expect(findBackendEntry(project)).toMatchObject({ name: 'backend.ts', relative: 'amplify/backend.ts' });
    write('backend.cjs');
    expect(findBackendEntry(project).name).toBe('backend.cjs');
    write('backend.mjs');
    expect(findBackendEntry(project).name).toBe('backend.mjs');
    write('backend.js');
    expect(findBackendEntry(project)).toMatchObject({ name: 'backend.js', file: path.join(project, 'amplify', 'backend.js') });
  });

  it('names every file it tried when there is none, and what it found instead', () => {
    write('backend.mts');
    let err: unknown;
    try {
      findBackendEntry(project);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BackendEntryError);
    const e = err as BackendEntryError;
    for (const name of BACKEND_ENTRY_NAMES) expect(e.message).toContain(`amplify/${name}`);
    expect(e.message).toContain('found amplify/backend.mts, which ampx does not accept either');
    expect(e.resolution).toContain('defineBackend()');
    expect(() => assemblyKey(project)).toThrow(BackendEntryError);
  });

  it('synthesizes an amplify/backend.mjs entry and names it when synthesis fails', async () => {
    write('backend.mjs');
    const opts = { projectDir: project, cacheDir: '.cache', toolsDir: repoRoot };
    const first = await ensureAssembly(opts);
    expect(first.fromCache).toBe(false);
    expect((await ensureAssembly(opts)).fromCache).toBe(true);
    writeFileSync(path.join(project, 'fail'), '');
    write('backend.mjs', `${FAKE_APP}\n// changed\n`);
    const err = await ensureAssembly(opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SynthError);
    expect((err as SynthError).message).toContain('Synthesizing amplify/backend.mjs failed (exit 3)');
  });
});
