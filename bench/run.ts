/**
 * `npm run bench -- <name>`: runs `bench/<name>.ts`'s `main()`. Benchmarks talk HTTPS to the local
 * cloud, so this re-runs itself once with a bench CA (`.amplify/bench-ca`) trusted through
 * NODE_EXTRA_CA_CERTS — TLS verification stays on, as in tests.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureTls } from '../src/local/core/tls.js';

const here = import.meta.dirname;
const name = process.argv[2];
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .map((f) => f.slice(0, -3));

if (!name || !available.includes(name)) {
  process.stderr.write(`usage: npm run bench -- <${available.join('|')}>\n`);
  process.exit(name ? 1 : 0);
}

if (!process.env.NODE_EXTRA_CA_CERTS || !process.env.AMPLIFY_LOCAL_CA_DIR) {
  const caDir = path.resolve(here, '..', '.amplify', 'bench-ca');
  const tls = await ensureTls(caDir);
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_EXTRA_CA_CERTS: tls.caCertPath, AMPLIFY_LOCAL_CA_DIR: caDir },
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  const mod = (await import(pathToFileURL(path.join(here, `${name}.ts`)).href)) as { main(args: string[]): Promise<void> };
  await mod.main(process.argv.slice(3));
  process.exit(0);
}
