/**
 * `npm run reliability -- crash|load|fuzz …`: crash and load runs live in faults/ (see faults/crash.ts
 * and faults/load.ts for their flags); the fuzz run is below.
 *
 * `npm run reliability -- fuzz [--cases N] [--seed N] [--connections N] [--target name] [--replay t:seed,…]`:
 * a bounded fuzz run of every endpoint of this repository's backend (or `--project <dir>`), on a
 * fresh local cloud on a free loopback port, TLS verification on. Prints a table per target and
 * every failure with the seed that replays it; exits 1 when anything broke the rules.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadBackendModel } from '../src/local/assembly/load_assembly.js';
import { ensureAssembly } from '../src/local/assembly/cache.js';
import { createLocalCloud } from '../src/local/app.js';
import type { Logger } from '../src/local/core/logger.js';
import { ensureTls } from '../src/local/core/tls.js';
import { fuzzEnvOf } from './fuzz/env.js';
import { fuzzRealtime } from './fuzz/realtime.js';
import { runFuzz, type FuzzFailure } from './fuzz/runner.js';
import { fuzzTargets } from './fuzz/targets.js';

const root = path.resolve(import.meta.dirname, '..');
/** The local cloud's own errors (stack traces of faults) go to stderr; the rest is noise here. */
const errorsOnly: Logger = { info: () => {}, warn: () => {}, error: (m) => console.error(`[local-cloud] ${m}`), child: () => errorsOnly };
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    cases: { type: 'string', default: '300' },
    seed: { type: 'string', default: '1' },
    connections: { type: 'string', default: '60' },
    target: { type: 'string' },
    project: { type: 'string' },
    replay: { type: 'string' },
    models: { type: 'string' },
    'every-case': { type: 'boolean', default: false },
    'lambda-token': { type: 'string' },
    rounds: { type: 'string', default: '3' },
    clients: { type: 'string' },
    seconds: { type: 'string', default: '10' },
    bursts: { type: 'string', default: '3' },
    'heap-snapshots': { type: 'string' },
  },
});

const USAGE = [
  'usage: npm run reliability -- fuzz [--cases N] [--seed N] [--connections N] [--target name] [--replay target:seed,…] [--project dir]',
  '       npm run reliability -- matrix [--project dir] [--models A,B] [--lambda-token t] [--every-case]',
  '       npm run reliability -- crash [--rounds K] [--clients N] [--seed N] [--project dir]',
  '       npm run reliability -- load [--clients N] [--seconds S] [--bursts B] [--seed N] [--heap-snapshots dir] [--project dir]',
].join('\n');
if (!['fuzz', 'matrix', 'crash', 'load'].includes(positionals[0])) {
  process.stderr.write(`${USAGE}\n`);
  process.exit(positionals.length ? 1 : 0);
}

const caDir = path.join(root, '.amplify', 'reliability-ca');
const tls = await ensureTls(caDir);
if (process.env.NODE_EXTRA_CA_CERTS !== tls.caCertPath) {
  // Node reads NODE_EXTRA_CA_CERTS at start: re-run once with the CA trusted (TLS stays verified).
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, NODE_EXTRA_CA_CERTS: tls.caCertPath, AMPLIFY_LOCAL_CA_DIR: caDir } });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else if (positionals[0] === 'matrix') {
  const { runMatrixCommand } = await import('./matrix/command.js');
  process.exitCode = await runMatrixCommand({ projectDir: path.resolve(values.project ?? root), caDir, models: values.models?.split(','), everyCase: values['every-case'], lambdaToken: values['lambda-token'] });
} else if (positionals[0] === 'crash' || positionals[0] === 'load') {
  const projectDir = path.resolve(values.project ?? root);
  const { assemblyDir } = await ensureAssembly({ projectDir, cacheDir: path.join(projectDir, '.amplify', 'reliability-assembly') });
  const seed = Number(values.seed);
  if (positionals[0] === 'crash') {
    const { runCrash } = await import('./faults/crash.js');
    const { printCrash } = await import('./faults/report.js');
    const result = await runCrash({ assemblyDir, rounds: Number(values.rounds), clients: Number(values.clients ?? 16), seed });
    process.exitCode = printCrash(seed, result) ? 0 : 1;
  } else {
    const { runLoad } = await import('./faults/load.js');
    const { printLoad } = await import('./faults/report.js');
    const result = await runLoad({ assemblyDir, clients: Number(values.clients ?? 64), seconds: Number(values.seconds), bursts: Number(values.bursts), seed, heapSnapshots: values['heap-snapshots'] });
    process.exitCode = printLoad(result) ? 0 : 1;
  }
} else {
  const projectDir = path.resolve(values.project ?? root);
  const { assemblyDir } = await ensureAssembly({ projectDir, cacheDir: path.join(projectDir, '.amplify', 'reliability-assembly') });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'amplify-fuzz-'));
  const cloud = await createLocalCloud({ model: loadBackendModel(assemblyDir), dataDir, port: 0, outputsPath: null, caDir, log: errorsOnly });
  const started = Date.now();
  try {
    const env = await fuzzEnvOf(cloud);
    const targets = fuzzTargets(env).filter((t) => !values.target || t.name === values.target);
    const seed = Number(values.seed);
    // `--replay s3:123,graphql:456` runs only those cases (the seeds a failure printed).
    const only = values.replay?.split(',').map((p) => ({ target: p.split(':')[0], seed: Number(p.split(':')[1]) }));
    const report = await runFuzz(env, targets, { caCertPath: cloud.caCertPath, seed, cases: Number(values.cases), only });
    const failures: FuzzFailure[] = [...report.failures];
    const rows = report.targets.map((t) => [t.target, t.cases, t.byClass['2xx'] ?? 0, t.byClass['3xx'] ?? 0, t.byClass['4xx'] ?? 0, t.unsendable, failures.filter((f) => f.target === t.target).length]);
    const sockets = only?.filter((o) => o.target === 'realtime').map((o) => o.seed);
    if ((!only && (!values.target || values.target === 'realtime')) || sockets?.length) {
      const rt = await fuzzRealtime(env, { caCertPath: cloud.caCertPath, seed, connections: Number(values.connections), only: sockets });
      failures.push(...rt.failures);
      rows.push(['realtime', rt.cases, '-', '-', `closes ${JSON.stringify(rt.closeCodes)}`, 0, rt.failures.length]);
    }
    console.log(`fuzz seed ${seed}: ${rows.reduce((n, r) => n + Number(r[1]), 0)} cases, ${report.healthChecks} health checks, ${((Date.now() - started) / 1000).toFixed(1)} s`);
    console.log(['target', 'cases', '2xx', '3xx', '4xx', 'unsendable', 'failures'].join('\t'));
    for (const r of rows) console.log(r.join('\t'));
    for (const f of failures) console.log(`FAIL ${f.target} seed=${f.seed} ${f.request.method} ${f.request.path} (${f.request.bodyBytes} B): ${f.reason}`);
    process.exitCode = failures.length ? 1 : 0;
  } finally {
    await cloud.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
