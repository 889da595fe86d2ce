import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendIam, errorTypes, identityPoolIam, ourModel, startEngine, userPool, type TestEngine } from './helpers.js';

const alice = userPool('alice');
const bob = userPool('bob');

const POST_FIELDS = 'id title content owner status imageKey createdAt updatedAt';

let t: TestEngine;
let tables: Record<string, string>;

beforeAll(async () => {
  const model = await ourModel();
  tables = Object.fromEntries(model.data!.tables.map((x) => [x.modelName!, x.tableName]));
  t = await startEngine(model);
});

afterAll(async () => {
  await t?.close();
});

async function createPost(id: string, title = 'Hello', who = alice) {
  return t.run(who, `mutation C($input: CreatePostInput!) { createPost(input: $input) { ${POST_FIELDS} } }`, {
    input: { id, title, content: 'World' },
  });
}

describe('generated CRUD resolvers over the local DynamoDB', () => {
  it('creates a post owned by the caller (owner = sub::username, shown as username)', async () => {
    const r = await createPost('post-1');
    expect(r.errors).toBeUndefined();
    expect(r.data).toMatchObject({ createPost: { id: 'post-1', title: 'Hello', content: 'World', owner: 'alice', createdAt: '2026-01-01T00:00:00.000Z' } });
    const stored = await t.engine.dynamodb.handleJson(
      'DynamoDB_20120810.GetItem',
      JSON.stringify({ TableName: tables.Post, Key: { id: { S: 'post-1' } } }),
    );
    expect(JSON.parse(stored.body).Item.owner).toEqual({ S: 'sub-alice::alice' });
    expect(JSON.parse(stored.body).Item.__typename).toEqual({ S: 'Post' });
  });

  it('reads a post back, for its owner and for another signed-in user', async () => {
    for (const who of [alice, bob]) {
      const r = await t.run(who, `query { getPost(id: "post-1") { id title owner } }`);
      expect(r).toEqual({ data: { getPost: { id: 'post-1', title: 'Hello', owner: 'alice' } } });
    }
  });

  it('returns null without error for a post that does not exist', async () => {
    expect(await t.run(alice, `query { getPost(id: "nope") { id } }`)).toEqual({ data: { getPost: null } });
  });

  it('rejects a duplicate create with DynamoDB:ConditionalCheckFailedException', async () => {
    t.clock.advance(1000);
    const r = await createPost('post-1', 'Other title');
    expect(r.data).toEqual({ createPost: null });
    expect(r.errors?.[0]).toMatchObject({
      path: ['createPost'],
      errorType: 'DynamoDB:ConditionalCheckFailedException',
      locations: [{ line: 1, column: 40, sourceName: null }],
    });
    expect(r.errors?.[0].message).toMatch(/^The conditional request failed \(Service: DynamoDb, Status Code: 400, Request ID: [A-Z0-9]{52}\)$/);
  });

  it('lets the owner update and stamps updatedAt from the clock', async () => {
    t.clock.advance(60_000);
    const r = await t.run(alice, `mutation { updatePost(input: {id: "post-1", title: "Edited"}) { id title updatedAt createdAt } }`);
    expect(r.errors).toBeUndefined();
    expect(r.data).toEqual({ updatePost: { id: 'post-1', title: 'Edited', updatedAt: '2026-01-01T00:01:01.000Z', createdAt: '2026-01-01T00:00:00.000Z' } });
  });

  it('refuses another user’s update and delete with Unauthorized and changes nothing', async () => {
    const u = await t.run(bob, `mutation { updatePost(input: {id: "post-1", title: "Hacked"}) { id } }`);
    expect(u.data).toEqual({ updatePost: null });
    expect(u.errors).toEqual([
      { path: ['updatePost'], data: null, errorType: 'Unauthorized', errorInfo: null, locations: [{ line: 1, column: 12, sourceName: null }], message: 'Not Authorized to access updatePost on type Mutation' },
    ]);
    const d = await t.run(bob, `mutation { deletePost(input: {id: "post-1"}) { id } }`);
    expect(errorTypes(d)).toEqual(['Unauthorized']);
    const after = await t.run(alice, `query { getPost(id: "post-1") { title } }`);
    expect(after.data).toEqual({ getPost: { title: 'Edited' } });
  });

  it('applies the mutation condition input (with its values) and fails when it does not hold', async () => {
    const ok = await t.run(alice, `mutation { updatePost(input: {id: "post-1", content: "v2"}, condition: {title: {eq: "Edited"}}) { content } }`);
    expect(ok).toEqual({ data: { updatePost: { content: 'v2' } } });
    const no = await t.run(alice, `mutation { updatePost(input: {id: "post-1", content: "v3"}, condition: {title: {beginsWith: "Nope"}}) { content } }`);
    expect(errorTypes(no)).toEqual(['DynamoDB:ConditionalCheckFailedException']);
  });

  it('lists with a filter, a limit and nextToken pages', async () => {
    for (let i = 0; i < 5; i++) await createPost(`list-${i}`, i % 2 ? 'odd' : 'even');
    const seen: string[] = [];
    let nextToken: string | null = null;
    let pages = 0;
    do {
      const r = await t.run(alice, `query L($t: String) { listPosts(filter: {title: {eq: "even"}}, limit: 2, nextToken: $t) { items { id title } nextToken } }`, { t: nextToken });
      expect(r.errors).toBeUndefined();
      const page = (r.data as { listPosts: { items: { id: string; title: string }[]; nextToken: string | null } }).listPosts;
      for (const item of page.items) {
        expect(item.title).toBe('even');
        seen.push(item.id);
      }
      nextToken = page.nextToken;
      pages++;
    } while (nextToken && pages < 10);
    expect(seen.sort()).toEqual(['list-0', 'list-2', 'list-4']);
    expect(pages).toBeGreaterThan(1);
  });

  it('filters on attributeExists without DynamoDB rejecting unused values', async () => {
    await t.run(alice, `mutation { createPost(input: {id: "with-image", title: "img", content: "c", imageKey: "k.png"}) { id } }`);
    const withImage = await t.run(alice, `query { listPosts(filter: {imageKey: {attributeExists: true}}) { items { id } } }`);
    expect(withImage).toEqual({ data: { listPosts: { items: [{ id: 'with-image' }] } } });
    const without = await t.run(alice, `query { listPosts(filter: {imageKey: {attributeExists: false}}, limit: 100) { items { id } } }`);
    expect((without.data as { listPosts: { items: { id: string }[] } }).listPosts.items.map((i) => i.id)).not.toContain('with-image');
  });

  it('rejects a malformed nextToken', async () => {
    const r = await t.run(alice, `query { listPosts(nextToken: "garbage") { items { id } } }`);
    expect(r.data).toEqual({ listPosts: null });
    expect(r.errors?.[0].errorType).toMatch(/^DynamoDB:/);
  });

  it('resolves Post.comments and Comment.post through their resolvers, and the secondary index query', async () => {
    await t.run(alice, `mutation { createComment(input: {id: "c-1", postId: "post-1", content: "first"}) { id } }`);
    await t.run(bob, `mutation { createComment(input: {id: "c-2", postId: "post-1", content: "second"}) { id } }`);
    await t.run(bob, `mutation { createComment(input: {id: "c-3", postId: "other", content: "elsewhere"}) { id } }`);
    const post = await t.run(bob, `query { getPost(id: "post-1") { id comments { items { id content owner post { id title } } } } }`);
    expect(post.errors).toBeUndefined();
    const items = (post.data as { getPost: { comments: { items: { id: string; owner: string; post: { id: string } }[] } } }).getPost.comments.items;
    expect(items.map((c) => c.id).sort()).toEqual(['c-1', 'c-2']);
    expect(items.every((c) => c.post.id === 'post-1')).toBe(true);
    expect(items.find((c) => c.id === 'c-2')?.owner).toBe('bob');
    const byPost = await t.run(alice, `query { listCommentsByPost(postId: "post-1") { items { id } } }`);
    expect((byPost.data as { listCommentsByPost: { items: { id: string }[] } }).listCommentsByPost.items.map((c) => c.id).sort()).toEqual(['c-1', 'c-2']);
    const comment = await t.run(alice, `query { getComment(id: "c-1") { post { id comments { items { id } } } } }`);
    expect(comment.errors).toBeUndefined();
  });

  it('keeps devices private to their owner', async () => {
    const c = await t.run(alice, `mutation { createDevice(input: {id: "dev-1", token: "tok", platform: APNS}) { id platform owner } }`);
    expect(c).toEqual({ data: { createDevice: { id: 'dev-1', platform: 'APNS', owner: 'alice' } } });
    const mine = await t.run(alice, `query { getDevice(id: "dev-1") { id token } }`);
    expect(mine).toEqual({ data: { getDevice: { id: 'dev-1', token: 'tok' } } });
    const theirs = await t.run(bob, `query { getDevice(id: "dev-1") { id token } }`);
    expect(theirs.data).toEqual({ getDevice: null });
    expect(errorTypes(theirs)).toEqual(['Unauthorized']);
    const list = await t.run(bob, `query { listDevices { items { id } } }`);
    expect(list).toEqual({ data: { listDevices: { items: [] } } });
  });

  it('creates, updates and deletes a user profile', async () => {
    const c = await t.run(alice, `mutation { createUserProfile(input: {id: "sub-alice", displayName: "Alice"}) { id displayName owner } }`);
    expect(c).toEqual({ data: { createUserProfile: { id: 'sub-alice', displayName: 'Alice', owner: 'alice' } } });
    const u = await t.run(alice, `mutation { updateUserProfile(input: {id: "sub-alice", givenName: "Al"}) { displayName givenName } }`);
    expect(u).toEqual({ data: { updateUserProfile: { displayName: 'Alice', givenName: 'Al' } } });
    const d = await t.run(alice, `mutation { deleteUserProfile(input: {id: "sub-alice"}) { id } }`);
    expect(d).toEqual({ data: { deleteUserProfile: { id: 'sub-alice' } } });
    expect(await t.run(alice, `query { getUserProfile(id: "sub-alice") { id } }`)).toEqual({ data: { getUserProfile: null } });
  });

  it('lets the owner delete a post', async () => {
    await createPost('to-delete');
    const r = await t.run(alice, `mutation { deletePost(input: {id: "to-delete"}) { id title } }`);
    expect(r).toEqual({ data: { deletePost: { id: 'to-delete', title: 'Hello' } } });
  });
});

describe('authorization modes and field-level directives', () => {
  it('refuses an API key on fields without @aws_api_key, per field', async () => {
    const r = await t.run(null, `query { getPost(id: "post-1") { id } }`, undefined, 'API_KEY');
    expect(r.data).toEqual({ getPost: null });
    expect(r.errors?.[0]).toMatchObject({ errorType: 'Unauthorized', message: 'Not Authorized to access getPost on type Query' });
  });

  it('gives a function role (IAM without identity pool) the backend access the transformer grants', async () => {
    const r = await t.run(backendIam(), `query { getPost(id: "post-1") { id title } }`);
    expect(r).toEqual({ data: { getPost: { id: 'post-1', title: 'Edited' } } });
  });

  it('refuses identity-pool IAM credentials the schema does not grant', async () => {
    const r = await t.run(identityPoolIam('authenticated'), `query { getPost(id: "post-1") { id } }`);
    expect(errorTypes(r)).toEqual(['Unauthorized']);
  });

  it('asks the caller’s per-field hook (IAM policy) and reports Unauthorized for the field it denies', async () => {
    const r = await t.run(backendIam(), `query { getPost(id: "post-1") { id title } }`, undefined, undefined, {
      authorizeField: (type, field) => !(type === 'Post' && field === 'title'),
    });
    expect(r.data).toEqual({ getPost: null });
    expect(r.errors?.[0]).toMatchObject({ path: ['getPost', 'title'], errorType: 'Unauthorized', message: 'Not Authorized to access title on type Post' });
  });
});

describe('request errors', () => {
  it('reports a field that does not exist the way AppSync does', async () => {
    const r = await t.run(alice, `query { nope }`);
    expect(r.data).toBeNull();
    expect(r.errors?.[0].message).toBe("Validation error of type FieldUndefined: Field 'nope' in type 'Query' is undefined @ 'nope'");
  });

  it('reports a syntax error', async () => {
    const r = await t.run(alice, `query {`);
    expect(r.data).toBeNull();
    expect(r.errors?.[0].message).toMatch(/^Invalid Syntax/);
  });

  it('reports a missing required variable', async () => {
    const r = await t.run(alice, `query Q($id: ID!) { getPost(id: $id) { id } }`, {});
    expect(r.data).toBeNull();
    expect(r.errors?.[0].message).toBe("Variable 'id' has coerced Null value for NonNull type 'ID!'");
  });

  it('rejects a subscription sent as a query', async () => {
    const r = await t.run(alice, `subscription { onCreatePost { id } }`);
    expect(r.data).toBeNull();
    expect(r.errors?.[0].errorType).toBe('UnsupportedOperation');
  });
});
