import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { repoRoot } from '../fixtures/assembly.js';

/**
 * An app team's setup, run for real: plain `vitest run` with src/local/testing_global_setup.ts as its
 * globalSetup and no NODE_EXTRA_CA_CERTS in the environment; a test file of that run starts the starter
 * backend and reaches it over verified HTTPS.
 */

const scratchRoot = path.join(repoRoot, '.amplify', 'scratch');
mkdirSync(scratchRoot, { recursive: true });
// Under the repository so the scratch files resolve `vitest` from its node_modules.
const project = mkdtempSync(path.join(scratchRoot, 'app-'));

afterAll(() => rmSync(project, { recursive: true, force: true }));

function run(cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  const vitest = path.join(path.dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [vitest, 'run', '--config', 'vitest.config.mts'], { cwd, env });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output }));
  });
}

it('a vitest run with the globalSetup trusts the CA in its forked workers', async () => {
  const setup = path.join(repoRoot, 'src', 'local', 'testing_global_setup.ts');
  const testing = path.join(repoRoot, 'src', 'local', 'testing.ts');
  const starter = path.join(repoRoot, 'tests', 'fixtures', 'starter');
  writeFileSync(
    path.join(project, 'vitest.config.mts'),
    `import { defineConfig } from 'vitest/config';\nexport default defineConfig({ test: { include: ['*.test.ts'], globalSetup: [${JSON.stringify(setup)}], hookTimeout: 180000, testTimeout: 180000 } });\n`,
  );
  writeFileSync(
    path.join(project, 'app.test.ts'),
    [
      `import { expect, it } from 'vitest';`,
      `import { startLocalCloud } from ${JSON.stringify(testing)};`,
      `it('reaches the local cloud', async () => {`,
      `  const cloud = await startLocalCloud({ projectDir: ${JSON.stringify(starter)} });`,
      `  try {`,
      `    expect(process.env.NODE_EXTRA_CA_CERTS).toBe(cloud.caCertPath);`,
      `    expect((await fetch(cloud.url + '/_local/health')).status).toBe(200);`,
      `    expect(await cloud.outbox()).toEqual([]);`,
      `  } finally {`,
      `    await cloud.stop();`,
      `  }`,
      `});`,
      '',
    ].join('\n'),
  );
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  delete env.AMPLIFY_LOCAL_CA_DIR;
  delete env.VITEST;
  delete env.VITEST_WORKER_ID;
  delete env.VITEST_POOL_ID;
  const { code, output } = await run(project, env);
  expect(output).toMatch(/1 passed/);
  expect(code).toBe(0);
  // Not rescued by some other trust: the helper's own check passed in the worker.
  expect(output).not.toMatch(/does not trust/);
}, 180_000);
