import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { PinpointClient, SendMessagesCommand, type SendMessagesCommandInput } from '@aws-sdk/client-pinpoint';
import { createProcessor, type BatchResponse } from '../../../amplify/functions/post-processor/processor.js';
import type { PushApp } from '../../../amplify/functions/post-processor/push.js';
import { ALICE, BOB, MemoryStore, insertOf, memoryLog, owner } from './fakes.js';

const APP_ID = 'push-app-0123456789';
// The real SDK client; aws-sdk-client-mock answers at its `send` boundary.
const pinpoint = new PinpointClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
const sdk = mockClient(pinpoint);

let store: MemoryStore;
let log: ReturnType<typeof memoryLog>;

function processor(push: PushApp = { appId: APP_ID }) {
  return createProcessor({ store, pinpoint, push, blockedTerms: ['forbidden'], log });
}

function delivered(input: SendMessagesCommandInput) {
  return {
    MessageResponse: {
      ApplicationId: input.ApplicationId,
      Result: Object.fromEntries(
        Object.keys(input.MessageRequest?.Addresses ?? {}).map((t) => [t, { DeliveryStatus: 'SUCCESSFUL', StatusCode: 200 }]),
      ),
    },
  };
}

const sent = () => sdk.commandCalls(SendMessagesCommand).map((c) => c.args[0].input);

/** A post the author just created: in the table (so the processor can update it) and on the stream. */
function newPost(item: { id: string; title: string; content: string; owner?: string }) {
  store.posts.set(item.id, { ...item, status: 'PENDING' });
  return insertOf('Post', item);
}

beforeEach(() => {
  sdk.reset();
  sdk.on(SendMessagesCommand).callsFake(delivered);
  store = new MemoryStore();
  log = memoryLog();
  store.posts.set('p1', { id: 'p1', title: 'Hello', content: 'A sunny day', owner: owner(ALICE), status: 'PENDING' });
  store.devices.set(owner(ALICE), [
    { token: 'apns-token-alice', platform: 'APNS' },
    { token: 'fcm-token-alice', platform: 'FCM' },
  ]);
  store.devices.set(owner(BOB), [{ token: 'fcm-token-bob', platform: 'FCM' }]);
});

describe('post-processor: new posts (Post table stream)', () => {
  it('publishes a clean post and tells its author "Your post is live" on every device', async () => {
    const out = await processor().handle({
      Records: [newPost({ id: 'p2', title: 'Hi', content: 'nice', owner: owner(ALICE) })],
    });
    expect(out).toEqual({ batchItemFailures: [] });
    expect(store.writes).toEqual([{ id: 'p2', verdict: { status: 'PUBLISHED', reason: null } }]);
    expect(sent()).toEqual([
      {
        ApplicationId: APP_ID,
        MessageRequest: {
          Addresses: { 'apns-token-alice': { ChannelType: 'APNS' }, 'fcm-token-alice': { ChannelType: 'GCM' } },
          MessageConfiguration: {
            APNSMessage: { Action: 'OPEN_APP', Title: 'Your post is live', Body: 'Hi', Data: { type: 'POST_PUBLISHED', postId: 'p2' } },
            GCMMessage: { Action: 'OPEN_APP', Title: 'Your post is live', Body: 'Hi', Data: { type: 'POST_PUBLISHED', postId: 'p2' } },
          },
        },
      },
    ]);
  });

  it('flags a post containing a blocked term, with the reason, and pushes nothing', async () => {
    await processor().handle({
      Records: [newPost({ id: 'p3', title: 'Totally FORBIDDEN', content: 'x', owner: owner(ALICE) })],
    });
    expect(store.writes).toEqual([{ id: 'p3', verdict: { status: 'FLAGGED', reason: 'Contains blocked term: forbidden' } }]);
    expect(sent()).toEqual([]);
  });

  it('addresses APNs tokens as APNS_SANDBOX when the app\'s APNs channel is the sandbox one', async () => {
    await processor({ appId: APP_ID, apnsChannelType: 'APNS_SANDBOX' }).handle({
      Records: [newPost({ id: 'p2', title: 'Hi', content: 'nice', owner: owner(ALICE) })],
    });
    expect(sent()[0].MessageRequest?.Addresses?.['apns-token-alice']).toEqual({ ChannelType: 'APNS_SANDBOX' });
  });

  it('sends one message per device even when a token is registered twice', async () => {
    store.devices.set(owner(ALICE), [
      { token: 'fcm-token-alice', platform: 'FCM' },
      { token: 'fcm-token-alice', platform: 'FCM' },
    ]);
    await processor().handle({ Records: [newPost({ id: 'p2', title: 'Hi', content: 'x', owner: owner(ALICE) })] });
    expect(Object.keys(sent()[0].MessageRequest!.Addresses!)).toEqual(['fcm-token-alice']);
  });

  it('publishes without calling Pinpoint when the author has no devices', async () => {
    store.devices.delete(owner(ALICE));
    await processor().handle({ Records: [newPost({ id: 'p2', title: 'Hi', content: 'x', owner: owner(ALICE) })] });
    expect(store.writes).toHaveLength(1);
    expect(sent()).toEqual([]);
  });

  it('ignores updates, deletions and other models in the stream', async () => {
    const insert = newPost({ id: 'p9', title: 'x', content: 'y', owner: owner(ALICE) });
    const out = await processor().handle({
      Records: [
        { ...insert, eventName: 'MODIFY' },
        { ...insert, eventName: 'REMOVE' },
        { eventID: 'no-image', eventName: 'INSERT', dynamodb: {} },
        { eventID: 'device', eventName: 'INSERT', dynamodb: { NewImage: { __typename: { S: 'Device' }, id: { S: 'd1' } } } },
      ],
    });
    expect(out).toEqual({ batchItemFailures: [] });
    expect(store.writes).toEqual([]);
    expect(sent()).toEqual([]);
  });
});

describe('post-processor: a failed push never fails the post', () => {
  it('keeps the post PUBLISHED and logs when Pinpoint rejects the send', async () => {
    sdk.on(SendMessagesCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' }));
    const out = await processor().handle({ Records: [newPost({ id: 'p2', title: 'Hi', content: 'x', owner: owner(ALICE) })] });
    expect(out).toEqual({ batchItemFailures: [] });
    expect(store.writes).toEqual([{ id: 'p2', verdict: { status: 'PUBLISHED', reason: null } }]);
    expect(log.lines).toContainEqual({ level: 'error', text: 'push failed: TooManyRequestsException: Rate exceeded' });
  });

  it('keeps the post PUBLISHED and logs when the author\'s devices cannot be looked up', async () => {
    store.failDeviceLookups = true;
    const post = await processor().processPost({ arguments: { postId: 'p1' }, identity: { sub: ALICE } });
    expect(post.status).toBe('PUBLISHED');
    expect(sent()).toEqual([]);
    expect(log.lines.some((l) => l.level === 'error' && l.text.includes('list Device: Network error'))).toBe(true);
  });

  it('logs tokens Pinpoint did not deliver to, and still publishes', async () => {
    sdk.on(SendMessagesCommand).resolves({
      MessageResponse: {
        ApplicationId: APP_ID,
        Result: {
          'apns-token-alice': { DeliveryStatus: 'PERMANENT_FAILURE', StatusCode: 410, StatusMessage: 'Unregistered' },
          'fcm-token-alice': { DeliveryStatus: 'SUCCESSFUL', StatusCode: 200 },
        },
      },
    });
    const post = await processor().processPost({ arguments: { postId: 'p1' }, identity: { sub: ALICE } });
    expect(post.status).toBe('PUBLISHED');
    expect(log.lines).toContainEqual({ level: 'warn', text: 'push to apns-tok… not delivered: PERMANENT_FAILURE Unregistered' });
  });

  it('skips the push with a warning when no push app is configured', async () => {
    const post = await processor({ appId: undefined }).processPost({ arguments: { postId: 'p1' }, identity: { sub: ALICE } });
    expect(post.status).toBe('PUBLISHED');
    expect(sent()).toEqual([]);
    expect(log.lines).toContainEqual({ level: 'warn', text: 'push skipped: PINPOINT_APP_ID is not set' });
  });

  it('reports a record whose moderation could not be written, so the stream retries only that one', async () => {
    const first = newPost({ id: 'p2', title: 'a', content: 'b', owner: owner(ALICE) });
    const second = newPost({ id: 'p3', title: 'a', content: 'b', owner: owner(ALICE) });
    store.failWrites = true;
    const out = (await processor().handle({ Records: [first, second] })) as BatchResponse;
    expect(out.batchItemFailures).toEqual([
      { itemIdentifier: first.dynamodb!.SequenceNumber },
      { itemIdentifier: second.dynamodb!.SequenceNumber },
    ]);
  });
});

describe('post-processor: new comments (Comment table stream)', () => {
  it('tells the post\'s author about a comment from someone else, on the author\'s devices only', async () => {
    await processor().handle({
      Records: [insertOf('Comment', { id: 'c1', postId: 'p1', content: 'Great post!', owner: owner(BOB) })],
    });
    expect(sent()).toHaveLength(1);
    const [message] = sent();
    expect(Object.keys(message.MessageRequest!.Addresses!).sort()).toEqual(['apns-token-alice', 'fcm-token-alice']);
    expect(message.MessageRequest!.MessageConfiguration!.GCMMessage).toEqual({
      Action: 'OPEN_APP',
      Title: 'New comment on your post',
      Body: 'Great post!',
      Data: { type: 'NEW_COMMENT', postId: 'p1', commentId: 'c1' },
    });
  });

  it('does not notify the author about their own comment', async () => {
    await processor().handle({ Records: [insertOf('Comment', { id: 'c2', postId: 'p1', content: 'me', owner: owner(ALICE) })] });
    expect(sent()).toEqual([]);
  });

  it('does nothing for a comment on a post that no longer exists', async () => {
    const out = await processor().handle({ Records: [insertOf('Comment', { id: 'c3', postId: 'gone', content: 'x', owner: owner(BOB) })] });
    expect(out).toEqual({ batchItemFailures: [] });
    expect(sent()).toEqual([]);
  });

  it('cuts long comments to 140 characters in the notification', async () => {
    await processor().handle({ Records: [insertOf('Comment', { id: 'c4', postId: 'p1', content: 'x'.repeat(500), owner: owner(BOB) })] });
    expect(sent()[0].MessageRequest!.MessageConfiguration!.APNSMessage!.Body).toHaveLength(140);
  });

  it('never fails the batch over a comment notification', async () => {
    sdk.on(SendMessagesCommand).rejects(new Error('boom'));
    const out = await processor().handle({ Records: [insertOf('Comment', { id: 'c5', postId: 'p1', content: 'x', owner: owner(BOB) })] });
    expect(out).toEqual({ batchItemFailures: [] });
  });
});

describe('post-processor: processPost mutation', () => {
  it('re-moderates the caller\'s own post and returns the updated post', async () => {
    store.posts.set('p4', { id: 'p4', title: 'forbidden words', content: 'x', owner: owner(ALICE), status: 'PUBLISHED' });
    const post = await processor().processPost({ arguments: { postId: 'p4' }, identity: { sub: ALICE, username: ALICE } });
    expect(post).toMatchObject({ id: 'p4', status: 'FLAGGED', moderationReason: 'Contains blocked term: forbidden' });
  });

  it("pushes \"Your post is live\" to the caller's devices when a re-run publishes the post", async () => {
    store.posts.set('p5', { id: 'p5', title: 'Clean now', content: 'x', owner: owner(ALICE), status: 'FLAGGED' });
    const post = await processor().processPost({ arguments: { postId: 'p5' }, identity: { sub: ALICE, username: ALICE } });
    expect(post).toMatchObject({ id: 'p5', status: 'PUBLISHED' });
    expect(sent().length).toBeGreaterThan(0);
  });

  it('refuses another user\'s post with Unauthorized and changes nothing', async () => {
    await expect(processor().handle({ arguments: { postId: 'p1' }, identity: { sub: BOB } })).rejects.toMatchObject({
      name: 'Unauthorized',
      message: 'Only the owner of a post may process it',
    });
    expect(store.writes).toEqual([]);
    expect(sent()).toEqual([]);
  });

  it('refuses a caller without a user identity', async () => {
    await expect(processor().processPost({ arguments: { postId: 'p1' }, identity: null })).rejects.toMatchObject({ name: 'Unauthorized' });
  });

  it('answers a clear error for a post that does not exist', async () => {
    await expect(processor().processPost({ arguments: { postId: 'nope' }, identity: { sub: ALICE } })).rejects.toThrow('Post nope not found');
  });
});
