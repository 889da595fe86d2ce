import '../helpers/polyfills.js';
import { createHash, randomUUID } from 'node:crypto';
import { fetchAuthSession, signOut } from 'aws-amplify/auth';
import { generateClient } from 'aws-amplify/data';
import { downloadData, uploadData } from 'aws-amplify/storage';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Schema } from '../../amplify/data/resource.js';
import { ManualClock } from '../../src/local/core/clock.js';
import { withStorageEndpoint } from '../helpers/amplify_client.js';
import { startLocalCloud, type TestLocalCloud } from '../helpers/local_cloud.js';
import { until } from '../helpers/until.js';
import { graphqlAs, type SignedInUser } from './data_users.js';
import { aliceSignedInBobAtHand } from './two_users.js';

/**
 * What happens when tokens and credentials expire while the client is busy, with the local cloud on
 * a manual clock that the tests move past the tokens' lifetime (access and ID tokens: 60 minutes;
 * identity-pool credentials: 1 hour). The real client runs on real time, so it still believes its
 * tokens are fresh: exactly the case of a device whose session outlived its tokens.
 *
 * AppSync authorizes a real-time subscription when it starts (connection_init and start carry the
 * token); an established subscription keeps receiving after that token expires, while a new
 * connection or start with the expired token is refused with `UnauthorizedException` "Token has
 * expired." (what clients report when they reconnect with a stale token, e.g.
 * awslabs/aws-mobile-appsync-sdk-js#666). The refresh token then gives a new access token that works.
 */

const HOUR = 3600_000;
const POST_FIELDS = 'id title content owner';
const CREATE_POST = `mutation CreatePost($input: CreatePostInput!) { createPost(input: $input) { ${POST_FIELDS} } }`;
const LIST_POSTS = 'query ListPosts { listPosts(limit: 1) { items { id } } }';

// Each describe runs its own local cloud on its own clock (started at the real time).
let cloud: TestLocalCloud;
let clock: ManualClock;
let bob: SignedInUser;
let client: ReturnType<typeof generateClient<Schema>>;

async function cognito<T>(op: string, body: unknown): Promise<T> {
  const res = await fetch(`${cloud.endpoint}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${op}` },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`${op}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Bob's new access token from his refresh token (the call the v6 client makes to refresh). */
async function refreshBob(): Promise<string> {
  const out = await cognito<{ AuthenticationResult: { AccessToken: string } }>('GetTokensFromRefreshToken', {
    ClientId: cloud.cloud.model.auth!.defaultClientId,
    RefreshToken: bob.refreshToken,
  });
  return out.AuthenticationResult.AccessToken;
}

async function bobCreates(token: string): Promise<string> {
  const id = randomUUID();
  const res = await graphqlAs(cloud.endpoint, token, CREATE_POST, { input: { id, title: `expiry ${id}`, content: 'from bob' } });
  expect(res.body.errors).toBeUndefined();
  return id;
}

/** A raw real-time connection with `token`, as the v6 client opens one; resolves with the first answer to connection_init. */
async function connectWith(token: string): Promise<{ type: string; payload?: { errors?: { errorType?: string; message?: string }[] } }> {
  const host = new URL(cloud.endpoint).host;
  const header = Buffer.from(JSON.stringify({ Authorization: token, host })).toString('base64url');
  const ws = new WebSocket(`${cloud.endpoint.replace('https:', 'wss:')}/graphql/realtime`, ['graphql-ws', `header-${header}`]);
  try {
    return await new Promise((resolve, reject) => {
      ws.once('error', reject);
      ws.once('open', () => ws.send(JSON.stringify({ type: 'connection_init' })));
      ws.once('message', (raw) => resolve(JSON.parse(raw.toString()) as never));
    });
  } finally {
    ws.terminate();
  }
}

function freshCloudPerDescribe(): void {
  beforeAll(async () => {
    clock = new ManualClock(Date.now());
    cloud = await startLocalCloud({ clock });
    ({ bob } = await aliceSignedInBobAtHand(cloud));
    client = generateClient<Schema>();
  });
  afterAll(async () => {
    await signOut().catch(() => {});
    await cloud?.stop();
  });
}

describe('token expiry while a subscription is open', () => {
  freshCloudPerDescribe();
  it('keeps delivering to the open subscription, refuses a new connection with the expired token, and works again after a refresh', async () => {
    const received: string[] = [];
    const sub = client.models.Post.onCreate().subscribe({ next: (p) => void received.push(p.id), error: () => {} });
    try {
      // The client has no "subscribed" hook: Bob creates until one of his posts is delivered.
      const tries: string[] = [];
      for (let i = 0; i < 50 && !tries.some((id) => received.includes(id)); i++) {
        tries.push(await bobCreates(bob.accessToken));
        await until(() => tries.find((id) => received.includes(id)), 500, 'a delivery').catch(() => undefined);
      }
      expect(tries.some((id) => received.includes(id))).toBe(true);
      const aliceToken = (await fetchAuthSession()).tokens!.accessToken.toString();

      clock.advance(HOUR + 60_000);

      // Every token issued before is expired now, for HTTP and for new real-time connections.
      const stale = await graphqlAs(cloud.endpoint, bob.accessToken, LIST_POSTS);
      expect(stale).toEqual({ status: 401, body: { errors: [{ errorType: 'UnauthorizedException', message: 'Token has expired.' }] } });
      const refused = await connectWith(aliceToken);
      expect(refused.type).toBe('connection_error');
      expect(refused.payload?.errors?.[0]).toMatchObject({ errorType: 'UnauthorizedException', message: 'Token has expired.' });

      // The refresh token still works (30 days) and its access token is accepted...
      const bobToken = await refreshBob();
      expect((await graphqlAs(cloud.endpoint, bobToken, LIST_POSTS)).status).toBe(200);
      // ...and the subscription Alice opened with her now expired token keeps receiving.
      const afterExpiry = await bobCreates(bobToken);
      await until(() => (received.includes(afterExpiry) ? true : undefined), 10_000, 'delivery to the subscription opened before the expiry');

      // The app refreshes Alice's session: her new access token works for queries and new connections.
      const session = await fetchAuthSession({ forceRefresh: true });
      const fresh = session.tokens!.accessToken.toString();
      expect(fresh).not.toBe(aliceToken);
      expect((await connectWith(fresh)).type).toBe('connection_ack');
      const { data, errors } = await client.models.Post.get({ id: afterExpiry });
      expect(errors).toBeUndefined();
      expect(data?.id).toBe(afterExpiry);
    } finally {
      sub.unsubscribe();
    }
  });
});

describe('identity-pool credentials expiring during a multipart upload', () => {
  freshCloudPerDescribe();

  it('S3 answers the parts sent after the expiry with 400 ExpiredToken; after the app refreshes the session the upload completes', async () => {
    const identityId = (await fetchAuthSession()).identityId!;
    const path = `private/${identityId}/expiry/big.bin`;
    const data = Buffer.alloc(16 * 1024 * 1024);
    for (let i = 0; i < data.length; i += 4) data.writeUInt32LE((i * 2654435761) >>> 0, i);

    // Watches the client's S3 requests; moves the clock past the credentials' lifetime just before
    // the second part goes out, so the parts still to be sent carry credentials S3 considers expired.
    const realFetch = globalThis.fetch;
    const realNow = Date.now;
    const requests: { op: string; status: number; code?: string }[] = [];
    let advanced = false;
    globalThis.fetch = async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const part = url.searchParams.get('partNumber');
      if (part === '2' && !advanced) {
        advanced = true;
        clock.advance(HOUR + 60_000);
      }
      const res = await realFetch(input, init);
      if (url.pathname.includes('/private/')) {
        const op = part ? `part ${part}` : url.searchParams.has('uploads') ? 'create' : url.searchParams.has('uploadId') ? 'complete-or-list' : 'object';
        const code = res.ok ? undefined : /<Code>([^<]+)<\/Code>/.exec(await res.clone().text())?.[1];
        requests.push({ op, status: res.status, code });
      }
      return res;
    };
    try {
      // The v6 client re-reads its session on ExpiredToken but does not force a refresh (its own
      // clock says the credentials are fresh: resolveS3ConfigAndInput's TODO), so the upload fails.
      await expect(uploadData({ path, data, options: withStorageEndpoint() }).result).rejects.toMatchObject({ name: 'ExpiredToken' });
      expect(advanced).toBe(true);
      expect(requests).toContainEqual({ op: 'part 2', status: 400, code: 'ExpiredToken' });

      // What an app does on ExpiredToken: refresh the session (new tokens from the refresh token,
      // then new credentials) and upload again. The device's clock is set right first (the jump
      // above left it an hour behind the cloud's: requests would fail as RequestTimeTooSkewed).
      const skew = clock.now() - realNow();
      Date.now = () => realNow() + skew;
      const before = (await fetchAuthSession()).credentials!.accessKeyId;
      const refreshed = await fetchAuthSession({ forceRefresh: true });
      expect(refreshed.credentials!.accessKeyId).not.toBe(before);
      const result = await uploadData({ path, data, options: withStorageEndpoint() }).result;
      expect(result.path).toBe(path);
    } finally {
      globalThis.fetch = realFetch;
      Date.now = realNow;
    }
    for (const n of ['1', '2', '3', '4']) expect(requests.some((r) => r.op === `part ${n}` && r.status === 200)).toBe(true);

    const down = await downloadData({ path, options: withStorageEndpoint() }).result;
    const body = Buffer.from(await (await down.body.blob()).arrayBuffer());
    expect(createHash('sha256').update(body).digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
  });
});
