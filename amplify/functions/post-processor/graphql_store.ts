import type { Schema } from '../../data/resource.js';
import type { PostRecord, PostStore } from './processor.js';
import type { ModerationVerdict } from './moderation.js';
import type { PushTarget } from './push.js';

type DataClient = ReturnType<typeof import('aws-amplify/data').generateClient<Schema>>;

function unwrap<T>(result: { data: T; errors?: readonly { message: string }[] }, what: string): T {
  if (result.errors?.length) {
    throw new Error(`${what}: ${result.errors.map((e) => e.message).join('; ')}`);
  }
  return result.data;
}

/**
 * PostStore over the GraphQL API (IAM, granted with `allow.resource`). Writing through the API
 * rather than to the table is what makes subscribed clients see moderation changes live.
 */
export function createGraphqlStore(client: DataClient): PostStore {
  return {
    async getPost(id) {
      const post = unwrap(await client.models.Post.get({ id }), `get Post ${id}`);
      return (post as PostRecord | null) ?? null;
    },
    async setModeration(id, verdict: ModerationVerdict) {
      const post = unwrap(
        await client.models.Post.update({ id, status: verdict.status, moderationReason: verdict.reason }),
        `update Post ${id}`,
      );
      if (!post) throw new Error(`update Post ${id}: no such post`);
      return post as PostRecord;
    },
    async devicesOf(owner) {
      const devices: PushTarget[] = [];
      let nextToken: string | null | undefined;
      do {
        const page = await client.models.Device.listDevicesByOwner({ owner }, { nextToken, limit: 100 });
        for (const d of unwrap(page, 'list Device')) {
          if (d.token && d.platform) devices.push({ token: d.token, platform: d.platform });
        }
        nextToken = page.nextToken;
      } while (nextToken);
      return devices;
    },
  };
}
