import '../helpers/polyfills.js';
import { randomUUID } from 'node:crypto';
import { confirmSignUp, fetchAuthSession, signIn, signOut, signUp } from 'aws-amplify/auth';
import { generateClient } from 'aws-amplify/data';
import { downloadData, uploadData } from 'aws-amplify/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Schema } from '../../amplify/data/resource.js';
import { subscriptionAck } from '../e2e/app_story_support.js';
import { configureTestClient, withStorageEndpoint } from '../helpers/amplify_client.js';
import { parityTarget, type ParityTarget } from './target.js';

/**
 * The parity suite: what an app does, through the unmodified aws-amplify client and nothing but the
 * outputs file, so the same tests prove the local cloud and a deployed backend behave alike.
 * `npm test -- tests/parity` runs it on a local cloud; with AMPLIFY_OUTPUTS=<file> and AWS
 * credentials it runs against the backend that file describes (README: "Parity with the cloud").
 */

const PASSWORD = 'Parity-Horse-9-battery!';
const run = randomUUID().slice(0, 8);
const alice = `parity.alice.${run}@example.com`;
const bob = `parity.bob.${run}@example.com`;

let target: ParityTarget;
const client = generateClient<Schema>();
let postId = '';
let aliceFile = '';

async function signUpAndConfirm(email: string, phone: string): Promise<void> {
  const { nextStep } = await signUp({ username: email, password: PASSWORD, options: { userAttributes: { email, phone_number: phone } } });
  expect(nextStep.signUpStep).toBe('CONFIRM_SIGN_UP');
  await target.confirm(email, async (code) => {
    const done = await confirmSignUp({ username: email, confirmationCode: code });
    expect(done.isSignUpComplete).toBe(true);
  });
}

async function signInAs(email: string): Promise<void> {
  await signOut().catch(() => undefined);
  const { isSignedIn } = await signIn({ username: email, password: PASSWORD });
  expect(isSignedIn).toBe(true);
}

beforeAll(async () => {
  target = await parityTarget();
  configureTestClient(target.outputs);
});

afterAll(async () => {
  await signOut().catch(() => undefined);
  await target?.cleanUp([alice, bob]);
  await target?.stop();
});

describe(`parity suite`, () => {
  it('signs two users up, confirms them and signs each in', async () => {
    await signUpAndConfirm(alice, '+15555550151');
    await signUpAndConfirm(bob, '+15555550152');
    await signInAs(bob);
    await signInAs(alice);
    expect((await fetchAuthSession()).tokens?.idToken?.payload.email).toBe(alice);
  });

  it('refuses a wrong password with NotAuthorizedException', async () => {
    await signOut();
    await expect(signIn({ username: alice, password: `${PASSWORD}x` })).rejects.toMatchObject({ name: 'NotAuthorizedException' });
    await signInAs(alice);
  });

  it("creates the owner's post and reads it back", async () => {
    const { data, errors } = await client.models.Post.create({ title: `parity ${run}`, content: 'same everywhere' });
    expect(errors).toBeUndefined();
    postId = data!.id;
    const got = await client.models.Post.get({ id: postId });
    expect(got.data).toMatchObject({ id: postId, title: `parity ${run}`, content: 'same everywhere' });
  });

  it("lets another signed-in user read the post but not change or delete it", async () => {
    await signInAs(bob);
    expect((await client.models.Post.get({ id: postId })).data?.title).toBe(`parity ${run}`);
    const update = await client.models.Post.update({ id: postId, title: 'taken over' });
    expect(update.errors?.[0]?.errorType).toMatch(/Unauthorized|ConditionalCheckFailed/);
    const removal = await client.models.Post.delete({ id: postId });
    expect(removal.errors?.[0]?.errorType).toMatch(/Unauthorized|ConditionalCheckFailed/);
    await signInAs(alice);
    expect((await client.models.Post.get({ id: postId })).data?.title).toBe(`parity ${run}`);
  });

  it("delivers the owner's update to a live subscription", async () => {
    const edited = `parity ${run} (edited)`;
    const acked = subscriptionAck((v) => JSON.stringify(v).includes(postId));
    let sub: { unsubscribe(): void } | undefined;
    const received = new Promise<string>((resolve, reject) => {
      sub = client.models.Post.onUpdate({ filter: { id: { eq: postId } } }).subscribe({
        // Other updates of the post (a backend function's) may come first.
        next: (post) => post.title === edited && resolve(post.title),
        error: reject,
      });
    });
    try {
      await acked;
      expect((await client.models.Post.update({ id: postId, title: edited })).errors).toBeUndefined();
      expect(await received).toBe(edited);
    } finally {
      sub?.unsubscribe();
    }
  });

  it("stores the owner's private file and refuses it to another user", async () => {
    const identityId = (await fetchAuthSession()).identityId!;
    aliceFile = `private/${identityId}/parity-${run}.bin`;
    const bytes = Buffer.from(`parity ${run} `.repeat(1000));
    await uploadData({ path: aliceFile, data: bytes, options: withStorageEndpoint() }).result;
    const back = await downloadData({ path: aliceFile, options: withStorageEndpoint() }).result;
    expect(Buffer.from(await (await back.body.blob()).arrayBuffer()).equals(bytes)).toBe(true);

    await signInAs(bob);
    await expect(downloadData({ path: aliceFile, options: withStorageEndpoint() }).result).rejects.toMatchObject({ name: 'AccessDenied' });
    await signInAs(alice);
  });

  it('lets the owner delete the post', async () => {
    expect((await client.models.Post.delete({ id: postId })).errors).toBeUndefined();
    expect((await client.models.Post.get({ id: postId })).data).toBeNull();
  });
});
