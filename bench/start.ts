/**
 * `npm run bench -- start`: how long `npm start` takes until the first request is answered.
 *
 *   - warm: a restart — the assembly is cached (nothing under amplify/ changed) and the data dir
 *           exists: a fresh process loads the code, loads the model, starts every service on the
 *           kept state and answers GET /_local/health;
 *   - cold: the same with an empty assembly cache, so the backend is synthesized first (what the
 *           first `npm start`, or one after an edit without hot reload, costs);
 *   - baseline: a fresh process that loads the same TypeScript loader and exits (the floor no
 *           start can beat), and for cold, the published time of the cloud's own first
 *           `npx ampx sandbox` deployment of a quickstart backend: "Deployment completed in
 *           178.682 seconds" (aws-amplify/amplify-backend#2865, 2025-06-21).
 *
 * BENCH_START_ROUNDS (default 5) warm rounds, BENCH_COLD_ROUNDS (default 2) cold rounds; medians.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { target, type BenchFigure } from './lib/report.js';
import { median } from './lib/stats.js';

const run = promisify(execFile);
const WARM = Number(process.env.BENCH_START_ROUNDS ?? 5);
const COLD = Number(process.env.BENCH_COLD_ROUNDS ?? 2);
const PUBLISHED_SANDBOX_DEPLOY_MS = 178_682;

interface Timings {
  loaded: number;
  imported: number;
  synthesized: number;
  ready: number;
  fromCache: boolean;
  services: string[];
}

async function startOnce(projectDir: string, cacheDir: string, dataDir = ''): Promise<{ wallMs: number; t: Timings }> {
  const t0 = performance.now();
  const { stdout } = await run(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'lib', 'start_child.ts'), projectDir, cacheDir, dataDir], {
    env: { ...process.env, AMPLIFY_DISABLE_TELEMETRY: '1', CDK_DISABLE_CLI_TELEMETRY: 'true' },
    maxBuffer: 16 * 1024 * 1024,
  });
  const wallMs = performance.now() - t0;
  return { wallMs, t: JSON.parse(stdout.trim().split('\n').pop()!) as Timings };
}

async function floorOnce(): Promise<number> {
  const t0 = performance.now();
  await run(process.execPath, ['--import', 'tsx', '-e', 'process.exit(0)']);
  return performance.now() - t0;
}

export async function main(): Promise<BenchFigure[]> {
  const projectDir = path.resolve(import.meta.dirname, '..');
  const warmCache = '.amplify/local-assembly';
  const kept = mkdtempSync(path.join(tmpdir(), 'bench-warm-data-'));
  await startOnce(projectDir, warmCache, kept); // fills the cache and the data dir the warm rounds reuse
  const floor: number[] = [];
  const warm: { wallMs: number; t: Timings }[] = [];
  try {
    for (let i = 0; i < WARM; i++) {
      floor.push(await floorOnce());
      warm.push(await startOnce(projectDir, warmCache, kept));
    }
  } finally {
    rmSync(kept, { recursive: true, force: true });
  }
  if (warm.some((w) => !w.t.fromCache)) throw new Error('a warm round synthesized: the assembly cache did not hold');
  const cold: { wallMs: number; t: Timings }[] = [];
  for (let i = 0; i < COLD; i++) {
    const cacheDir = mkdtempSync(path.join(tmpdir(), 'bench-cold-cache-'));
    try {
      cold.push(await startOnce(projectDir, cacheDir));
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  }
  const warmMs = median(warm.map((w) => w.wallMs));
  const warmInProcess = median(warm.map((w) => w.t.ready - w.t.loaded));
  const coldMs = median(cold.map((c) => c.wallMs));
  const synthMs = median(cold.map((c) => c.t.synthesized - c.t.imported));
  const floorMs = median(floor);
  console.log(
    [
      `start, median of ${WARM} warm / ${COLD} cold rounds, services: ${warm[0].t.services.join(', ')}`,
      `  warm: ${warmMs.toFixed(0)} ms wall (${warmInProcess.toFixed(0)} ms after the loader), process floor ${floorMs.toFixed(0)} ms`,
      `  cold: ${coldMs.toFixed(0)} ms wall, of which synthesis ${synthMs.toFixed(0)} ms`,
    ].join('\n'),
  );
  return [
    {
      scenario: 'start',
      figure: `warm restart to the first answered request (${warm[0].t.services.length} services, state kept)`,
      value: warmMs / 1000,
      unit: 's',
      better: 'lower',
      baseline: { name: 'node + tsx process that exits', value: floorMs / 1000 },
      target: target(warmMs / 1000, 'lower', 1.0, '≤ 1.0 s'),
      note: `(${(warmInProcess / 1000).toFixed(2)} s after the loader)`,
    },
    {
      scenario: 'start',
      figure: 'cold start: synthesize, then start',
      value: coldMs / 1000,
      unit: 's',
      better: 'lower',
      baseline: { name: 'published first `ampx sandbox` deploy, amplify-backend#2865', value: PUBLISHED_SANDBOX_DEPLOY_MS / 1000 },
      note: `(synthesis ${(synthMs / 1000).toFixed(1)} s)`,
    },
  ];
}
