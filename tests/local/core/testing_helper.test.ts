import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCloud, trustLocalCloudCa, type StartedLocalCloud } from '../../../src/local/testing.js';
import { repoRoot } from '../../fixtures/assembly.js';

/**
 * The public test helper as an app team uses it: `projectDir` pointing at a Gen 2 project
 * (tests/fixtures/starter: email sign-in, an API-key Todo model), synthesized through the cache,
 * driven over HTTPS with the CA trusted by NODE_EXTRA_CA_CERTS (set by `npm test`).
 */

const starterDir = path.join(repoRoot, 'tests', 'fixtures', 'starter');
let cloud: StartedLocalCloud;

beforeAll(async () => {
  cloud = await startLocalCloud({ projectDir: starterDir });
});

afterAll(async () => {
  await cloud?.stop();
});

async function cognito(target: string, body: unknown): Promise<Response> {
  return fetch(cloud.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${target}` },
    body: JSON.stringify(body),
  });
}

function signUp(email: string): Promise<Response> {
  return cognito('SignUp', {
    ClientId: cloud.outputs.auth!.user_pool_client_id,
    Username: email,
    Password: 'Helper-pass-1',
    UserAttributes: [{ Name: 'email', Value: email }],
  });
}

async function graphql(query: string, variables: Record<string, unknown> = {}) {
  const res = await fetch(cloud.outputs.data!.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': cloud.outputs.data!.api_key! },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: Record<string, { id: string; content: string }>; errors?: unknown[] };
}

describe('startLocalCloud (src/local/testing.ts)', () => {
  it('serves the project on a free loopback port and writes its outputs to the temp dir', () => {
    expect(cloud.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(cloud.port).not.toBe(20002);
    expect(cloud.outputsPath.startsWith(tmpdir())).toBe(true);
    expect(JSON.parse(readFileSync(cloud.outputsPath, 'utf8'))).toEqual(cloud.outputs);
    expect(cloud.outputs.data?.url).toBe(`${cloud.url}/graphql`);
    expect(cloud.caCertPath).toBe(process.env.NODE_EXTRA_CA_CERTS);
    // The app's own amplify_outputs.json is left alone.
    expect(existsSync(path.join(starterDir, 'amplify_outputs.json'))).toBe(false);
  });

  it('answers GraphQL with the API key of the synthesized backend', async () => {
    const created = await graphql('mutation($c: String) { createTodo(input: { content: $c }) { id content } }', { c: 'from the helper' });
    expect(created.errors).toBeUndefined();
    const id = created.data!.createTodo.id;
    const got = await graphql('query($id: ID!) { getTodo(id: $id) { id content } }', { id });
    expect(got.data!.getTodo).toEqual({ id, content: 'from the helper' });
  });

  it('outbox() returns the sign-up code and reset() empties it', async () => {
    const email = 'helper-user@example.com';
    expect((await signUp(email)).status).toBe(200);
    const [mail, ...more] = await cloud.outbox({ channel: 'email', to: email });
    expect(more).toEqual([]);
    const code = /\b(\d{6})\b/.exec(mail.body)?.[1];
    expect(code).toBeDefined();
    expect(await cloud.outbox({ channel: 'sms' })).toEqual([]);

    await cloud.reset();
    expect(await cloud.outbox()).toEqual([]);
    // The user is gone too: signing the same address up again works and sends a fresh code.
    expect((await signUp(email)).status).toBe(200);
    expect(await cloud.outbox({ to: email })).toHaveLength(1);
  });

  it('deletes the temp dir it created on stop, and keeps a dataDir the caller gave', async () => {
    const given = mkdtempSync(path.join(tmpdir(), 'helper-data-'));
    try {
      const mine = await startLocalCloud({ projectDir: starterDir, dataDir: given });
      expect(mine.outputsPath).toBe(path.join(given, 'amplify_outputs.json'));
      await mine.stop();
      await mine.stop();
      expect(existsSync(mine.outputsPath)).toBe(true);

      const temp = await startLocalCloud({ projectDir: starterDir });
      const tempRoot = path.dirname(temp.outputsPath);
      await temp.stop();
      expect(existsSync(tempRoot)).toBe(false);
    } finally {
      rmSync(given, { recursive: true, force: true });
    }
  });

  it('refuses to start, saying how to fix it, when this process does not trust the CA', async () => {
    const otherCa = mkdtempSync(path.join(tmpdir(), 'helper-ca-'));
    try {
      await expect(startLocalCloud({ projectDir: starterDir, caDir: otherCa })).rejects.toThrow(/does not trust the local cloud's CA.*NODE_EXTRA_CA_CERTS=/s);
    } finally {
      rmSync(otherCa, { recursive: true, force: true });
    }
  });
});

describe('trustLocalCloudCa', () => {
  it('creates the CA and exports it for processes started afterwards', async () => {
    const saved = { extra: process.env.NODE_EXTRA_CA_CERTS, dir: process.env.AMPLIFY_LOCAL_CA_DIR };
    const caDir = mkdtempSync(path.join(tmpdir(), 'helper-trust-'));
    try {
      const { caCertPath } = await trustLocalCloudCa({ caDir });
      expect(caCertPath).toBe(path.join(caDir, 'ca.pem'));
      expect(readFileSync(caCertPath, 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----/);
      expect(process.env.NODE_EXTRA_CA_CERTS).toBe(caCertPath);
      expect(process.env.AMPLIFY_LOCAL_CA_DIR).toBe(caDir);
    } finally {
      process.env.NODE_EXTRA_CA_CERTS = saved.extra;
      process.env.AMPLIFY_LOCAL_CA_DIR = saved.dir;
      rmSync(caDir, { recursive: true, force: true });
    }
  });
});
