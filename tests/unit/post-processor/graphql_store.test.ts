import { describe, expect, it } from 'vitest';
import { createGraphqlStore } from '../../../amplify/functions/post-processor/graphql_store.js';

type Client = Parameters<typeof createGraphqlStore>[0];

/** Just the model operations the store uses, recording their calls, in the data client's result shape. */
function fakeClient(answers: {
  get?: { data: unknown; errors?: { message: string }[] };
  update?: { data: unknown; errors?: { message: string }[] };
  pages?: { data: { token: string | null; platform: string | null }[]; nextToken?: string | null }[];
}) {
  const calls: { op: string; args: unknown[] }[] = [];
  const pages = [...(answers.pages ?? [])];
  const client = {
    models: {
      Post: {
        get: async (...args: unknown[]) => (calls.push({ op: 'Post.get', args }), answers.get),
        update: async (...args: unknown[]) => (calls.push({ op: 'Post.update', args }), answers.update),
      },
      Device: {
        listDevicesByOwner: async (...args: unknown[]) => (calls.push({ op: 'Device.listDevicesByOwner', args }), pages.shift()),
      },
    },
  };
  return { client: client as unknown as Client, calls };
}

describe('post-processor: GraphQL store (writes through the data API)', () => {
  it('writes the verdict to status and moderationReason with one updatePost', async () => {
    const { client, calls } = fakeClient({ update: { data: { id: 'p1', title: 't', content: 'c', status: 'FLAGGED' } } });
    const post = await createGraphqlStore(client).setModeration('p1', { status: 'FLAGGED', reason: 'Contains blocked term: x' });
    expect(post.status).toBe('FLAGGED');
    expect(calls).toEqual([
      { op: 'Post.update', args: [{ id: 'p1', status: 'FLAGGED', moderationReason: 'Contains blocked term: x' }] },
    ]);
  });

  it('clears the moderation reason when a post is published', async () => {
    const { client, calls } = fakeClient({ update: { data: { id: 'p1' } } });
    await createGraphqlStore(client).setModeration('p1', { status: 'PUBLISHED', reason: null });
    expect(calls[0].args[0]).toEqual({ id: 'p1', status: 'PUBLISHED', moderationReason: null });
  });

  it('fails with the API\'s messages when the update is refused', async () => {
    const { client } = fakeClient({ update: { data: null, errors: [{ message: 'Not Authorized to access updatePost' }] } });
    await expect(createGraphqlStore(client).setModeration('p1', { status: 'PUBLISHED', reason: null })).rejects.toThrow(
      'update Post p1: Not Authorized to access updatePost',
    );
  });

  it('fails when the post to update is gone', async () => {
    const { client } = fakeClient({ update: { data: null } });
    await expect(createGraphqlStore(client).setModeration('p1', { status: 'PUBLISHED', reason: null })).rejects.toThrow(
      'update Post p1: no such post',
    );
  });

  it('reads a post, or null when there is none', async () => {
    expect(await createGraphqlStore(fakeClient({ get: { data: { id: 'p1' } } }).client).getPost('p1')).toEqual({ id: 'p1' });
    expect(await createGraphqlStore(fakeClient({ get: { data: null } }).client).getPost('p1')).toBeNull();
  });

  it('finds every device of an owner through the owner index, page by page', async () => {
    const { client, calls } = fakeClient({
      pages: [
        { data: [{ token: 't1', platform: 'APNS' }, { token: null, platform: 'FCM' }], nextToken: 'next' },
        { data: [{ token: 't2', platform: 'FCM' }], nextToken: null },
      ],
    });
    const devices = await createGraphqlStore(client).devicesOf('sub::user');
    expect(devices).toEqual([
      { token: 't1', platform: 'APNS' },
      { token: 't2', platform: 'FCM' },
    ]);
    expect(calls.map((c) => c.args)).toEqual([
      [{ owner: 'sub::user' }, { nextToken: undefined, limit: 100 }],
      [{ owner: 'sub::user' }, { nextToken: 'next', limit: 100 }],
    ]);
  });
});
