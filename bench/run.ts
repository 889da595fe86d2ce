/**
 * `npm run bench -- <name>` runs `bench/<name>.ts`'s `main()` and prints its figures.
 * `npm run bench` (no name) runs every scenario, each in its own process, and writes their figures
 * with the baselines measured in the same run to bench/RESULTS.md.
 *
 * Benchmarks talk HTTPS to the local cloud, so this re-runs itself once with a bench CA
 * (`.amplify/bench-ca`) trusted through NODE_EXTRA_CA_CERTS — TLS verification stays on, as in tests.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureTls } from '../src/local/core/tls.js';
import { figureTable, type BenchFigure } from './lib/report.js';

const here = import.meta.dirname;
/** Run order of `npm run bench`: cheap and quiet scenarios first, the load generators last. */
const ORDER = ['start', 'reload', 'auth', 'tls_names', 'functions', 'storage', 'snapshot', 'graphql'];
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .map((f) => f.slice(0, -3))
  .sort((a, b) => rank(a) - rank(b));
const args = process.argv.slice(2);
const name = args[0];

function rank(n: string): number {
  const i = ORDER.indexOf(n);
  return i < 0 ? ORDER.length : i;
}

if (name === '--help' || (name && !available.includes(name))) {
  process.stderr.write(`usage: npm run bench [-- <${available.join('|')}>]   (no name: every scenario, written to bench/RESULTS.md)\n`);
  process.exit(name === '--help' ? 0 : 1);
}

if (!process.env.NODE_EXTRA_CA_CERTS || !process.env.AMPLIFY_LOCAL_CA_DIR) {
  const caDir = path.resolve(here, '..', '.amplify', 'bench-ca');
  const tls = await ensureTls(caDir);
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_EXTRA_CA_CERTS: tls.caCertPath, AMPLIFY_LOCAL_CA_DIR: caDir },
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else if (name) {
  const mod = (await import(pathToFileURL(path.join(here, `${name}.ts`)).href)) as { main(args: string[]): Promise<BenchFigure[] | void> };
  const figures = (await mod.main(args.slice(1).filter((a, i, all) => a !== '--figures' && all[i - 1] !== '--figures'))) ?? [];
  const out = args.indexOf('--figures');
  if (out >= 0) writeFileSync(args[out + 1], JSON.stringify(figures));
  else if (figures.length) process.stdout.write(`\n${figureTable(figures).join('\n')}\n`);
  process.exit(0);
} else {
  await runAll();
}

async function runAll(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), 'bench-all-'));
  const figures: BenchFigure[] = [];
  const failures: string[] = [];
  const startedAt = new Date();
  for (const scenario of available) {
    process.stderr.write(`\n── bench ${scenario} ──\n`);
    const file = path.join(work, `${scenario}.json`);
    const t0 = Date.now();
    const code = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, [...process.execArgv, path.join(here, 'run.ts'), scenario, '--figures', file], { stdio: 'inherit', env: process.env });
      child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
    });
    process.stderr.write(`── ${scenario}: ${((Date.now() - t0) / 1000).toFixed(0)} s, exit ${code}\n`);
    try {
      if (code !== 0) throw new Error(`exit ${code}`);
      figures.push(...(JSON.parse(readFileSync(file, 'utf8')) as BenchFigure[]));
    } catch (err) {
      failures.push(`${scenario}: did not finish (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  rmSync(work, { recursive: true, force: true });
  const report = renderReport(figures, failures, startedAt);
  writeFileSync(path.join(here, 'RESULTS.md'), report);
  process.stdout.write(`\n${report}\nWritten to bench/RESULTS.md\n`);
  process.exit(failures.length ? 1 : 0);
}

function renderReport(figures: BenchFigure[], failures: string[], startedAt: Date): string {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: here, encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout
  }
  const met = figures.filter((f) => f.target?.met).length;
  const targeted = figures.filter((f) => f.target).length;
  return [
    '# Performance report',
    '',
    `Written by \`npm run bench\` on ${startedAt.toISOString()} at commit ${commit}: Node ${process.version}, ${cpus().length} cores, ` +
      `${(totalmem() / 2 ** 30).toFixed(0)} GB, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at the end. ` +
      'Load generators and servers share the machine.',
    '',
    'Every baseline is measured in the same run, on the same machine, except the published `ampx sandbox` figure. ' +
      'Ratio = value ÷ baseline (for times, lower is better; for throughput, higher is better). ' +
      'Each scenario is `npm run bench -- <scenario>`; its header comment says how it measures.',
    '',
    `Targets met: ${met} of ${targeted}.`,
    '',
    ...figureTable(figures),
    ...(failures.length ? ['', '## Scenarios that did not finish', '', ...failures.map((f) => `- ${f}`)] : []),
    '',
  ].join('\n');
}
