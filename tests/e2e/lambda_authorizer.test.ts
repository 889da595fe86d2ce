import '../helpers/polyfills.js';
import { generateClient } from 'aws-amplify/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBackendModel } from '../../src/local/assembly/load_assembly.js';
import { getFixtureAssembly } from '../fixtures/assembly.js';
import type { Schema } from '../fixtures/lambda-auth/amplify/data/resource.js';
import { configureTestClient } from '../helpers/amplify_client.js';
import { startLocalCloud, type TestLocalCloud } from '../helpers/local_cloud.js';

/**
 * An API guarded by a Lambda authorizer (tests/fixtures/lambda-auth), driven by the real client with
 * `authMode: 'lambda'`: the bundled authorizer function runs for each token and its answer decides
 * the request, field by field (`deniedFields`).
 */

let cloud: TestLocalCloud;
const as = (authToken: string) => generateClient<Schema>({ authMode: 'lambda', authToken });

beforeAll(async () => {
  const model = loadBackendModel(await getFixtureAssembly('lambda-auth'), { region: 'us-east-1' });
  cloud = await startLocalCloud({ model });
  configureTestClient(cloud.outputs);
});

afterAll(async () => {
  await cloud?.stop();
});

describe('a Lambda authorizer with the real client', () => {
  it('lets a token the authorizer accepts create and read everything', async () => {
    const writer = as('writer-ann');
    const created = await writer.models.Note.create({ text: 'hello', secret: 's3cret' });
    expect(created.errors).toBeUndefined();
    const got = await writer.models.Note.get({ id: created.data!.id });
    expect(got.data).toMatchObject({ text: 'hello', secret: 's3cret' });
  });

  it('applies deniedFields: a reader gets the note without its secret and may not create', async () => {
    const { data: note } = await as('writer-bo').models.Note.create({ text: 'for readers', secret: 'hidden' });
    const reader = as('reader-cy');
    const got = await reader.models.Note.get({ id: note!.id }, { selectionSet: ['id', 'text', 'secret'] });
    expect(got.data?.text).toBe('for readers');
    expect(got.data?.secret ?? null).toBeNull();
    expect(got.errors?.[0]?.message).toMatch(/Not Authorized to access secret on type Note/);
    const plain = await reader.models.Note.get({ id: note!.id }, { selectionSet: ['id', 'text'] });
    expect(plain.errors).toBeUndefined();
    const denied = await reader.models.Note.create({ text: 'nope' });
    expect(denied.data).toBeNull();
    expect(denied.errors?.[0]?.message).toMatch(/Not Authorized to access createNote on type Mutation/);
  });

  it('refuses a token the authorizer rejects with AppSync 401', async () => {
    const refused = await as('stranger').models.Note.list();
    expect(refused.errors?.[0]?.message).toBe('Unauthorized');
  });
});
