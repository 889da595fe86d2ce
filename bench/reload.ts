/**
 * `npm run bench -- reload [rounds]`: how long after saving a schema edit the new field is
 * queryable, over HTTPS with the API key, on a copy of tests/fixtures/reload.
 *
 * Side by side, in one run, for the same edit (a field appended to the Note model):
 *   - hot (warm worker): `npm start`'s default: the watcher, the warm synthesis worker, the swap;
 *   - hot (fresh tsx):   the same watcher and swap, but a new `tsx amplify/backend.ts` per change;
 *   - cold restart:      what a developer does without hot reload: stop the local cloud, synthesize
 *                        (as `npm start` does on a changed backend) and start it again.
 * Each round times from the file write to the first successful query selecting the new field.
 *
 * Target: hot (warm worker) median ≤ 3 s.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLocalCloud, type LocalCloud } from '../src/local/app.js';
import { ensureAssembly } from '../src/local/assembly/cache.js';
import { loadBackendModel } from '../src/local/assembly/load_assembly.js';
import { silentLogger } from '../src/local/core/logger.js';
import type { BenchFigure } from './lib/report.js';
import { median } from './lib/stats.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const POLL_MS = 20;
const DEADLINE_MS = 180_000;

function makeProject(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-reload-'));
  cpSync(path.join(repoRoot, 'tests', 'fixtures', 'reload', 'amplify'), path.join(dir, 'amplify'), { recursive: true });
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

let fieldNo = 0;
/** Appends a new field to the Note model; returns its name. */
function addField(project: string): string {
  const file = path.join(project, 'amplify', 'data', 'resource.ts');
  const name = `benchField${++fieldNo}`;
  writeFileSync(file, readFileSync(file, 'utf8').replace('done: a.boolean(),', `done: a.boolean(),\n      ${name}: a.string(),`));
  return name;
}

async function queryable(cloud: () => LocalCloud | undefined, field: string): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    const c = cloud();
    if (c) {
      try {
        const res = await fetch(`${c.endpoint}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': c.model.data!.apiKey! },
          body: JSON.stringify({ query: `{ listNotes(limit: 1) { items { id ${field} } } }` }),
        });
        const body = (await res.json()) as { errors?: unknown[] };
        if (res.ok && !body.errors) return;
      } catch {
        // restarting: not listening yet
      }
    }
    if (Date.now() > deadline) throw new Error(`${field} never became queryable`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

async function hotRounds(rounds: number, warmWorker: boolean): Promise<{ seconds: number[]; timings: unknown[] }> {
  const project = makeProject();
  const dataDir = path.join(project, '.amplify', 'local');
  const model = loadBackendModel((await ensureAssembly({ projectDir: project })).assemblyDir);
  const cloud = await createLocalCloud({ model, projectDir: project, dataDir, port: 0, outputsPath: null, log: silentLogger, watch: { warmWorker } });
  const seconds: number[] = [];
  const timings: unknown[] = [];
  try {
    await cloud.hotReload!.warmedUp();
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      const field = addField(project);
      await queryable(() => cloud, field);
      seconds.push((performance.now() - t0) / 1000);
      // The field is served before the reloader's bookkeeping ends: let it finish, then read the phases.
      await new Promise((r) => setTimeout(r, 300));
      timings.push(cloud.hotReload!.status().timings);
    }
  } finally {
    await cloud.stop();
    rmSync(project, { recursive: true, force: true });
  }
  return { seconds, timings };
}

async function coldRounds(rounds: number): Promise<number[]> {
  const project = makeProject();
  const dataDir = path.join(project, '.amplify', 'local');
  const start = async () => {
    const model = loadBackendModel((await ensureAssembly({ projectDir: project })).assemblyDir);
    return createLocalCloud({ model, projectDir: project, dataDir, port: 0, outputsPath: null, log: silentLogger });
  };
  let cloud: LocalCloud | undefined = await start();
  const seconds: number[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      const field = addField(project);
      await cloud.stop();
      cloud = undefined;
      cloud = await start();
      await queryable(() => cloud, field);
      seconds.push((performance.now() - t0) / 1000);
    }
  } finally {
    await cloud?.stop();
    rmSync(project, { recursive: true, force: true });
  }
  return seconds;
}

const fmt = (xs: number[]) => `median ${median(xs).toFixed(2)} s   min ${Math.min(...xs).toFixed(2)}   max ${Math.max(...xs).toFixed(2)}   (${xs.map((x) => x.toFixed(2)).join(', ')})`;

export async function main(args: string[]): Promise<BenchFigure[]> {
  const rounds = Number(args[0] ?? 5);
  process.stdout.write(`reload: add a field to a model, time until it is queryable (${rounds} rounds each; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')})\n`);
  const warm = await hotRounds(rounds, true);
  process.stdout.write(`  hot reload (warm worker)   ${fmt(warm.seconds)}\n`);
  process.stdout.write(`    phases (ms) ${warm.timings.map((t) => JSON.stringify(t)).join(' ')}\n`);
  const fresh = await hotRounds(Math.min(rounds, 3), false);
  process.stdout.write(`  hot reload (fresh tsx)     ${fmt(fresh.seconds)}\n`);
  process.stdout.write(`    phases (ms) ${fresh.timings.map((t) => JSON.stringify(t)).join(' ')}\n`);
  const cold = await coldRounds(Math.min(rounds, 3));
  process.stdout.write(`  cold restart (baseline)    ${fmt(cold)}\n`);
  const target = median(warm.seconds) <= 3;
  process.stdout.write(`  target: hot reload median ≤ 3 s → ${target ? 'met' : 'NOT met'}; ${(median(cold) / median(warm.seconds)).toFixed(1)}× faster than a cold restart\n`);
  const baseline = { name: 'cold restart (stop, synthesize, start)', value: median(cold) };
  return [
    {
      scenario: 'reload',
      figure: 'field added to a model → queryable, hot reload (median)',
      value: median(warm.seconds),
      unit: 's',
      better: 'lower',
      baseline,
      target: { text: '≤ 3 s', met: target },
      note: `${warm.seconds.length} rounds; a fresh tsx per change instead of the warm worker: ${median(fresh.seconds).toFixed(2)} s`,
    },
  ];
}
