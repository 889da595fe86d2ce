import '../helpers/polyfills.js';
import { randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { confirmSignUp, fetchAuthSession, signIn, signOut, signUp } from 'aws-amplify/auth';
import { generateClient } from 'aws-amplify/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReloadStatus } from '../../src/local/reload/hot_reload.js';
import { startLocalCloud, type StartedLocalCloud } from '../../src/local/testing.js';
import { repoRoot } from '../fixtures/assembly.js';
import { configureTestClient } from '../helpers/amplify_client.js';
import { until } from '../helpers/until.js';
import { launchTrustingChromium } from '../browser/support/chromium.js';

/**
 * Hot reload with the real client: a copy of tests/fixtures/reload runs with `watch` on, and each
 * test edits its amplify/ as a developer would, then waits (through GET /_local/reload) for the
 * reload to apply. The tests run in order on one backend.
 */

let project: string;
let cloud: StartedLocalCloud;
const client = generateClient();
const email = `reload-${randomUUID().slice(0, 8)}@example.com`;
const password = 'Reload-pass-1';
let firstId: string;
const received: { id: string; title?: string | null }[] = [];
let titleSub: { unsubscribe(): void } | undefined;

const schemaFile = () => path.join(project, 'amplify', 'data', 'resource.ts');
const backendFile = () => path.join(project, 'amplify', 'backend.ts');

async function reloadStatus(): Promise<ReloadStatus> {
  const res = await fetch(`${cloud.url}/_local/reload`);
  expect(res.status).toBe(200);
  return (await res.json()) as ReloadStatus;
}

/** Applies `edit` to a file and waits until the reload it causes has applied (or failed). */
async function edit(file: string, change: (text: string) => string, expect: 'applied' | 'failed' = 'applied'): Promise<ReloadStatus> {
  const before = await reloadStatus();
  const text = readFileSync(file, 'utf8');
  const next = change(text);
  if (next === text) throw new Error(`the edit changed nothing in ${file}`);
  writeFileSync(file, next);
  return until(
    async () => {
      const s = await reloadStatus();
      if (expect === 'applied' && s.reloads > before.reloads && s.state === 'idle') return s;
      if (expect === 'failed' && s.state === 'failed' && s.lastReloadAt !== before.lastReloadAt) return s;
      return undefined;
    },
    120_000,
    `the edit of ${path.basename(file)} to be ${expect}`,
    100,
  );
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- raw documents: the typed client knows the schema of start-up only
type Gql = { data: Record<string, any>; errors?: { message: string; errorType?: string }[] };

/** A raw GraphQL request with the real client; a rejected one resolves with its errors. */
async function gql(query: string, variables: Record<string, unknown> = {}, authMode: 'apiKey' | 'userPool' = 'apiKey'): Promise<Gql> {
  try {
    return (await client.graphql({ query, variables, authMode })) as Gql;
  } catch (err) {
    const e = err as Partial<Gql>;
    return { data: e.data ?? {}, errors: e.errors ?? [{ message: String(err) }] };
  }
}

async function connectSuccesses(): Promise<number> {
  const res = await fetch(`${cloud.url}/_local/data/metrics`);
  return ((await res.json()) as { ConnectSuccess: number }).ConnectSuccess;
}

beforeAll(async () => {
  project = mkdtempSync(path.join(tmpdir(), 'amplify-reload-'));
  cpSync(path.join(repoRoot, 'tests', 'fixtures', 'reload', 'amplify'), path.join(project, 'amplify'), { recursive: true });
  // The backend's imports (@aws-amplify/backend) and tsx resolve from the repository's packages.
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(project, 'node_modules'), 'dir');
  cloud = await startLocalCloud({ projectDir: project, watch: { debounceMs: 50 } });
  configureTestClient(cloud.outputs);

  const up = await signUp({ username: email, password, options: { userAttributes: { email } } });
  expect(up.nextStep.signUpStep).toBe('CONFIRM_SIGN_UP');
  const [mail] = await cloud.outbox({ channel: 'email', to: email });
  await confirmSignUp({ username: email, confirmationCode: /\b(\d{6})\b/.exec(mail.body)![1] });
  expect((await signIn({ username: email, password })).isSignedIn).toBe(true);

  const created = await gql('mutation ($t: String) { createNote(input: { title: $t }) { id } }', { t: 'before the reload' });
  firstId = created.data.createNote.id;

  const sub = client.graphql({ query: 'subscription { onCreateNote { id title } }' }) as unknown as {
    subscribe(o: { next(v: { data: { onCreateNote: { id: string; title?: string | null } } }): void; error(e: unknown): void }): { unsubscribe(): void };
  };
  titleSub = sub.subscribe({ next: (v) => void received.push(v.data.onCreateNote), error: () => {} });
  // The client has no "subscription started" hook: create until one arrives.
  await until(
    async () => {
      if (received.length) return true;
      await gql('mutation { createNote(input: { title: "warm-up" }) { id } }');
      return undefined;
    },
    20_000,
    'the subscription to start',
    300,
  );
}, 240_000);

afterAll(async () => {
  titleSub?.unsubscribe();
  await signOut().catch(() => {});
  await cloud?.stop();
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('hot reload of amplify/', () => {
  it('reports its state at GET /_local/reload', async () => {
    const s = await reloadStatus();
    expect(s).toMatchObject({ state: 'idle', lastError: null, reloads: 0, watching: path.join(project, 'amplify') });
  });

  it('makes a field added to a model queryable, with the items stored before', async () => {
    const connects = await connectSuccesses();
    const s = await edit(schemaFile(), (t) => t.replace('done: a.boolean(),', 'done: a.boolean(),\n      priority: a.integer(),'));
    expect(s.lastReport?.reloaded).toContain('data');
    expect(s.lastReport?.unchanged).toContain('auth');
    const listed = await gql('{ listNotes { items { id title priority } } }');
    expect(listed.errors).toBeUndefined();
    expect(listed.data.listNotes.items).toContainEqual({ id: firstId, title: 'before the reload', priority: null });
    const created = await gql('mutation { createNote(input: { title: "after", priority: 3 }) { id priority } }');
    expect(created.data.createNote.priority).toBe(3);
    // The open subscription kept its socket and receives the new item.
    await until(() => received.find((r) => r.id === created.data.createNote.id), 20_000, 'the subscription to receive the new note');
    expect(await connectSuccesses()).toBe(connects);
  });

  it("keeps a signed-in user's tokens working", async () => {
    const listed = await gql('{ listNotes { items { id } } }', {}, 'userPool');
    expect(listed.errors).toBeUndefined();
    expect(listed.data.listNotes.items.map((n: { id: string }) => n.id)).toContain(firstId);
    const session = await fetchAuthSession({ forceRefresh: true });
    expect(session.tokens?.accessToken).toBeDefined();
  });

  it('keeps serving the last good backend after a broken edit, and reports the error', async () => {
    const s = await edit(schemaFile(), (t) => t.replace('priority: a.integer(),', 'priority: a.integr(),'), 'failed');
    expect(s.lastError?.message).toMatch(/integr is not a function/);
    expect(s.lastError?.output).toMatch(/resource\.ts/);
    const listed = await gql('{ listNotes { items { id priority } } }');
    expect(listed.errors).toBeUndefined();
    // The console shows it too, in a real browser.
    const browser = await launchTrustingChromium(cloud.caCertPath);
    try {
      const page = browser.context.pages()[0] ?? (await browser.context.newPage());
      await page.goto(`${cloud.url}/`);
      const banner = page.locator('#reload.failed');
      await banner.waitFor({ timeout: 15_000 });
      expect(await banner.textContent()).toMatch(/Last edit not applied: .*integr is not a function/);
    } finally {
      await browser.close();
    }
    // Undoing the mistake brings back the served content: nothing to swap, the error is cleared.
    writeFileSync(schemaFile(), readFileSync(schemaFile(), 'utf8').replace('a.integr()', 'a.integer()'));
    await until(async () => ((await reloadStatus()).state === 'idle' ? true : undefined), 60_000, 'the error to clear', 100);
    expect((await reloadStatus()).lastError).toBeNull();
  });

  it("ends a subscription whose selected field was removed with AppSync's error, keeping the others", async () => {
    const errors: unknown[] = [];
    const sub = (client.graphql({ query: 'subscription { onCreateNote { id priority } }' }) as unknown as {
      subscribe(o: { next(v: unknown): void; error(e: unknown): void }): { unsubscribe(): void };
    }).subscribe({ next: () => {}, error: (e) => void errors.push(e) });
    try {
      // Wait until this subscription is registered on the server (the hub counts it).
      const subs = () => cloud.instance.services.find((s) => s.name === 'data')!.views!.metrics(new URLSearchParams()) as { ActiveSubscriptions: number };
      await until(() => (subs().ActiveSubscriptions >= 2 ? true : undefined), 20_000, 'the second subscription to start');
      const s = await edit(schemaFile(), (t) => t.replace('\n      priority: a.integer(),', ''));
      expect(s.lastReport?.notes.join('\n')).toMatch(/1 subscription\(s\) ended/);
      await until(() => (errors.length ? true : undefined), 20_000, 'the error on the removed field');
      expect(JSON.stringify(errors[0])).toMatch(/priority/);
      const created = await gql('mutation { createNote(input: { title: "still delivered" }) { id } }');
      await until(() => received.find((r) => r.id === created.data.createNote.id), 20_000, 'the title subscription to keep receiving');
    } finally {
      sub.unsubscribe();
    }
  });

  it('applies a changed password policy and keeps the users', async () => {
    const s = await edit(backendFile(), (t) =>
      t.replace(
        'defineBackend({ auth, data });',
        `const backend = defineBackend({ auth, data });
backend.auth.resources.cfnResources.cfnUserPool.policies = {
  passwordPolicy: { minimumLength: 20, requireLowercase: true, requireUppercase: true, requireNumbers: true, requireSymbols: false },
};`,
      ),
    );
    expect([...(s.lastReport?.reloaded ?? []), ...(s.lastReport?.replaced ?? [])]).toContain('auth');
    // The restarted user pool still honours the tokens it issued before (same keys, same sessions).
    const listed = await gql('{ listNotes { items { id } } }', {}, 'userPool');
    expect(listed.errors).toBeUndefined();
    expect((await fetchAuthSession({ forceRefresh: true })).tokens?.accessToken).toBeDefined();
    const other = `short-${randomUUID().slice(0, 8)}@example.com`;
    await expect(signUp({ username: other, password: 'Short-pass-12', options: { userAttributes: { email: other } } })).rejects.toMatchObject({
      name: 'InvalidPasswordException',
    });
    await signOut();
    expect((await signIn({ username: email, password })).isSignedIn).toBe(true);
  });

  it("says a table's key changed and which items were dropped, saving them", async () => {
    const s = await edit(schemaFile(), (t) =>
      t.replace('title: a.string(),', 'noteId: a.id().required(),\n      title: a.string(),').replace('    .authorization(', "    .identifier(['noteId'])\n    .authorization("),
    );
    const note = s.lastReport?.notes.find((n) => n.startsWith('table Note-'));
    expect(note).toMatch(/key changed from id to noteId; 0 of \d+ item\(s\) kept, \d+ without the new key were dropped \(saved in .+\.json\)/);
    const file = /saved in (.+\.json)\)/.exec(note!)![1];
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, 'utf8')).toContain(firstId);
    const created = await gql('mutation { createNote(input: { noteId: "n-1", title: "new key" }) { noteId } }');
    expect(created.data.createNote.noteId).toBe('n-1');
    const listed = await gql('{ listNotes { items { noteId title } } }');
    expect(listed.data.listNotes.items).toEqual([{ noteId: 'n-1', title: 'new key' }]);
  });
});
