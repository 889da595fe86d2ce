import '../helpers/polyfills.js';
import { randomUUID } from 'node:crypto';
import { confirmSignUp, signIn, signOut, signUp } from 'aws-amplify/auth';
import { generateClient } from 'aws-amplify/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBackendModel } from '../../src/local/assembly/load_assembly.js';
import { getFixtureAssembly } from '../fixtures/assembly.js';
import type { Schema } from '../fixtures/starter/amplify/data/resource.js';
import { configureTestClient } from '../helpers/amplify_client.js';
import { startLocalCloud, type TestLocalCloud } from '../helpers/local_cloud.js';
import { until } from '../helpers/until.js';

/**
 * The backend most Gen 2 apps start from (tests/fixtures/starter: email sign-in, a Todo model open
 * to the API key, the API key as the default mode), driven by the real client as the starter app
 * drives it: sign up and in, then list, create, observe, update and delete todos.
 */

let cloud: TestLocalCloud;
let client: ReturnType<typeof generateClient<Schema>>;

beforeAll(async () => {
  const model = loadBackendModel(await getFixtureAssembly('starter'), { region: 'us-east-1' });
  cloud = await startLocalCloud({ model });
  configureTestClient(cloud.outputs);
  client = generateClient<Schema>();
});

afterAll(async () => {
  await signOut().catch(() => {});
  await cloud?.stop();
});

describe('the starter backend with the real client', () => {
  it('writes outputs whose default data mode is the API key', () => {
    expect(cloud.outputs.data?.default_authorization_type).toBe('API_KEY');
    expect(cloud.outputs.data?.api_key).toMatch(/^da2-[a-z0-9]{26}$/);
    expect(cloud.outputs.auth?.username_attributes).toEqual(['email']);
  });

  it('signs a new user up with the emailed code and in', async () => {
    const email = `starter-${randomUUID().slice(0, 8)}@example.com`;
    const password = 'Starter-pass-1';
    const up = await signUp({ username: email, password, options: { userAttributes: { email } } });
    expect(up.nextStep.signUpStep).toBe('CONFIRM_SIGN_UP');
    const [mail] = await cloud.outbox({ channel: 'email', to: email });
    const code = /\b(\d{6})\b/.exec(mail.body)?.[1];
    expect(code).toBeDefined();
    expect((await confirmSignUp({ username: email, confirmationCode: code! })).isSignUpComplete).toBe(true);
    expect((await signIn({ username: email, password })).isSignedIn).toBe(true);
  });

  it('creates, lists, updates and deletes todos with the API key', async () => {
    const created = await client.models.Todo.create({ content: 'buy milk' });
    expect(created.errors).toBeUndefined();
    const id = created.data!.id;
    const listed = await client.models.Todo.list();
    expect(listed.data.map((t) => t.id)).toContain(id);
    const updated = await client.models.Todo.update({ id, done: true });
    expect(updated.data).toMatchObject({ id, content: 'buy milk', done: true });
    await client.models.Todo.delete({ id });
    expect((await client.models.Todo.get({ id })).data).toBeNull();
  });

  it('observeQuery delivers a todo created after it synced', async () => {
    const snapshots: { items: { content?: string | null }[]; isSynced: boolean }[] = [];
    const sub = client.models.Todo.observeQuery().subscribe({ next: (s) => void snapshots.push(s) });
    try {
      await until(() => snapshots.find((s) => s.isSynced), 10_000, 'observeQuery to sync');
      const content = `observed ${randomUUID()}`;
      // The client has no "subscription started" hook: create until the live copy arrives.
      const deadline = Date.now() + 10_000;
      while (!snapshots.some((s) => s.items.some((t) => t.content === content))) {
        if (Date.now() > deadline) throw new Error('the created todo never reached observeQuery');
        await client.models.Todo.create({ content });
        await new Promise((r) => setTimeout(r, 300));
      }
    } finally {
      sub.unsubscribe();
    }
  });

  it('refuses a wrong API key with AppSync 401 and a signed-in user whom the rules do not name', async () => {
    const wrongKeyClient = generateClient<Schema>({ authMode: 'apiKey', apiKey: 'da2-notthekeyofthisapi000000' });
    const wrongKey = await wrongKeyClient.models.Todo.list();
    expect(wrongKey.errors?.[0]?.message).toBe('Unauthorized');
    const asUser = await client.models.Todo.list({ authMode: 'userPool' });
    expect(asUser.errors?.[0]?.message).toMatch(/Not Authorized to access listTodos on type Query/);
  });
});
