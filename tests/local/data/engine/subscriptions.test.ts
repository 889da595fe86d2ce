import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MutationEvent, SubscriptionPlan } from '../../../../src/local/data/engine/index.js';
import { ourModel, startEngine, userPool, type TestEngine } from './helpers.js';

const alice = userPool('alice');
const bob = userPool('bob');

let t: TestEngine;
const events: MutationEvent[] = [];

beforeAll(async () => {
  t = await startEngine(await ourModel());
  t.engine.onMutation((e) => events.push(e));
});

afterAll(async () => {
  await t?.close();
});

async function subscribe(who: typeof alice, query: string, variables?: Record<string, unknown>): Promise<SubscriptionPlan> {
  const r = await t.engine.prepareSubscription({ query, variables, authMode: 'AMAZON_COGNITO_USER_POOLS', identity: who, headers: {}, requestId: 'sub' });
  if ('errors' in r) throw new Error(JSON.stringify(r.errors));
  return r.plan;
}

async function mutate(who: typeof alice, query: string): Promise<MutationEvent> {
  const before = events.length;
  const r = await t.run(who, query);
  expect(r.errors).toBeUndefined();
  expect(events.length).toBe(before + 1);
  return events[events.length - 1];
}

describe('mutation events', () => {
  it('publishes the mutation result keyed by field name, with its selection and arguments', async () => {
    const e = await mutate(alice, `mutation { made: createPost(input: {id: "ev-1", title: "T", content: "C"}) { ident: id title owner } }`);
    expect(e.mutationField).toBe('createPost');
    expect(e.result).toEqual({ id: 'ev-1', title: 'T', owner: 'alice' });
    expect(e.selectionFields).toEqual(['id', 'title', 'owner']);
    expect(e.arguments).toMatchObject({ input: { id: 'ev-1', title: 'T', content: 'C' } });
  });

  it('publishes nothing for a failed mutation', async () => {
    const before = events.length;
    await t.run(bob, `mutation { updatePost(input: {id: "ev-1", title: "x"}) { id } }`);
    expect(events.length).toBe(before);
  });
});

describe('subscription plans', () => {
  it('delivers onCreatePost to any signed-in user, with only the fields both sides selected', async () => {
    const plan = await subscribe(bob, `subscription { onCreatePost { id title content owner } }`);
    expect(plan.fieldName).toBe('onCreatePost');
    expect(plan.mutationFields).toEqual(['createPost']);
    const e = await mutate(alice, `mutation { createPost(input: {id: "ev-2", title: "T2", content: "C2"}) { id title owner } }`);
    expect(await plan.deliver(e)).toEqual({ data: { onCreatePost: { id: 'ev-2', title: 'T2', content: null, owner: 'alice' } } });
  });

  it('ignores events of other mutations', async () => {
    const plan = await subscribe(bob, `subscription { onUpdatePost { id } }`);
    const e = await mutate(alice, `mutation { createPost(input: {id: "ev-3", title: "T", content: "C"}) { id } }`);
    expect(await plan.deliver(e)).toBeNull();
  });

  it('honours the owner argument (basic argument filtering)', async () => {
    const onlyBob = await subscribe(alice, `subscription { onCreatePost(owner: "bob") { id owner } }`);
    const fromAlice = await mutate(alice, `mutation { createPost(input: {id: "ev-4", title: "T", content: "C"}) { id owner } }`);
    expect(await onlyBob.deliver(fromAlice)).toBeNull();
    const fromBob = await mutate(bob, `mutation { createPost(input: {id: "ev-5", title: "T", content: "C"}) { id owner } }`);
    expect(await onlyBob.deliver(fromBob)).toEqual({ data: { onCreatePost: { id: 'ev-5', owner: 'bob' } } });
  });

  it('honours the filter argument through $extensions.setSubscriptionFilter', async () => {
    const plan = await subscribe(bob, `subscription S($f: ModelSubscriptionPostFilterInput) { onUpdatePost(filter: $f) { id title } }`, {
      f: { title: { beginsWith: 'Hot' } },
    });
    await mutate(alice, `mutation { createPost(input: {id: "ev-6", title: "T", content: "C"}) { id } }`);
    const cold = await mutate(alice, `mutation { updatePost(input: {id: "ev-6", title: "Cold news"}) { id title owner } }`);
    expect(await plan.deliver(cold)).toBeNull();
    const hot = await mutate(alice, `mutation { updatePost(input: {id: "ev-6", title: "Hot news"}) { id title owner } }`);
    expect(await plan.deliver(hot)).toEqual({ data: { onUpdatePost: { id: 'ev-6', title: 'Hot news' } } });
  });

  it('never delivers one user’s devices to another (owner-only model)', async () => {
    const bobs = await subscribe(bob, `subscription { onCreateDevice { id token owner } }`);
    const alices = await subscribe(alice, `subscription { onCreateDevice { id token owner } }`);
    const e = await mutate(alice, `mutation { createDevice(input: {id: "dev-ev", token: "t", platform: FCM}) { id token platform owner } }`);
    expect(await bobs.deliver(e)).toBeNull();
    expect(await alices.deliver(e)).toEqual({ data: { onCreateDevice: { id: 'dev-ev', token: 't', owner: 'alice' } } });
  });

  it('refuses a subscription to another user’s owner argument on an owner-only model', async () => {
    const r = await t.engine.prepareSubscription({
      query: `subscription { onCreateDevice(owner: "alice") { id } }`,
      authMode: 'AMAZON_COGNITO_USER_POOLS',
      identity: bob,
      headers: {},
      requestId: 'sub',
    });
    expect('errors' in r && r.errors[0]).toMatchObject({ errorType: 'Unauthorized', message: 'Not Authorized to access onCreateDevice on type Subscription' });
  });

  it('refuses an API-key subscription to a user-pool-only field', async () => {
    const r = await t.engine.prepareSubscription({ query: `subscription { onCreatePost { id } }`, authMode: 'API_KEY', identity: null, headers: {}, requestId: 'sub' });
    expect('errors' in r && r.errors[0].errorType).toBe('Unauthorized');
  });

  it('rejects a query on the subscription path', async () => {
    const r = await t.engine.prepareSubscription({ query: `query { getPost(id: "x") { id } }`, authMode: 'AMAZON_COGNITO_USER_POOLS', identity: alice, headers: {}, requestId: 'sub' });
    expect('errors' in r).toBe(true);
  });
});
