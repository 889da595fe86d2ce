import '../helpers/polyfills.js';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Amplify } from 'aws-amplify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOutputs, checkOutputs } from '../../src/local/outputs.js';
import { configureTestClient } from '../helpers/amplify_client.js';
import { getTestModel, startLocalCloud, type TestLocalCloud } from '../helpers/local_cloud.js';
import { repoRoot } from '../fixtures/assembly.js';

let cloud: TestLocalCloud;

beforeAll(async () => {
  cloud = await startLocalCloud();
});
afterAll(async () => {
  await cloud?.stop();
});

describe('local cloud frame (in-process, real HTTPS)', () => {
  it('answers /_local/health over HTTPS verified against the local CA', async () => {
    // No TLS bypass: fetch verifies the chain through NODE_EXTRA_CA_CERTS.
    const res = await fetch(`${cloud.endpoint}/_local/health`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; services: string[]; uptime: number };
    expect(body.status).toBe('ok');
    expect(Array.isArray(body.services)).toBe(true);
    expect(body.uptime).toBeGreaterThanOrEqual(0);
  });

  it('listens on loopback only', () => {
    expect(cloud.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('writes an outputs file valid for schema 1.5 with the local endpoints', () => {
    const written = JSON.parse(readFileSync(cloud.outputsPath, 'utf8'));
    expect(checkOutputs(written)).toEqual([]);
    expect(written.version).toBe('1.5');
    expect(written.auth).toMatchObject({ user_pool_id: expect.stringMatching(/^us-east-1_\w+$/), user_pool_client_id: expect.any(String) });
    expect(written.data.url).toBe(`${cloud.endpoint}/graphql`);
    expect(written.storage.bucket_name).toContain('.');
    expect(written.custom.local).toMatchObject({
      endpoint: cloud.endpoint,
      user_pool_endpoint: cloud.endpoint,
      identity_pool_endpoint: cloud.endpoint,
      storage_endpoint: new URL(cloud.endpoint).host,
      admin_endpoint: `${cloud.endpoint}/_local`,
      ca_certificate_path: expect.stringMatching(/ca\.pem$/),
    });
  });

  it('is accepted by Amplify.configure through configureAmplify, with the Cognito endpoints set', () => {
    const config = configureTestClient(cloud.outputs);
    expect(config.Auth?.Cognito?.userPoolEndpoint).toBe(cloud.endpoint);
    expect(config.Auth?.Cognito?.identityPoolEndpoint).toBe(cloud.endpoint);
    expect(Amplify.getConfig().API?.GraphQL?.endpoint).toBe(`${cloud.endpoint}/graphql`);
  });

  it('reads the outbox through the admin API and keeps it across a restart', async () => {
    cloud.cloud.outbox.add({ channel: 'email', to: 'frame@example.com', subject: 'Code', body: 'Your code is 424242', code: '424242' });
    await cloud.restart();
    const messages = await cloud.outbox({ channel: 'email', to: 'frame@example.com' });
    expect(messages).toMatchObject([{ code: '424242', subject: 'Code' }]);
  });

  it('answers unknown routes with an AWS-style 404', async () => {
    const res = await fetch(`${cloud.endpoint}/no/such/route`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });
});

describe('committed amplify_outputs.json', () => {
  it('is what `npm start` writes for this backend on the default port', async () => {
    const committed = JSON.parse(readFileSync(path.join(repoRoot, 'amplify_outputs.json'), 'utf8'));
    const expected = buildOutputs(await getTestModel(), {
      endpoint: 'https://127.0.0.1:20002',
      caCertPath: path.join(repoRoot, '.amplify', 'local', 'tls', 'ca.pem'),
      outputsDir: repoRoot,
    });
    // When this fails after a backend change: run `npm start` once (port 20002) and commit amplify_outputs.json.
    expect(committed).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(checkOutputs(committed)).toEqual([]);
  });
});

/** Spawns the CLI and resolves once it prints the ready line. */
async function spawnCli(command: string, args: string[], tmp: string, detached = false) {
  const cliArgs = ['--port', '0', '--data-dir', path.join(tmp, 'data'), '--outputs', path.join(tmp, 'amplify_outputs.json')];
  const child = spawn(command, [...args, ...cliArgs], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: process.env, detached });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  // Output keeps arriving after the direct child exits when it was npm: wait for the pipes to close.
  const closed = new Promise<void>((resolve) => child.stdout.once('close', () => resolve()));
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line in time:\n${output}`)), 170_000);
    child.stdout.on('data', () => {
      const m = /Local cloud ready at (https:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    void exited.then(({ code }) => reject(new Error(`the CLI exited early (${code}):\n${output}`)));
  });
  return { child, endpoint, exited, closed, output: () => output };
}

describe('npm start', () => {
  it(
    'serves after printing the ready line and exits 0 on SIGTERM',
    async () => {
      const tmp = mkdtempSync(path.join(tmpdir(), 'amplify-cli-'));
      // Exactly the `start` script of package.json, without npm in between, so the exit code is the CLI's.
      const tsx = path.join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs');
      const cli = await spawnCli(process.execPath, [tsx, 'src/local/cli.ts'], tmp).catch((err) => {
        rmSync(tmp, { recursive: true, force: true });
        throw err;
      });
      try {
        expect((await fetch(`${cli.endpoint}/_local/health`)).status).toBe(200);
        const outputs = JSON.parse(readFileSync(path.join(tmp, 'amplify_outputs.json'), 'utf8'));
        expect(outputs.custom.local.endpoint).toBe(cli.endpoint);
        expect(cli.output()).toContain(`${cli.endpoint}/graphql`);
        expect(cli.output()).toContain(`Console       ${cli.endpoint}/   (open in a browser`);

        cli.child.kill('SIGTERM');
        expect(await cli.exited).toEqual({ code: 0, signal: null });
        // Durations people read (whole ms, or seconds with one decimal); the outputs file as given (absolute here).
        const duration = String.raw`(?:\d+ ms|\d+\.\d s)`;
        expect(cli.output()).toMatch(new RegExp(String.raw`(?:using the cached assembly \(${duration}\)|Synthesized in ${duration})\n`));
        expect(cli.output()).toMatch(new RegExp(String.raw`Local cloud ready at https://127\.0\.0\.1:\d+  \(${duration}\)\n`));
        expect(cli.output()).toContain(`Outputs written to ${path.join(tmp, 'amplify_outputs.json')}\n`);
        expect(cli.output()).toContain('Local cloud stopped.');
        await expect(fetch(`${cli.endpoint}/_local/health`)).rejects.toThrow();
      } finally {
        cli.child.kill('SIGKILL');
        rmSync(tmp, { recursive: true, force: true });
      }
    },
    180_000,
  );

  it(
    'stops cleanly when the whole npm process group gets SIGTERM or Ctrl-C',
    async () => {
      for (const signal of ['SIGTERM', 'SIGINT'] as const) {
        const tmp = mkdtempSync(path.join(tmpdir(), 'amplify-npm-'));
        const cli = await spawnCli('npm', ['start', '--silent', '--'], tmp, true).catch((err) => {
          rmSync(tmp, { recursive: true, force: true });
          throw err;
        });
        try {
          // As a terminal's Ctrl-C or `kill -TERM -<pgid>` does: every process of the group gets it.
          process.kill(-cli.child.pid!, signal);
          await cli.closed;
          expect(cli.output()).toContain('Local cloud stopped.');
          expect(cli.output()).not.toContain('Forced exit');
          await expect(fetch(`${cli.endpoint}/_local/health`)).rejects.toThrow();
        } finally {
          try {
            process.kill(-cli.child.pid!, 'SIGKILL');
          } catch {
            // already gone
          }
          rmSync(tmp, { recursive: true, force: true });
        }
      }
    },
    180_000,
  );
});
