/**
 * `npm test [-- <vitest args>]`: prepares the shared test CA, then runs `vitest run` with it trusted
 * through NODE_EXTRA_CA_CERTS (TLS is never disabled), so every test worker and spawned CLI verifies
 * the local cloud's certificate for real.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ensureTls } from '../src/local/core/tls.js';

const root = path.resolve(import.meta.dirname, '..');
const caDir = path.join(root, '.amplify', 'test-ca');
const tls = await ensureTls(caDir);

const require = createRequire(import.meta.url);
const vitest = path.join(path.dirname(require.resolve('vitest/package.json')), 'vitest.mjs');
const child = spawn(process.execPath, [vitest, 'run', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: {
    ...process.env,
    NODE_EXTRA_CA_CERTS: tls.caCertPath,
    AMPLIFY_LOCAL_CA_DIR: caDir,
    AMPLIFY_DISABLE_TELEMETRY: '1',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
  },
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
