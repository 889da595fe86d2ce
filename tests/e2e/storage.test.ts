import '../helpers/polyfills.js';
import { confirmSignUp, fetchAuthSession, signIn, signOut, signUp } from 'aws-amplify/auth';
import { copy, downloadData, getProperties, getUrl, list, remove, uploadData } from 'aws-amplify/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureTestClient, withStorageEndpoint } from '../helpers/amplify_client.js';
import { startLocalCloud, type TestLocalCloud } from '../helpers/local_cloud.js';

let cloud: TestLocalCloud;
const password = 'Correct-Horse-9-battery!';

async function signInAs(email: string): Promise<string> {
  await signOut().catch(() => undefined);
  try {
    await signUp({ username: email, password, options: { userAttributes: { email, phone_number: '+15555550142' } } });
    const code = (await cloud.outbox({ channel: 'email', to: email })).pop()?.code;
    await confirmSignUp({ username: email, confirmationCode: code! });
  } catch (err) {
    if ((err as Error).name !== 'UsernameExistsException') throw err;
  }
  const res = await signIn({ username: email, password });
  expect(res.isSignedIn).toBe(true);
  return (await fetchAuthSession()).identityId!;
}

beforeAll(async () => {
  cloud = await startLocalCloud();
  configureTestClient(cloud.outputs);
});
afterAll(async () => {
  await signOut().catch(() => undefined);
  await cloud?.stop();
});

/** The real aws-amplify Storage category against the local S3 service, over HTTPS. */
describe('storage through aws-amplify', () => {
  let alice: string;
  const image = Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 251));

  it('uploads to media/{identity} and reads it back with downloadData, getProperties and getUrl', async () => {
    alice = await signInAs('alice.storage@example.com');
    const path = `media/${alice}/photo.png`;
    const up = await uploadData({ path, data: image, options: withStorageEndpoint({ contentType: 'image/png' }) }).result;
    expect(up.path).toBe(path);

    const down = await downloadData({ path, options: withStorageEndpoint() }).result;
    expect(Buffer.from(await (await down.body.blob()).arrayBuffer())).toEqual(image);
    expect(down.contentType).toBe('image/png');

    const props = await getProperties({ path, options: withStorageEndpoint() });
    expect(props.size).toBe(image.length);

    const { url } = await getUrl({ path, options: withStorageEndpoint({ validateObjectExistence: true }) });
    expect(url.host).toBe(new URL(cloud.endpoint).host);
    const fetched = await fetch(url);
    expect(fetched.status).toBe(200);
    expect(Buffer.from(await fetched.arrayBuffer())).toEqual(image);
  });

  // In Node the client's fetch transfer handler reports no byte progress (browsers and React Native use
  // XHR, which does): progress events are covered by tests/browser. Here: the multipart path itself.
  it('uploads more than 5 MB in parts and lists and reads it back', async () => {
    const big = Buffer.alloc(11 * 1024 * 1024, 7);
    big.write('start', 0);
    big.write('end', big.length - 3);
    const path = `private/${alice}/big.bin`;
    await uploadData({ path, data: big, options: withStorageEndpoint() }).result;
    const props = await getProperties({ path, options: withStorageEndpoint() });
    expect(props.size).toBe(big.length);
    // A multipart object's ETag is the digest of its part digests, suffixed with the part count.
    expect(props.eTag).toMatch(/-3"?$/);
    const listed = await list({ path: `private/${alice}/`, options: withStorageEndpoint() });
    expect(listed.items.map((i) => [i.path, i.size])).toContainEqual([path, big.length]);
    const down = await downloadData({ path, options: withStorageEndpoint() }).result;
    expect(Buffer.from(await (await down.body.blob()).arrayBuffer()).equals(big)).toBe(true);
  });

  it('copies and removes within the identity’s own paths', async () => {
    // copy() reads `options.customEndpoint` at run time, though its input type does not declare `options`.
    const input = {
      source: { path: `media/${alice}/photo.png` },
      destination: { path: `private/${alice}/photo-copy.png` },
      options: withStorageEndpoint(),
    };
    await copy(input);
    await remove({ path: `private/${alice}/photo-copy.png`, options: withStorageEndpoint() });
    await expect(getProperties({ path: `private/${alice}/photo-copy.png`, options: withStorageEndpoint() })).rejects.toMatchObject({ name: 'NotFound' });
  });

  it("lets another user read Alice's media but not her private files, nor write under her id", async () => {
    await signInAs('bob.storage@example.com');
    const down = await downloadData({ path: `media/${alice}/photo.png`, options: withStorageEndpoint() }).result;
    expect(Buffer.from(await (await down.body.blob()).arrayBuffer())).toEqual(image);
    await expect(downloadData({ path: `private/${alice}/big.bin`, options: withStorageEndpoint() }).result).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(
      uploadData({ path: `media/${alice}/photo.png`, data: 'defaced', options: withStorageEndpoint() }).result,
    ).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(remove({ path: `private/${alice}/big.bin`, options: withStorageEndpoint() })).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(list({ path: `private/${alice}/`, options: withStorageEndpoint() })).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('refuses a signed-out guest (the rules give guests nothing)', async () => {
    await signOut();
    await expect(downloadData({ path: `media/${alice}/photo.png`, options: withStorageEndpoint() }).result).rejects.toMatchObject({ name: 'AccessDenied' });
  });
});
