import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvokeResult } from '../../../../src/local/core/registry.js';
import { errorTypes, otherModel, startEngine, userPool, type TestEngine } from './helpers.js';

/** The second fixture backend: group and field rules, API key, sorted index, many-to-many, enum, custom type, JS resolver. */
const alice = userPool('alice');
const bob = userPool('bob');
const admin = userPool('root', ['Admins']);

let t: TestEngine;
const invocations: unknown[] = [];

beforeAll(async () => {
  t = await startEngine(await otherModel(), {
    invokeFunction: async (_id: string, event: unknown): Promise<InvokeResult> => {
      invocations.push(event);
      const args = (event as { arguments: { name: string; tags?: string[] } }).arguments;
      return { payload: `Project ${args.name} (${(args.tags ?? []).join(', ')})` };
    },
  });
});

afterAll(async () => {
  await t?.close();
});

type Data<T> = { data: T };

async function createProject(who: typeof alice, fields: string): Promise<string> {
  const r = await t.run(who, `mutation { createProject(input: {${fields}}) { id } }`);
  expect(r.errors).toBeUndefined();
  return (r as Data<{ createProject: { id: string } }>).data.createProject.id;
}

describe('models with enums, custom types and owner + group rules', () => {
  let id: string;

  it('creates a project with an enum and a custom type, owned by the caller', async () => {
    const r = await t.run(alice, `mutation { createProject(input: {name: "Roof", category: "home", dueDate: "2026-03-01", priority: HIGH, location: {lat: 48.85, lng: 2.35, label: "Paris"}}) { id name owner priority location { lat lng label } } }`);
    expect(r.errors).toBeUndefined();
    const p = (r as Data<{ createProject: { id: string } }>).data.createProject;
    expect(p).toMatchObject({ name: 'Roof', owner: 'alice', priority: 'HIGH', location: { lat: 48.85, lng: 2.35, label: 'Paris' } });
    id = p.id;
  });

  it('refuses a client-chosen id when field rules hide id from writers, as the transformer does', async () => {
    const r = await t.run(alice, `mutation { createProject(input: {id: "mine", name: "X", category: "c"}) { id } }`);
    expect(r.errors?.[0]).toMatchObject({ errorType: 'Unauthorized', message: 'Unauthorized on [id]' });
  });

  it('lets an Admins member read and update another user’s project, and no one else', async () => {
    expect(await t.run(admin, `query { getProject(id: "${id}") { name } }`)).toEqual({ data: { getProject: { name: 'Roof' } } });
    const byAdmin = await t.run(admin, `mutation { updateProject(input: {id: "${id}", name: "Roof v2"}) { name } }`);
    expect(byAdmin).toEqual({ data: { updateProject: { name: 'Roof v2' } } });
    expect(errorTypes(await t.run(bob, `mutation { updateProject(input: {id: "${id}", name: "x"}) { name } }`))).toEqual(['Unauthorized']);
    expect(errorTypes(await t.run(bob, `query { getProject(id: "${id}") { name } }`))).toEqual(['Unauthorized']);
  });

  it('keeps the budget field to Admins (field-level rule)', async () => {
    const byOwner = await t.run(alice, `mutation { createProject(input: {name: "B", category: "c", budget: 10}) { id } }`);
    expect(byOwner.errors?.[0]).toMatchObject({ errorType: 'Unauthorized', message: 'Unauthorized on [budget]' });
    const created = await t.run(admin, `mutation { createProject(input: {name: "B", category: "c", budget: 10.5}) { id budget } }`);
    // Protected fields are withheld from mutation responses (they feed subscriptions).
    expect(created.errors).toBeUndefined();
    const pid = (created as Data<{ createProject: { id: string; budget: null } }>).data.createProject;
    expect(pid.budget).toBeNull();
    expect(await t.run(admin, `query { getProject(id: "${pid.id}") { budget } }`)).toEqual({ data: { getProject: { budget: 10.5 } } });
    const mine = await t.run(alice, `query { getProject(id: "${id}") { name budget } }`);
    expect(mine.data).toEqual({ getProject: { name: 'Roof v2', budget: null } });
    expect(mine.errors?.[0]).toMatchObject({ path: ['getProject', 'budget'], errorType: 'Unauthorized' });
  });

  it('serves public reads with the API key, but not writes or the protected field', async () => {
    const read = await t.run(null, `query { getProject(id: "${id}") { name priority } }`, undefined, 'API_KEY');
    expect(read).toEqual({ data: { getProject: { name: 'Roof v2', priority: 'HIGH' } } });
    const budget = await t.run(null, `query { getProject(id: "${id}") { budget } }`, undefined, 'API_KEY');
    expect(errorTypes(budget)).toEqual(['Unauthorized']);
    const write = await t.run(null, `mutation { createProject(input: {name: "K", category: "c"}) { id } }`, undefined, 'API_KEY');
    expect(write.errors?.[0]).toMatchObject({ errorType: 'Unauthorized', message: 'Not Authorized to access createProject on type Mutation' });
  });

  it('lets only Admins delete, since owners have no delete on the budget field', async () => {
    const pid = await createProject(alice, 'name: "Temp", category: "tmp"');
    expect(errorTypes(await t.run(alice, `mutation { deleteProject(input: {id: "${pid}"}) { name } }`))).toEqual(['Unauthorized']);
    expect(await t.run(admin, `mutation { deleteProject(input: {id: "${pid}"}) { name } }`)).toEqual({ data: { deleteProject: { name: 'Temp' } } });
  });
});

describe('secondary index with a sort key', () => {
  it('queries by partition key with a sort key condition and direction', async () => {
    for (const due of ['2026-01-10', '2026-02-10', '2026-03-10', '2026-04-10']) await createProject(alice, `name: "${due}", category: "garden", dueDate: "${due}"`);
    await createProject(alice, 'name: "other", category: "office", dueDate: "2026-02-01"');
    const r = await t.run(alice, `query { listProjectsByCategory(category: "garden", dueDate: {between: ["2026-02-01", "2026-03-31"]}, sortDirection: DESC) { items { name } } }`);
    expect(r).toEqual({ data: { listProjectsByCategory: { items: [{ name: '2026-03-10' }, { name: '2026-02-10' }] } } });
    const after = await t.run(alice, `query { listProjectsByCategory(category: "garden", dueDate: {ge: "2026-03-10"}) { items { name } } }`);
    expect(after).toEqual({ data: { listProjectsByCategory: { items: [{ name: '2026-03-10' }, { name: '2026-04-10' }] } } });
  });
});

describe('many-to-many through a join model', () => {
  it('links projects and tags both ways', async () => {
    const pid = await createProject(alice, 'name: "Linked", category: "m2m"');
    const tag = await t.run(admin, `mutation { createTag(input: {label: "red"}) { id } }`);
    const tagId = (tag as Data<{ createTag: { id: string } }>).data.createTag.id;
    expect(errorTypes(await t.run(alice, `mutation { createTag(input: {label: "blue"}) { id } }`))).toEqual(['Unauthorized']);
    const join = await t.run(alice, `mutation { createProjectTag(input: {projectId: "${pid}", tagId: "${tagId}"}) { id } }`);
    expect(join.errors).toBeUndefined();
    const fromProject = await t.run(alice, `query { getProject(id: "${pid}") { tags { items { tag { label } } } } }`);
    expect(fromProject).toEqual({ data: { getProject: { tags: { items: [{ tag: { label: 'red' } }] } } } });
    const fromTag = await t.run(alice, `query { getTag(id: "${tagId}") { projects { items { project { name } } } } }`);
    expect(fromTag).toEqual({ data: { getTag: { projects: { items: [{ project: { name: 'Linked' } }] } } } });
  });
});

describe('custom operations', () => {
  it('runs the APPSYNC_JS resolver for user pools and the API key', async () => {
    expect(await t.run(alice, `query { echo(message: "hi") }`)).toEqual({ data: { echo: 'hi' } });
    expect(await t.run(null, `query { echo(message: "key") }`, undefined, 'API_KEY')).toEqual({ data: { echo: 'key' } });
  });

  it('runs a function-backed query through the invoker', async () => {
    const r = await t.run(alice, `query { projectSummary(name: "Roof", tags: ["a", "b"]) }`);
    expect(r).toEqual({ data: { projectSummary: 'Project Roof (a, b)' } });
    expect(invocations[invocations.length - 1]).toMatchObject({ arguments: { name: 'Roof', tags: ['a', 'b'] }, identity: { username: 'alice' } });
  });
});
