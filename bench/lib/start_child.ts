/**
 * One start of the local cloud in a fresh process, for `npm run bench -- start`: synthesize (or hit
 * the assembly cache in `cacheDir`), load the model, open the data dir (kept, or a new one), start every service behind the HTTPS port,
 * answer one health check, stop. Prints one JSON line of phase timings (ms since process start).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const [projectDir, cacheDir, keptDataDir] = process.argv.slice(2);
const loaded = performance.now();
const { ensureAssembly } = await import('../../src/local/assembly/cache.js');
const { loadBackendModel } = await import('../../src/local/assembly/load_assembly.js');
const { createLocalCloud } = await import('../../src/local/app.js');
const { silentLogger } = await import('../../src/local/core/logger.js');
const imported = performance.now();
const assembly = await ensureAssembly({ projectDir, cacheDir });
const synthesized = performance.now();
const model = loadBackendModel(assembly.assemblyDir, { region: 'us-east-1' });
// A kept data dir is a restart's (pool keys, tables and files exist); otherwise a first start's.
const dataDir = keptDataDir || mkdtempSync(path.join(tmpdir(), 'bench-start-'));
const cloud = await createLocalCloud({ model, projectDir, dataDir, port: 0, outputsPath: null, log: silentLogger });
const res = await fetch(`${cloud.endpoint}/_local/health`);
if (res.status !== 200) throw new Error(`health answered ${res.status}`);
const ready = performance.now();
await cloud.stop();
if (!keptDataDir) rmSync(dataDir, { recursive: true, force: true });
process.stdout.write(
  `${JSON.stringify({ loaded, imported, synthesized, ready, fromCache: assembly.fromCache, services: cloud.services.map((s) => s.name) })}\n`,
);
process.exit(0);
