import '../helpers/polyfills.js';
// Before aws-amplify/storage loads: Storage runs over XHR, as in React Native, so uploads report progress.
import { NodeXMLHttpRequest } from './app_story_xhr.js';
import { createHash, randomUUID } from 'node:crypto';
import { confirmSignUp, fetchAuthSession, signIn, signOut, signUp } from 'aws-amplify/auth';
import { generateClient } from 'aws-amplify/data';
import { downloadData, getProperties, getUrl, list, remove, uploadData } from 'aws-amplify/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Schema } from '../../amplify/data/resource.js';
import type { FunctionsService } from '../../src/local/functions/index.js';
import { configureTestClient, withStorageEndpoint } from '../helpers/amplify_client.js';
import { startLocalCloud, type TestLocalCloud } from '../helpers/local_cloud.js';
import { s3KeyPath, signForTest, type TestCredentials } from '../helpers/sigv4.js';
import { eventually, OffsetClock, pushData, pushesTo, subscriptionAck } from './app_story_support.js';
import { cognitoEnv, graphqlAs, signInSrp } from './data_users.js';

/**
 * The app's whole story against the local cloud, with the unmodified `aws-amplify` v6 client
 * (auth, data with `generateClient<Schema>()`, storage) over HTTPS/WSS:
 * sign-up → profile trigger → device, uploads, post → stream → moderation → subscription and push →
 * another user reads, downloads and comments → blocked terms → storage and signature refusals →
 * `processPost` for the owner only.
 *
 * Switching users: Amplify is a singleton with one signed-in user, so the story switches between
 * Alice and Bob with signOut/signIn wherever the step is that user's app (storage needs the user's
 * own identity-pool credentials, which only the client holds). The one concurrent action — Bob
 * calling `processPost` while Alice is signed in — uses Bob's own access token from a separate SRP
 * sign-in (tests/e2e/data_users.ts) with `graphqlAs`, the request the client sends in user-pool mode.
 *
 * Storage runs over the client's own XMLHttpRequest transfer handler, the one React Native and browsers
 * use (app_story_xhr.ts): the Node build's fetch handler never reports upload progress.
 *
 * The steps share state and run in order; each is its own test so a failure names its step.
 * Asynchronous effects are polled with a deadline (app_story_support.ts), never slept on.
 */

const PASSWORD = 'Correct-Horse-9-battery!';
const PHONE = '+15555550142';
const GET_POST = 'query GetPost($id: ID!) { getPost(id: $id) { id title } }';
const PROCESS_POST = 'mutation ProcessPost($postId: ID!) { processPost(postId: $postId) { id status moderationReason owner updatedAt } }';

const clock = new OffsetClock();
let cloud: TestLocalCloud;
let client: ReturnType<typeof generateClient<Schema>>;

const run = randomUUID().slice(0, 8);
const alice = { email: `alice-${run}@example.com`, sub: '', username: '', identityId: '', deviceToken: `alice-apns-${run}` };
const bob = { email: `bob-${run}@example.com`, sub: '', username: '', identityId: '', deviceToken: `bob-fcm-${run}` };

/** A small PNG-like image and a file bigger than the client's 5 MB single-upload limit. */
const image = Buffer.from(Array.from({ length: 64 * 1024 }, (_, i) => (i * 31) % 251));
const bigFile = Buffer.alloc(6 * 1024 * 1024 + 4321);
for (let i = 0; i < bigFile.length; i += 4096) bigFile[i] = (i / 4096) % 256;
const privateNotes = 'Alice private notes: nobody else may read or change this.';

let imageKey = '';
let videoKey = '';
let privateKey = '';
let postId = '';
let flaggedId = '';
let commentId = '';
/** What Alice's onUpdate subscription delivered (step 2 opens it, step 3 reads and closes it). */
type StoryUpdate = Schema['Post']['type'] | { error: unknown };
const storyUpdates: StoryUpdate[] = [];
let storySubscription: { unsubscribe(): void } | undefined;

beforeAll(async () => {
  cloud = await startLocalCloud({ clock });
  configureTestClient(cloud.outputs);
  client = generateClient<Schema>();
});

afterAll(async () => {
  clock.offsetMs = 0;
  await signOut().catch(() => undefined);
  await cloud?.stop();
});

function functionsService(): FunctionsService {
  return cloud.cloud.services.find((s) => s.name === 'functions') as FunctionsService;
}

async function bytesOf(body: { blob(): Promise<Blob> }): Promise<Buffer> {
  return Buffer.from(await (await body.blob()).arrayBuffer());
}

/** Sign-up and confirmation as an app does it: `signUp`, the emailed code, `confirmSignUp`. */
async function signUpWithClient(email: string): Promise<void> {
  const { nextStep } = await signUp({ username: email, password: PASSWORD, options: { userAttributes: { email, phone_number: PHONE } } });
  expect(nextStep.signUpStep).toBe('CONFIRM_SIGN_UP');
  const code = await eventually(`the confirmation code e-mailed to ${email}`, async () => {
    const messages = await cloud.outbox({ channel: 'email', to: email });
    return messages.map((m) => m.code).filter(Boolean).pop();
  });
  const confirmed = await confirmSignUp({ username: email, confirmationCode: code });
  expect(confirmed.isSignUpComplete).toBe(true);
}

/** Makes `email` the client's signed-in user; returns the user's sub, username and identity id. */
async function switchTo(email: string): Promise<{ sub: string; username: string; identityId: string; credentials: TestCredentials }> {
  await signOut().catch(() => undefined);
  const result = await signIn({ username: email, password: PASSWORD });
  expect(result.isSignedIn).toBe(true);
  const session = await fetchAuthSession();
  expect(session.identityId).toBeDefined();
  expect(session.credentials).toBeDefined();
  return {
    sub: String(session.tokens!.accessToken.payload.sub),
    username: String(session.tokens!.accessToken.payload.username),
    identityId: session.identityId!,
    credentials: session.credentials!,
  };
}

/** "Your post is live" pushes for one post, recorded so far. */
async function livePushes(id: string) {
  return pushesTo(await cloud.outbox({ channel: 'push', to: alice.deviceToken }), alice.deviceToken).filter(
    (m) => m.subject === 'Your post is live' && pushData(m).postId === id,
  );
}

describe('the app story, end to end with the real aws-amplify client', () => {
  it('1. Alice signs up and confirms; the post-confirmation trigger has created her UserProfile', async () => {
    await signUpWithClient(alice.email);
    const me = await switchTo(alice.email);
    Object.assign(alice, { sub: me.sub, username: me.username, identityId: me.identityId });

    // Cognito → post-confirmation function → GraphQL createUserProfile with IAM (allow.resource).
    const profile = await eventually("Alice's UserProfile", async () => {
      const { data, errors } = await client.models.UserProfile.get({ id: alice.sub });
      if (errors?.length) throw new Error(errors.map((e) => e.message).join('; '));
      return data ?? undefined;
    });
    // The trigger stores `<sub>::<username>`; the generated owner-field resolver returns the username.
    expect(profile).toMatchObject({ id: alice.sub, displayName: alice.email.split('@')[0], owner: alice.username });
  });

  it('2a. Alice registers a device token and uploads an image to media/{her identity}/ and a private note', async () => {
    const device = await client.models.Device.create({ id: randomUUID(), token: alice.deviceToken, platform: 'APNS' });
    expect(device.errors).toBeUndefined();
    expect(device.data).toMatchObject({ token: alice.deviceToken, platform: 'APNS' });

    imageKey = `media/${alice.identityId}/sunset.png`;
    const uploaded = await uploadData({ path: imageKey, data: image, options: withStorageEndpoint({ contentType: 'image/png' }) }).result;
    expect(uploaded.path).toBe(imageKey);

    privateKey = `private/${alice.identityId}/notes.txt`;
    const note = await uploadData({ path: privateKey, data: privateNotes, options: withStorageEndpoint({ contentType: 'text/plain' }) }).result;
    expect(note.path).toBe(privateKey);
    // The uploads went through the client's XMLHttpRequest transfer handler (see app_story_xhr.ts).
    expect(NodeXMLHttpRequest.sent).toBeGreaterThan(0);
  });

  it('2b. Alice uploads a file over 5 MB in parts, with progress events up to its size', async () => {
    videoKey = `media/${alice.identityId}/sunset.mov`;
    const progress: { transferredBytes: number; totalBytes?: number }[] = [];
    await uploadData({
      path: videoKey,
      data: bigFile,
      options: withStorageEndpoint({ onProgress: (p: { transferredBytes: number; totalBytes?: number }) => void progress.push(p) }),
    }).result;
    const props = await getProperties({ path: videoKey, options: withStorageEndpoint() });
    expect(props.size).toBe(bigFile.length);
    // S3's multipart ETag ends in "-<number of parts>": the client really uploaded it in parts.
    expect(props.eTag).toMatch(/-2"?$/);

    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toEqual({ transferredBytes: bigFile.length, totalBytes: bigFile.length });
    expect(progress.every((p, i) => i === 0 || p.transferredBytes >= progress[i - 1].transferredBytes)).toBe(true);
  });

  it('2c. Alice creates a post with that imageKey; it starts PENDING', async () => {
    // Subscribe before creating, and wait for the server's start_ack so no update can be missed.
    postId = randomUUID();
    const acked = subscriptionAck((variables) => JSON.stringify(variables).includes(postId));
    storyUpdates.length = 0;
    storySubscription = client.models.Post.onUpdate({ filter: { id: { eq: postId } } }).subscribe({
      next: (post) => void storyUpdates.push(post),
      error: (err: unknown) => void storyUpdates.push({ error: err }),
    });
    await acked;

    const created = await client.models.Post.create({ id: postId, title: 'Sunset at the pier', content: 'Look at these colours', imageKey });
    expect(created.errors).toBeUndefined();
    expect(created.data).toMatchObject({ id: postId, imageKey, status: 'PENDING', owner: alice.username });
  });

  it('3. the post-processor publishes the post from the table stream: Alice sees the update live and gets a "live" push', async () => {
    try {
      const update = await eventually("Alice's onUpdate subscription to deliver PUBLISHED", () =>
        storyUpdates.find((u) => 'id' in u && u.id === postId && u.status === 'PUBLISHED'),
      );
      expect(update).toMatchObject({ id: postId, status: 'PUBLISHED', imageKey });
      expect(storyUpdates.filter((u) => 'error' in u)).toEqual([]);
    } finally {
      storySubscription?.unsubscribe();
    }
    const { data: stored } = await client.models.Post.get({ id: postId });
    expect(stored).toMatchObject({ status: 'PUBLISHED', moderationReason: null });

    const [live] = await eventually('the "Your post is live" push in the outbox', async () => {
      const found = await livePushes(postId);
      return found.length > 0 ? found : undefined;
    });
    expect(live).toMatchObject({ channel: 'push', to: alice.deviceToken, subject: 'Your post is live', body: 'Sunset at the pier' });
    expect(pushData(live)).toEqual({ type: 'POST_PUBLISHED', postId });
  });

  it("4. Bob signs in, reads the post, downloads its image and comments; only Alice's device hears about it", async () => {
    await signOut();
    await signUpWithClient(bob.email);
    const me = await switchTo(bob.email);
    Object.assign(bob, { sub: me.sub, username: me.username, identityId: me.identityId });

    const bobDevice = await client.models.Device.create({ id: randomUUID(), token: bob.deviceToken, platform: 'FCM' });
    expect(bobDevice.errors).toBeUndefined();

    const { data: post, errors } = await client.models.Post.get({ id: postId });
    expect(errors).toBeUndefined();
    expect(post).toMatchObject({ id: postId, title: 'Sunset at the pier', status: 'PUBLISHED', imageKey });

    const download = await downloadData({ path: post!.imageKey!, options: withStorageEndpoint() }).result;
    expect((await bytesOf(download.body)).equals(image)).toBe(true);
    expect(download.contentType).toBe('image/png');

    const { url } = await getUrl({ path: post!.imageKey!, options: withStorageEndpoint({ validateObjectExistence: true, expiresIn: 300 }) });
    expect(url.host).toBe(new URL(cloud.endpoint).host);
    const fetched = await fetch(url);
    expect(fetched.status).toBe(200);
    expect(Buffer.from(await fetched.arrayBuffer()).equals(image)).toBe(true);

    commentId = randomUUID();
    const comment = await client.models.Comment.create({ id: commentId, postId, content: 'Gorgeous light!' });
    expect(comment.errors).toBeUndefined();
    expect(comment.data).toMatchObject({ id: commentId, postId, owner: bob.username });

    const pushed = await eventually("the comment push to Alice's device", async () =>
      pushesTo(await cloud.outbox({ channel: 'push', to: alice.deviceToken }), alice.deviceToken).find((m) => pushData(m).commentId === commentId),
    );
    expect(pushed).toMatchObject({ subject: 'New comment on your post', body: 'Gorgeous light!' });
    expect(pushData(pushed)).toEqual({ type: 'NEW_COMMENT', postId, commentId });
    // The comment's record is fully handled once Alice's push is out; Bob's device got nothing.
    await functionsService().streamsIdle();
    expect(pushesTo(await cloud.outbox({ channel: 'push' }), bob.deviceToken)).toEqual([]);
  });

  it('5. a post with a blocked term ends FLAGGED with a reason, and no "live" push is sent', async () => {
    await switchTo(alice.email);
    flaggedId = randomUUID();
    const created = await client.models.Post.create({ id: flaggedId, title: 'Cheap deals', content: 'Totally forbidden stuff here' });
    expect(created.errors).toBeUndefined();

    const flagged = await eventually('the post to be FLAGGED', async () => {
      const { data } = await client.models.Post.get({ id: flaggedId });
      return data?.status === 'FLAGGED' ? data : undefined;
    });
    expect(flagged.moderationReason).toBe('Contains blocked term: forbidden');
    // Once the stream mappings are idle the processor has finished with this record.
    await functionsService().streamsIdle();
    expect(await livePushes(flaggedId)).toEqual([]);
  });

  it("6. Bob cannot touch Alice's private files nor write her media; guests, bad signatures and expired credentials are refused", async () => {
    const me = await switchTo(bob.email);
    const denied = { name: 'AccessDenied' };

    // Read, list, overwrite, delete under private/{Alice}/.
    await expect(downloadData({ path: privateKey, options: withStorageEndpoint() }).result).rejects.toMatchObject(denied);
    const { url: privateUrl } = await getUrl({ path: privateKey, options: withStorageEndpoint() });
    expect((await fetch(privateUrl)).status).toBe(403);
    await expect(list({ path: `private/${alice.identityId}/`, options: withStorageEndpoint() })).rejects.toMatchObject(denied);
    await expect(uploadData({ path: privateKey, data: 'overwritten by bob', options: withStorageEndpoint() }).result).rejects.toMatchObject(denied);
    await expect(remove({ path: privateKey, options: withStorageEndpoint() })).rejects.toMatchObject(denied);

    // Write or delete under media/{Alice}/ (reading it is allowed, see step 4).
    await expect(uploadData({ path: imageKey, data: 'defaced', options: withStorageEndpoint() }).result).rejects.toMatchObject(denied);
    await expect(uploadData({ path: `media/${alice.identityId}/bob.png`, data: image, options: withStorageEndpoint() }).result).rejects.toMatchObject(denied);
    await expect(uploadData({ path: `media/${alice.identityId}/bob.mov`, data: bigFile, options: withStorageEndpoint() }).result).rejects.toMatchObject(denied);
    await expect(remove({ path: imageKey, options: withStorageEndpoint() })).rejects.toMatchObject(denied);

    // Raw S3 requests with Bob's own credentials on an object he may read: correct, tampered, expired.
    const url = `${cloud.endpoint}${s3KeyPath(cloud.outputs.storage!.bucket_name, imageKey)}`;
    const signedGet = () =>
      signForTest({
        url,
        credentials: me.credentials,
        service: 's3',
        headers: { 'x-amz-content-sha256': createHash('sha256').update('').digest('hex') },
        signingDate: new Date(clock.now()),
      });
    const good = await fetch(await signedGet());
    expect(good.status).toBe(200);
    expect(Buffer.from(await good.arrayBuffer()).equals(image)).toBe(true);

    const signed = await signedGet();
    const headers = new Headers(signed.headers);
    const auth = headers.get('authorization')!;
    headers.set('authorization', auth.replace(/Signature=([0-9a-f])/, (_, c: string) => `Signature=${c === '0' ? '1' : '0'}`));
    const tampered = await fetch(signed.url, { headers });
    expect(tampered.status).toBe(403);
    expect(await tampered.text()).toContain('<Code>SignatureDoesNotMatch</Code>');

    clock.offsetMs = 2 * 3600_000; // past the identity pool credentials' one-hour lifetime
    try {
      const expired = await fetch(await signedGet());
      expect(expired.status).toBe(400);
      expect(await expired.text()).toContain('<Code>ExpiredToken</Code>');
    } finally {
      clock.offsetMs = 0;
    }

    // Signed out: the guest role has no storage access, and the API refuses the client.
    await signOut();
    await expect(downloadData({ path: imageKey, options: withStorageEndpoint() }).result).rejects.toMatchObject(denied);
    const unsigned = await fetch(url);
    expect(unsigned.status).toBe(403);
    // The client refuses to send without tokens; the API refuses a request without them.
    await expect(client.models.Post.get({ id: postId })).rejects.toMatchObject({ name: 'NoValidAuthTokens' });
    const anonymous = await graphqlAs(cloud.endpoint, undefined, GET_POST, { id: postId });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.errors?.[0]?.errorType).toBe('UnauthorizedException');

    // Nothing Bob tried changed Alice's files.
    await switchTo(alice.email);
    expect((await bytesOf((await downloadData({ path: privateKey, options: withStorageEndpoint() }).result).body)).toString()).toBe(privateNotes);
    expect((await bytesOf((await downloadData({ path: imageKey, options: withStorageEndpoint() }).result).body)).equals(image)).toBe(true);
    const listed = await list({ path: `media/${alice.identityId}/`, options: withStorageEndpoint() });
    expect(listed.items.map((i) => i.path).sort()).toEqual([videoKey, imageKey].sort());
  });

  it('7. processPost is refused to Bob on Alice’s post, and re-runs moderation for Alice', async () => {
    // Alice stays signed in to the client; Bob calls concurrently with his own token.
    const bobSession = await signInSrp(cognitoEnv(cloud.endpoint, cloud.cloud.model.auth!), bob.email, PASSWORD);
    const { data: before } = await client.models.Post.get({ id: postId });
    expect(before?.status).toBe('PUBLISHED');
    expect(await livePushes(postId)).toHaveLength(1);

    const refused = await graphqlAs(cloud.endpoint, bobSession.accessToken, PROCESS_POST, { postId });
    expect(refused.status).toBe(200);
    expect(refused.body.data?.processPost ?? null).toBeNull();
    expect(refused.body.errors?.[0]?.message).toContain('Only the owner of a post may process it');
    const { data: untouched } = await client.models.Post.get({ id: postId });
    expect(untouched?.updatedAt).toBe(before!.updatedAt);
    expect(await livePushes(postId)).toHaveLength(1);

    const rerun = await client.mutations.processPost({ postId });
    expect(rerun.errors).toBeUndefined();
    expect(rerun.data).toMatchObject({ id: postId, status: 'PUBLISHED', moderationReason: null });
    expect(rerun.data!.updatedAt > before!.updatedAt).toBe(true);
    // Moderation ran again, so the owner is told again that the post is live.
    await eventually('a second "live" push after processPost', async () => ((await livePushes(postId)).length === 2 ? true : undefined));

    const reflagged = await client.mutations.processPost({ postId: flaggedId });
    expect(reflagged.errors).toBeUndefined();
    expect(reflagged.data).toMatchObject({ id: flaggedId, status: 'FLAGGED', moderationReason: 'Contains blocked term: forbidden' });
    expect(await livePushes(flaggedId)).toEqual([]);
  });
});
