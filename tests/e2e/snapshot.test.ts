import '../helpers/polyfills.js';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AdminAddUserToGroupCommand, CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { fetchAuthSession, signIn, signOut } from 'aws-amplify/auth';
import { generateClient } from 'aws-amplify/data';
import { downloadData, getProperties, uploadData } from 'aws-amplify/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Schema } from '../../amplify/data/resource.js';
import type { BackendModel } from '../../src/local/assembly/model.js';
import { DEFAULT_ACCOUNT_KEYS } from '../../src/local/core/account.js';
import { listFiles } from '../../src/local/core/snapshot_admin.js';
import { runSnapshotCommand } from '../../src/local/snapshot_commands.js';
import { configureTestClient, withStorageEndpoint } from '../helpers/amplify_client.js';
import { getTestModel, startLocalCloud, type TestLocalCloud } from '../helpers/local_cloud.js';
import { repoRoot } from '../fixtures/assembly.js';
import { until } from '../helpers/until.js';
import { cognitoEnv, signUpAndConfirm } from './data_users.js';

const GROUP = 'editors';
const password = 'Seed-Data-9-horse!';
const email = `seed-${randomUUID().slice(0, 8)}@example.com`;
/** Every byte value, so a text conversion anywhere on the way would show. */
const binary = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) % 256));
const tmp = mkdtempSync(path.join(tmpdir(), 'amplify-snapshot-'));
const viaApi = path.join(tmp, 'via-api');
const onExit = path.join(tmp, 'on-exit');

/** This backend with one Cognito group, as `defineAuth({ groups: [...] })` would synthesize it. */
function withGroup(model: BackendModel): BackendModel {
  const auth = model.auth!;
  const userPool = { ...auth.userPool, groups: [...auth.userPool.groups, { name: GROUP, precedence: 1 }] };
  return {
    ...model,
    auth: { ...auth, userPool, ...(auth.userPools ? { userPools: auth.userPools.map((e, i) => (i === 0 ? { ...e, userPool } : e)) } : {}) },
  };
}

const sdk = (cloud: TestLocalCloud) => ({ endpoint: cloud.endpoint, region: cloud.cloud.model.region, credentials: DEFAULT_ACCOUNT_KEYS, maxAttempts: 1 });

/** Every file of a snapshot folder with its bytes; `snapshot.json` without its export time. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of listFiles(dir)) {
    const bytes = readFileSync(path.join(dir, f.path));
    if (f.path === 'snapshot.json') {
      const { createdAt: _ignored, ...rest } = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
      out[f.path] = JSON.stringify(rest);
    } else out[f.path] = bytes.toString('base64');
  }
  return out;
}

async function cli(args: string[], cloud: TestLocalCloud): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await runSnapshotCommand([...args, '--url', cloud.endpoint, '--data-dir', cloud.dataDir], {
    out: (t) => (out += t),
    err: (t) => (out += t),
    cwd: tmp,
  });
  return { code, out };
}

let model: BackendModel;
let source: TestLocalCloud;
const seeded = { postId: randomUUID(), identityId: '', ciphertext: Buffer.alloc(0), objectPath: '' };

beforeAll(async () => {
  model = withGroup(await getTestModel());
  source = await startLocalCloud({ model });
  configureTestClient(source.outputs);
  const env = { ...cognitoEnv(source.endpoint, model.auth!), outbox: (f: { channel: 'email'; to: string }) => source.outbox(f) };
  await signUpAndConfirm(env, email, password);
  await new CognitoIdentityProviderClient(sdk(source)).send(new AdminAddUserToGroupCommand({ UserPoolId: model.auth!.userPool.id, Username: email, GroupName: GROUP }));
  expect((await signIn({ username: email, password })).isSignedIn).toBe(true);
  seeded.identityId = (await fetchAuthSession()).identityId!;
  const created = await generateClient<Schema>().models.Post.create({ id: seeded.postId, title: 'Seeded', content: 'from a snapshot' });
  expect(created.errors).toBeUndefined();
  // The backend's post-processor publishes new posts from the table's stream: let it settle first.
  await until(async () => ((await generateClient<Schema>().models.Post.get({ id: seeded.postId })).data?.status === 'PUBLISHED' ? true : undefined), 30_000, 'the post to be published');
  seeded.objectPath = `media/${seeded.identityId}/blob.bin`;
  await uploadData({ path: seeded.objectPath, data: binary, options: withStorageEndpoint({ contentType: 'application/x-test', metadata: { origin: 'seed' } }) }).result;
  const key = model.keys!.keys[0];
  const enc = await new KMSClient(sdk(source)).send(new EncryptCommand({ KeyId: key.keyId, Plaintext: Buffer.from('kept secret') }));
  seeded.ciphertext = Buffer.from(enc.CiphertextBlob!);
  await new SSMClient(sdk(source)).send(new PutParameterCommand({ Name: '/seed/greeting', Value: 'hello', Type: 'String' }));
  await signOut();
}, 120_000);

afterAll(async () => {
  await signOut().catch(() => undefined);
  await source?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('snapshots', () => {
  it('exports through the admin API exactly what an export on exit writes', async () => {
    const exported = await cli(['export', viaApi], source);
    expect(exported.code, exported.out).toBe(0);
    expect(exported.out).toMatch(/auth: user pools 1, users 1/);
    await source.cloud.exportSnapshot(onExit);
    expect(tree(viaApi)).toEqual(tree(onExit));
    const manifest = JSON.parse(readFileSync(path.join(viaApi, 'snapshot.json'), 'utf8'));
    expect(manifest).toMatchObject({ format: 'amplify-local-snapshot', version: 1, services: { sts: { exported: false }, data: { exported: true } } });
    expect(readFileSync(path.join(viaApi, 'data', 'Post.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1);
    // Never a password: the SRP verifier and salt only.
    const users = readFileSync(path.join(viaApi, 'auth', model.auth!.userPool.id, 'users.json'), 'utf8');
    expect(users).not.toContain(password);
    expect(JSON.parse(users).users[0]).toMatchObject({ username: expect.any(String), groups: [GROUP], password: { salt: expect.any(String), verifier: expect.any(String) } });
    // The server's copy is gone once fetched.
    expect(listFiles(path.join(source.dataDir, 'exports'))).toEqual([]);
  });

  it('loads into a fresh data dir: the real client signs in with the original password, reads the items and downloads the objects', async () => {
    const restored = await startLocalCloud({ model, import: viaApi });
    try {
      expect(restored.cloud.imported?.map((p) => [p.service, p.counts])).toContainEqual(['storage', { buckets: 1, objects: 1 }]);
      configureTestClient(restored.outputs);
      expect((await signIn({ username: email, password })).isSignedIn).toBe(true);
      const session = await fetchAuthSession();
      expect(session.tokens!.idToken!.payload['cognito:groups']).toEqual([GROUP]);
      expect(session.identityId).toBe(seeded.identityId);
      const { data: post } = await generateClient<Schema>().models.Post.get({ id: seeded.postId });
      expect(post).toMatchObject({ title: 'Seeded', content: 'from a snapshot' });
      const down = await downloadData({ path: seeded.objectPath, options: withStorageEndpoint() }).result;
      expect(Buffer.from(await (await down.body.blob()).arrayBuffer()).equals(binary)).toBe(true);
      const props = await getProperties({ path: seeded.objectPath, options: withStorageEndpoint() });
      expect([props.contentType, props.metadata]).toEqual(['application/x-test', { origin: 'seed' }]);
      const dec = await new KMSClient(sdk(restored)).send(new DecryptCommand({ CiphertextBlob: seeded.ciphertext }));
      expect(Buffer.from(dec.Plaintext!).toString()).toBe('kept secret');
      expect((await new SSMClient(sdk(restored)).send(new GetParameterCommand({ Name: '/seed/greeting' }))).Parameter!.Value).toBe('hello');
      await signOut();
    } finally {
      await restored.stop();
      configureTestClient(source.outputs);
    }
  }, 60_000);

  it('refuses a snapshot of another format version, with what to do', async () => {
    const dir = path.join(tmp, 'v2');
    cpSync(viaApi, dir, { recursive: true });
    const file = path.join(dir, 'snapshot.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), version: 2 }));
    await expect(startLocalCloud({ model, import: dir })).rejects.toMatchObject({
      name: 'SnapshotError',
      message: expect.stringContaining('is a version 2 snapshot; this local cloud reads version 1'),
      resolution: expect.stringContaining('newer local cloud'),
    });
  });

  it('rejects a tampered snapshot and leaves the running state as it was', async () => {
    const dir = path.join(tmp, 'tampered');
    cpSync(viaApi, dir, { recursive: true });
    const table = path.join(dir, 'data', 'Post.jsonl');
    // A valid second item for one table, then an item without its key: nothing may be written.
    writeFileSync(table, `${readFileSync(table, 'utf8')}${JSON.stringify({ title: { S: 'no id' } })}\n`);
    const before = path.join(tmp, 'before-rejected');
    await source.cloud.exportSnapshot(before);
    await expect(source.cloud.importSnapshot(dir)).rejects.toThrow(/data\/Post\.jsonl line 2: the item has no key attribute "id"/);
    const after = path.join(tmp, 'after-rejected');
    await source.cloud.exportSnapshot(after);
    expect(tree(after)).toEqual(tree(before));

    // A changed object file no longer matches its ETag.
    cpSync(viaApi, dir, { recursive: true, force: true });
    const manifest = JSON.parse(readFileSync(path.join(dir, 'storage', 'mediaStorage', 'manifest.json'), 'utf8'));
    writeFileSync(path.join(dir, 'storage', 'mediaStorage', manifest.objects[0].file), Buffer.alloc(binary.length, 1));
    await expect(source.cloud.importSnapshot(dir)).rejects.toThrow(/does not match its ETag/);
    await source.cloud.exportSnapshot(after);
    expect(tree(after)).toEqual(tree(before));
  });

  it('resets everything through npm run local:reset', async () => {
    const done = await cli(['reset'], source);
    expect(done.code, done.out).toBe(0);
    const empty = path.join(tmp, 'empty');
    const manifest = await source.cloud.exportSnapshot(empty);
    expect(manifest.services.auth.counts).toEqual({ 'user pools': 0, users: 0 });
    expect(manifest.services.data.counts).toEqual({ tables: 0, items: 0 });
    expect(manifest.services.storage.counts).toEqual({ buckets: 0, objects: 0 });
    expect(manifest.services.identity.counts).toEqual({ identities: 0 });
    expect(manifest.services.parameters.counts).toEqual({ parameters: 0 });
  });
});

describe('npm start -- --import --export-on-exit', () => {
  it(
    'loads the snapshot at start, says what it skipped, and writes one on SIGTERM',
    async () => {
      const run = path.join(tmp, 'cli');
      const exitDir = path.join(run, 'exported');
      const tsx = path.join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs');
      const args = [tsx, 'src/local/cli.ts', '--port', '0', '--data-dir', path.join(run, 'data'), '--outputs', path.join(run, 'outputs.json'), '--import', viaApi, '--export-on-exit', exitDir];
      const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      try {
        const endpoint = await new Promise<string>((resolve, reject) => {
          child.stdout.on('data', () => {
            const m = /Local cloud ready at (https:\/\/127\.0\.0\.1:\d+)/.exec(output);
            if (m) resolve(m[1]);
          });
          void exited.then((code) => reject(new Error(`the CLI exited early (${code}):\n${output}`)));
        });
        // The CLI runs this repository's backend, which has no "editors" group: the import says so.
        expect(output).toMatch(/snapshot \| auth: user pools 1, users 1 \(\d+ ms: checked \d+ ms, written \d+ ms\)/);
        expect(output).toContain(`has no group ${GROUP}`);
        expect(output).toMatch(/snapshot \| storage: buckets 1, objects 1/);
        expect(output).toContain(`Importing the snapshot ${viaApi} (it replaces the data dir's state) ...`);
        expect(output).toContain(`Ctrl-C to stop (writes a snapshot to ${exitDir}).`);
        expect((await fetch(`${endpoint}/_local/health`)).status).toBe(200);
        child.kill('SIGTERM');
        expect(await exited).toBe(0);
        expect(output).toMatch(/Snapshot written in \d+ ms/);
        const a = tree(viaApi);
        const b = tree(exitDir);
        // Same state but the group the backend does not have.
        expect(Object.keys(b)).toEqual(Object.keys(a));
        const users = JSON.parse(readFileSync(path.join(exitDir, 'auth', model.auth!.userPool.id, 'users.json'), 'utf8')).users;
        expect(users[0].groups).toEqual([]);
        expect(b['data/Post.jsonl']).toBe(a['data/Post.jsonl']);
      } finally {
        child.kill('SIGKILL');
      }
    },
    180_000,
  );
});
