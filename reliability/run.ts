/**
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
  },
});

if (positionals[0] !== 'fuzz' && positionals[0] !== 'matrix') {
  process.stderr.write('usage: npm run reliability -- fuzz [--cases N] [--seed N] [--connections N] [--target name] [--replay target:seed,…] [--project dir]\n');
  process.stderr.write('       npm run reliability -- matrix [--project dir] [--models A,B] [--lambda-token t] [--every-case]\n');
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
