import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunctionsService } from '../../src/local/functions/index.js';
import { repoRoot } from '../fixtures/assembly.js';
import { startLocalCloud, type TestLocalCloud } from '../helpers/local_cloud.js';
import { until } from '../helpers/until.js';
import { buildDemo } from './support/build_demo.js';
import { launchTrustingBrowser, type TestBrowsers } from './support/chromium.js';
import { tinyPng } from './support/png.js';
import { serveStatic, type StaticSite } from './support/static_server.js';

/**
 * examples/demo, the example web app, used as a person would in headless Chromium: built with Vite
 * against this test's local cloud, served from http://127.0.0.1 and talking to the cloud's https/wss
 * port with the browser's own fetch, XHR, FileReader and WebSocket (no polyfills), trusting the local
 * CA through NSS. Two isolated browser contexts are two users, Alice and Bob, signed in at once.
 *
 * The steps share state and run in order; asynchronous effects (live queries, moderation, pushes)
 * are polled with a deadline, never slept on.
 */

const PASSWORD = 'Correct-Horse-9-battery!';
const EFFECT_MS = 20_000;
const IMAGE = { width: 48, height: 32 };
const ARTIFACTS = path.join(repoRoot, 'test-results');

interface User {
  name: string;
  email: string;
  phone: string;
  page: Page;
  errors: string[];
  sockets: string[];
  /** `PUT <path> <resource type>` of the page's uploads to the local cloud. */
  puts: string[];
  /** start_ack frames the page's WebSocket received: how the test knows the live queries are live. */
  acks: number;
  token?: string;
}

const run = randomUUID().slice(0, 8);
let cloud: TestLocalCloud;
let site: StaticSite;
let browsers: TestBrowsers;
let outDir: string;
let alice: User;
let bob: User;
const title = `Sunset at the pier ${run}`;

async function openApp(name: string, phone: string): Promise<User> {
  const page = await (await browsers.newContext()).newPage();
  const user: User = { name, email: `${name}-${run}@example.com`, phone, page, errors: [], sockets: [], puts: [], acks: 0 };
  page.on('pageerror', (err) => void user.errors.push(err.message));
  page.on('request', (req) => {
    if (req.method() === 'PUT') user.puts.push(`PUT ${decodeURIComponent(new URL(req.url()).pathname)} ${req.resourceType()}`);
  });
  page.on('websocket', (ws) => {
    user.sockets.push(ws.url());
    ws.on('framereceived', ({ payload }) => {
      if (String(payload).includes('"start_ack"')) user.acks += 1;
    });
  });
  await page.goto(site.url);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  return user;
}

/** The page section under the heading `name`. */
function section(page: Page, name: string | RegExp): Locator {
  return page.locator('section, aside').filter({ has: page.getByRole('heading', { name, exact: true }) });
}

function postCard(page: Page): Locator {
  return page.locator('article.post').filter({ hasText: title });
}

async function latestCode(email: string): Promise<string> {
  return until(async () => (await cloud.outbox({ channel: 'email', to: email })).pop()?.code, EFFECT_MS, `the code e-mailed to ${email}`, 50);
}

async function signUpConfirmAndSignIn(user: User, opts: { tryWrongCode?: boolean; tryWrongPassword?: boolean } = {}): Promise<void> {
  const { page } = user;
  const signUp = section(page, 'Create an account');
  await signUp.getByLabel('Email').fill(user.email);
  await signUp.getByLabel('Phone (E.164)').fill(user.phone);
  await signUp.getByLabel('Password').fill(PASSWORD);
  await signUp.getByRole('button', { name: 'Sign up' }).click();

  const confirm = section(page, `Confirm ${user.email}`);
  await confirm.waitFor();
  const code = await latestCode(user.email);
  if (opts.tryWrongCode) {
    await confirm.getByLabel('Confirmation code').fill(code === '000000' ? '111111' : '000000');
    await confirm.getByRole('button', { name: 'Confirm' }).click();
    await confirm.locator('.status.error').filter({ hasText: 'CodeMismatchException' }).waitFor();
  }
  await confirm.getByLabel('Confirmation code').fill(code);
  await confirm.getByRole('button', { name: 'Confirm' }).click();
  await page.getByRole('heading', { name: 'Account confirmed' }).waitFor();

  const signIn = section(page, 'Sign in');
  expect(await signIn.getByLabel('Email').inputValue()).toBe(user.email);
  if (opts.tryWrongPassword) {
    await signIn.getByLabel('Password').fill(`${PASSWORD}x`);
    await signIn.getByRole('button', { name: 'Sign in' }).click();
    await signIn.locator('.status.error').filter({ hasText: 'NotAuthorizedException' }).waitFor();
  }
  await signIn.getByLabel('Password').fill(PASSWORD);
  await signIn.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.who strong').filter({ hasText: user.email }).waitFor();
}

async function registerDevice(user: User): Promise<string> {
  const device = section(user.page, 'This device');
  await device.getByRole('button', { name: 'Register this browser as a device' }).click();
  const token = await device.locator('li.token').first().textContent({ timeout: EFFECT_MS });
  expect(token).toMatch(/^web-demo-[0-9a-f-]{36}$/);
  return token!;
}

async function naturalWidth(image: Locator): Promise<number> {
  return image.evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : 0));
}

function notifications(user: User): Locator {
  return user.page.locator('li.notification');
}

/** Resolves once the table-stream mappings are idle: every push caused so far is in the outbox. */
function streamsIdle(): Promise<void> {
  return (cloud.cloud.services.find((s) => s.name === 'functions') as FunctionsService).streamsIdle();
}

async function pushesTo(token: string) {
  return cloud.outbox({ channel: 'push', to: token });
}

beforeAll(async () => {
  outDir = mkdtempSync(path.join(tmpdir(), 'amplify-demo-build-'));
  cloud = await startLocalCloud();
  await buildDemo(cloud.outputsPath, outDir);
  site = await serveStatic(outDir);
  browsers = await launchTrustingBrowser(process.env.NODE_EXTRA_CA_CERTS!);
  alice = await openApp('alice', '+15555550142');
  bob = await openApp('bob', '+15555550143');
});

afterAll(async () => {
  await browsers?.close();
  await Promise.all([site?.close(), cloud?.stop()]);
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

describe('the demo app in headless Chromium, two users at once', () => {
  it("bundles the backend's outputs without the local cloud's developer keys", () => {
    const secret = cloud.cloud.accountKeys.secretAccessKey;
    const bundled = readdirSync(path.join(outDir, 'assets'))
      .filter((f) => f.endsWith('.js'))
      .map((f) => readFileSync(path.join(outDir, 'assets', f), 'utf8'))
      .join('\n');
    expect(bundled).toContain(cloud.outputs.auth!.user_pool_id);
    expect(bundled).not.toContain(secret);
  });

  it('Alice signs up, is refused a wrong code and a wrong password, confirms with the e-mailed code and signs in', async () => {
    await signUpConfirmAndSignIn(alice, { tryWrongCode: true, tryWrongPassword: true });
    await section(alice.page, 'Feed').getByText('No posts yet.').waitFor();
  });

  it('Bob does the same in a second, isolated browser context, and registers a device of his own', async () => {
    await signUpConfirmAndSignIn(bob);
    expect(await bob.page.locator('.who strong').textContent()).toBe(bob.email);
    expect(await alice.page.locator('.who strong').textContent()).toBe(alice.email);
    bob.token = await registerDevice(bob);
  });

  it('Alice registers this browser as a device; the token is listed as hers', async () => {
    alice.token = await registerDevice(alice);
    expect(alice.token).not.toBe(bob.token);
    // The reload opens a new WebSocket: only its acknowledgements say the feed is live again.
    alice.acks = 0;
    await alice.page.reload();
    await section(alice.page, 'This device').locator('li.token').filter({ hasText: alice.token }).waitFor();
    expect(await section(alice.page, 'This device').locator('li.token').count()).toBe(1);
  });

  it('Alice posts a photo: it shows in her feed with the image loaded, and is published', async () => {
    // Both feeds' live queries (onCreate/onUpdate/onDelete of posts and comments) are acknowledged first.
    await until(() => (alice.acks >= 6 && bob.acks >= 6 ? true : undefined), EFFECT_MS, 'start_ack of both feeds');
    const composer = section(alice.page, 'New post');
    await composer.getByLabel('Title').fill(title);
    await composer.getByLabel('Text', { exact: true }).fill('Look at these colours');
    await composer.getByLabel('Photo').setInputFiles({ name: 'sunset.png', mimeType: 'image/png', buffer: tinyPng(IMAGE.width, IMAGE.height) });
    await composer.getByRole('button', { name: 'Post' }).click();
    await composer.getByText('Posted.').waitFor({ timeout: EFFECT_MS });

    const card = postCard(alice.page);
    await card.waitFor({ timeout: EFFECT_MS });
    const image = card.locator('img');
    expect(await until(async () => (await naturalWidth(image)) || undefined, EFFECT_MS, 'the photo to load')).toBe(IMAGE.width);
    const src = new URL((await image.getAttribute('src'))!);
    expect(src.host).toBe(new URL(cloud.endpoint).host);
    expect(decodeURIComponent(src.pathname)).toMatch(/\/media\/us-east-1:[0-9a-f-]+\/[0-9a-f-]{36}-sunset\.png$/);
    // The badge shows while the post is PENDING (or FLAGGED); the post-processor publishes it.
    await card.locator('.badge').waitFor({ state: 'hidden', timeout: EFFECT_MS });
    expect(await card.locator('.byline').textContent()).toMatch(/^by you · /);
  });

  it("Bob sees Alice's post arrive live in his open feed, with its photo and her name", async () => {
    const card = postCard(bob.page);
    await card.waitFor({ timeout: EFFECT_MS });
    expect(await until(async () => (await naturalWidth(card.locator('img'))) || undefined, EFFECT_MS, "the photo in Bob's feed")).toBe(IMAGE.width);
    await card.locator('.byline').filter({ hasText: `by alice-${run} · ` }).waitFor({ timeout: EFFECT_MS });
    expect(await card.locator('.badge').isHidden()).toBe(true);
  });

  it('a "Your post is live" push reaches Alice’s notifications list, and only hers', async () => {
    const live = notifications(alice).filter({ hasText: 'Your post is live' });
    await live.waitFor({ timeout: EFFECT_MS });
    expect(await live.textContent()).toContain(title);
    expect(await live.textContent()).toContain('POST_PUBLISHED');
    expect(await section(alice.page, 'This device').getByText('Local stand-in for the device’s push service').isVisible()).toBe(true);
  });

  it("comments show live on both pages; Alice's device hears of Bob's comment, not of her own", async () => {
    const mine = `Thanks for looking ${run}`;
    const his = `Gorgeous light ${run}`;
    for (const [user, text] of [[alice, mine], [bob, his]] as const) {
      const card = postCard(user.page);
      await card.getByLabel('Comment').fill(text);
      await card.getByRole('button', { name: 'Add comment' }).click();
      await card.locator('.comments li').filter({ hasText: text }).waitFor({ timeout: EFFECT_MS });
    }
    // Oldest first, with the author's display name (the other user's comment arrives over the live query).
    for (const [user, expected] of [
      [alice, [`you ${mine}`, `bob-${run} ${his}`]],
      [bob, [`alice-${run} ${mine}`, `you ${his}`]],
    ] as const) {
      const comments = postCard(user.page).locator('.comments li');
      let seen: string[] = [];
      await until(
        async () => ((seen = await comments.allTextContents()).join('\n') === expected.join('\n') ? true : undefined),
        EFFECT_MS,
        `${user.name}'s page to list both comments`,
        50,
      ).catch((err: Error) => {
        throw new Error(`${err.message}; it lists ${JSON.stringify(seen)}`);
      });
    }

    const pushed = notifications(alice).filter({ hasText: 'New comment on your post' });
    await pushed.waitFor({ timeout: EFFECT_MS });
    expect(await pushed.textContent()).toContain(his);
    await streamsIdle();
    const toAlice = await pushesTo(alice.token!);
    expect(toAlice.map((m) => m.subject)).toEqual(['Your post is live', 'New comment on your post']);
    expect(await pushesTo(bob.token!)).toEqual([]);
    expect(await notifications(bob).count()).toBe(0);
    expect(await notifications(alice).count()).toBe(2);
  });

  it('a post with a blocked term is FLAGGED: Alice sees why, Bob never sees it, and no push says it is live', async () => {
    const flagged = `Cheap deals ${run}`;
    const later = `Evening walk ${run}`;
    const composer = section(alice.page, 'New post');
    await composer.getByLabel('Title').fill(flagged);
    await composer.getByLabel('Text', { exact: true }).fill('Totally forbidden stuff here');
    await composer.getByRole('button', { name: 'Post' }).click();
    const card = alice.page.locator('article.post').filter({ hasText: flagged });
    await card.locator('.badge').filter({ hasText: 'FLAGGED: Contains blocked term: forbidden' }).waitFor({ timeout: EFFECT_MS });
    expect(await card.locator('img').count()).toBe(0);

    // A clean post after it: once Bob's feed shows that one, it has had every event of the flagged one.
    await composer.getByLabel('Title').fill(later);
    await composer.getByLabel('Text', { exact: true }).fill('No photo this time');
    await composer.getByRole('button', { name: 'Post' }).click();
    await bob.page.locator('article.post').filter({ hasText: later }).waitFor({ timeout: EFFECT_MS });
    expect(await bob.page.locator('article.post').filter({ hasText: flagged }).count()).toBe(0);
    expect(await bob.page.locator('article.post h3').allTextContents()).toEqual([later, title]);
    expect(await alice.page.locator('article.post h3').allTextContents()).toEqual([later, flagged, title]);

    await streamsIdle();
    const live = (await pushesTo(alice.token!)).filter((m) => m.subject === 'Your post is live').map((m) => m.body);
    expect(live).toEqual([title, later]);
    await notifications(alice).filter({ hasText: later }).waitFor({ timeout: EFFECT_MS });
    expect(await notifications(alice).count()).toBe(3);

    mkdirSync(ARTIFACTS, { recursive: true });
    await alice.page.screenshot({ path: path.join(ARTIFACTS, 'demo-alice.png'), fullPage: true });
    await bob.page.screenshot({ path: path.join(ARTIFACTS, 'demo-bob.png'), fullPage: true });
  });

  it('Alice signs out: the sign-in form is back, and stays after a reload', async () => {
    await alice.page.getByRole('button', { name: 'Sign out' }).click();
    await alice.page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await alice.page.reload();
    await alice.page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await alice.page.locator('.who').count()).toBe(0);
    // Bob, in his own context, is still signed in.
    expect(await bob.page.locator('.who strong').textContent()).toBe(bob.email);
  });

  it("used the browser's own WebSocket and XHR (no polyfills) and raised no error in either page", () => {
    // aws-amplify's browser build uploads with XMLHttpRequest (for progress events).
    expect(alice.puts).toEqual([expect.stringMatching(/^PUT \/.*\/media\/us-east-1:[0-9a-f-]+\/[0-9a-f-]{36}-sunset\.png xhr$/)]);
    expect(bob.puts).toEqual([]);
    const realtime = `${cloud.endpoint.replace(/^https:/, 'wss:')}/graphql/realtime`;
    for (const user of [alice, bob]) {
      expect(user.sockets.some((url) => url.startsWith(realtime))).toBe(true);
      expect(user.errors).toEqual([]);
    }
  });
});
