import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutboxMessage } from '../../../src/local/core/outbox.js';
import type { FunctionsService } from '../../../src/local/functions/index.js';
import { cognitoEnv, createUser, graphqlAs, type SignedInUser } from '../../e2e/data_users.js';
import { startLocalCloud, type TestLocalCloud } from '../../helpers/local_cloud.js';

/**
 * The app's story, end to end through the running local cloud and the real bundles: a signed-in
 * user registers a device and creates a post; the table stream runs the post-processor bundle,
 * which moderates the post through the GraphQL API (IAM) and sends "Your post is live" through
 * Pinpoint — which lands in the outbox.
 */

let cloud: TestLocalCloud;
let user: SignedInUser;

function functions(): FunctionsService {
  return cloud.cloud.services.find((s) => s.name === 'functions') as FunctionsService;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  cloud = await startLocalCloud();
  const auth = cloud.cloud.model.auth!;
  user = await createUser({ ...cognitoEnv(cloud.endpoint, auth), outbox: (f) => cloud.outbox(f) }, 'story@example.com');
});

afterAll(async () => {
  await cloud?.stop();
});

describe('post-processor against the running local cloud', () => {
  it('moderates a new post and pushes "Your post is live" to the owner\'s device', async () => {
    const device = await graphqlAs(cloud.endpoint, user.accessToken, 'mutation($i: CreateDeviceInput!) { createDevice(input: $i) { id } }', {
      i: { token: 'apns-story-token', platform: 'APNS' },
    });
    expect(device.body.errors).toBeUndefined();

    const created = await graphqlAs(cloud.endpoint, user.accessToken, 'mutation($i: CreatePostInput!) { createPost(input: $i) { id status } }', {
      i: { title: 'Hello local cloud', content: 'A friendly first post' },
    });
    expect(created.body.errors).toBeUndefined();
    const postId = (created.body.data!.createPost as { id: string }).id;

    const push = await until<OutboxMessage>('the push', async () =>
      (await cloud.outbox({ channel: 'push', to: 'apns-story-token' })).find((m) => m.subject === 'Your post is live'),
    );
    expect(push).toMatchObject({ body: 'Hello local cloud', data: { channelType: 'APNS', data: { type: 'POST_PUBLISHED', postId } } });

    const read = await graphqlAs(cloud.endpoint, user.accessToken, 'query($id: ID!) { getPost(id: $id) { status } }', { id: postId });
    expect(read.body.data!.getPost).toEqual({ status: 'PUBLISHED' });

    const history = functions().invocations('post-processor');
    expect(history.some((r) => r.source === 'dynamodb-stream' && r.outcome === 'success')).toBe(true);
    expect(functions().failedBatches()).toEqual([]);
  });

  it('flags a post with a blocked term and sends no push for it', async () => {
    const created = await graphqlAs(cloud.endpoint, user.accessToken, 'mutation($i: CreatePostInput!) { createPost(input: $i) { id } }', {
      i: { title: 'Buy now', content: 'this is spam' },
    });
    const postId = (created.body.data!.createPost as { id: string }).id;
    const status = await until('the moderation', async () => {
      const read = await graphqlAs(cloud.endpoint, user.accessToken, 'query($id: ID!) { getPost(id: $id) { status } }', { id: postId });
      const s = (read.body.data?.getPost as { status?: string } | null)?.status;
      return s && s !== 'PENDING' ? s : undefined;
    });
    expect(status).toBe('FLAGGED');
    const pushes = await cloud.outbox({ channel: 'push', to: 'apns-story-token' });
    expect(pushes.some((m) => m.body === 'Buy now')).toBe(false);
  });

  it('runs the post-processor as the Lambda data source of processPost, for the owner only', async () => {
    const created = await graphqlAs(cloud.endpoint, user.accessToken, 'mutation($i: CreatePostInput!) { createPost(input: $i) { id } }', {
      i: { title: 'Again', content: 'Process me on demand' },
    });
    const postId = (created.body.data!.createPost as { id: string }).id;
    const processed = await graphqlAs(cloud.endpoint, user.accessToken, 'mutation($id: ID!) { processPost(postId: $id) { id status } }', { id: postId });
    expect(processed.body.errors).toBeUndefined();
    expect(processed.body.data!.processPost).toEqual({ id: postId, status: 'PUBLISHED' });
    expect(functions().invocations('post-processor').some((r) => r.source === 'appsync')).toBe(true);

    const other = await createUser({ ...cognitoEnv(cloud.endpoint, cloud.cloud.model.auth!), outbox: (f) => cloud.outbox(f) }, 'other@example.com');
    const refused = await graphqlAs(cloud.endpoint, other.accessToken, 'mutation($id: ID!) { processPost(postId: $id) { id } }', { id: postId });
    // AppSync reports a function's unhandled error as `Lambda:Unhandled` with the function's message.
    expect(refused.body.errors?.[0]).toMatchObject({ errorType: 'Lambda:Unhandled', message: 'Only the owner of a post may process it' });
  });
});
