import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../fixtures/assembly.js';
import { startLocalCloud, type TestLocalCloud } from '../helpers/local_cloud.js';
import { until } from '../helpers/until.js';
import { launchTrustingChromium, type TestBrowser } from './support/chromium.js';

/**
 * The local console in headless Chromium, used as a person would: each test opens one page, does
 * what the page is for and checks what it shows. The browser trusts the local CA through its NSS
 * database (TLS stays verified); a screenshot of each page lands in test-results/console/.
 */

const shots = path.join(repoRoot, 'test-results', 'console');
let cloud: TestLocalCloud;
let browser: TestBrowser;
let page: Page;
const pageErrors: string[] = [];
const foreignRequests: string[] = [];
const cloudPaths: string[] = [];

async function open(route: string): Promise<void> {
  await page.goto(`${cloud.endpoint}/#/${route}`);
  await page.waitForSelector(`main[data-page="${route.split('?')[0]}"] h1`, { timeout: 15_000 });
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  cloud = await startLocalCloud();
  browser = await launchTrustingChromium(process.env.NODE_EXTRA_CA_CERTS!);
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  page.on('pageerror', (err) => void pageErrors.push(err.message));
  page.on('request', (req) => {
    if (req.url().startsWith(cloud.endpoint)) cloudPaths.push(new URL(req.url()).pathname);
    else if (!req.url().startsWith('data:')) foreignRequests.push(req.url());
  });
  page.on('dialog', (d) => void d.accept());
});

afterAll(async () => {
  await browser?.close();
  await cloud?.stop();
});

describe('the local console in a browser', () => {
  it('Overview lists the running services, the outputs file and how to trust the CA', async () => {
    await open('overview');
    for (const name of ['auth', 'data', 'storage', 'functions']) {
      await page.waitForSelector(`tr[data-service="${name}"]`);
    }
    expect(await page.textContent('#outputs-path')).toBe(cloud.outputsPath);
    expect(await page.textContent('main')).toContain('NODE_EXTRA_CA_CERTS=');
    await page.waitForSelector('#status.ok');
    await shot('overview');
  });

  it('Users creates a user whose invitation code then arrives in the Outbox', async () => {
    const email = `console-${randomUUID().slice(0, 8)}@example.com`;
    await open('users');
    await page.fill('#create-user input[name="username"]', email);
    await page.fill('#create-user input[name="email"]', email);
    await page.fill('#create-user input[name="phone_number"]', '+15555550123');
    await page.click('#create-user button.primary');
    // With email as the username attribute, Cognito's Username is the user's sub.
    const row = `#users-list tr:has-text("${email}")`;
    await page.waitForSelector(row);
    expect(await page.textContent(row)).toContain('FORCE_CHANGE_PASSWORD');
    const username = (await page.getAttribute(row, 'data-username'))!;

    await page.click(`${row} button`);
    await page.waitForSelector(`[data-user="${username}"]`);
    expect(JSON.parse((await page.textContent('#claims'))!)).toMatchObject({ email, 'cognito:username': username, token_use: 'id' });
    expect(await page.textContent('#mfa-state')).toBe('none');
    await page.click(`[data-user="${username}"] button:text("Disable")`);
    await page.waitForSelector(`${row} td:text-is("no")`);
    await page.waitForSelector(`[data-user="${username}"] button:text("Enable")`);
    await shot('users');

    const [sent] = await until(async () => {
      const m = await cloud.outbox({ channel: 'email', to: email });
      return m.length ? m : undefined;
    }, 10_000, 'the invitation');
    // The invitation carries the temporary password Cognito generated (the pool's policy: at least 8 characters).
    expect(sent.code).toMatch(/^\S{8,}$/);
    expect(sent.body).toContain(sent.code!);
    await open('outbox');
    const message = await page.waitForSelector(`#outbox-list tr[data-id="${sent.id}"]`);
    expect(await message.textContent()).toContain(sent.code!);
    expect(await message.textContent()).toContain(email);
    await shot('outbox');
  });

  it('Outbox shows a new message while the page is open (it follows the event stream)', async () => {
    await open('outbox');
    await until(() => (cloudPaths.includes('/_local/outbox/stream') ? true : undefined), 5000, 'the page to follow the outbox stream');
    const to = `live-${randomUUID().slice(0, 8)}@example.com`;
    const pool = cloud.cloud.model.auth!.userPool.id;
    const res = await fetch(`${cloud.endpoint}/_local/aws/cognito-idp/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.AdminCreateUser' },
      body: JSON.stringify({ UserPoolId: pool, Username: to, UserAttributes: [{ Name: 'email', Value: to }, { Name: 'phone_number', Value: '+15555550124' }], DesiredDeliveryMediums: ['EMAIL'] }),
    });
    expect(res.status).toBe(200);
    await page.waitForSelector(`#outbox-list tr:has-text("${to}")`, { timeout: 10_000 });

    // A push shows its device token, title, body and data.
    cloud.cloud.outbox.add({ channel: 'push', to: 'device-token-123', subject: 'New comment', body: 'Bob replied', data: { postId: 'p-1' } });
    const push = await page.waitForSelector('#outbox-list tr:has-text("device-token-123")', { timeout: 10_000 });
    const text = (await push.textContent())!;
    for (const part of ['push', 'New comment', 'Bob replied', '"postId": "p-1"']) expect(text).toContain(part);
  });

  it('Data creates an item through the GraphQL API, lists it and shows its history', async () => {
    const title = `Console post ${randomUUID().slice(0, 6)}`;
    await open('data?model=Post');
    await page.click('button:text("New item")');
    await page.fill('#item-form input[name="title"]', title);
    await page.fill('#item-form input[name="content"]', 'written from the console');
    await page.click('#item-form button.primary');
    const row = await page.waitForSelector(`#data-list tr:has-text("${title}")`);
    await (await row.$('button:text("History")'))!.click();
    await page.waitForSelector('#data-history tr[data-event="INSERT"]');
    expect(await page.textContent('#data-history')).toContain(title);

    await (await (await page.waitForSelector(`#data-list tr:has-text("${title}")`)).$('button:text("Edit")'))!.click();
    await page.fill('#item-form input[name="content"]', 'edited from the console');
    await page.click('#item-form button.primary');
    await page.waitForSelector(`#data-list tr:has-text("edited from the console")`);
    await (await (await page.waitForSelector(`#data-list tr:has-text("${title}")`)).$('button:text("History")'))!.click();
    await page.waitForSelector('#data-history tr[data-event="MODIFY"]');
    await shot('data');
  });

  it('Storage uploads to a prefix, lists, downloads, previews an image and deletes', async () => {
    await open('storage');
    await page.fill('input[name="prefix"]', 'public/console/');
    await page.click('form:has(input[name="prefix"]) button');
    await page.setInputFiles('#upload input[type="file"]', { name: 'hello.txt', mimeType: 'text/plain', buffer: Buffer.from('hello from the console') });
    await page.click('#upload button');
    await page.waitForSelector('#storage-list [data-key="public/console/hello.txt"]');
    const href = await page.getAttribute('#storage-list tr:has([data-key="public/console/hello.txt"]) a:text("Download")', 'href');
    const body = await page.evaluate(async (url) => (await fetch(url!)).text(), href);
    expect(body).toBe('hello from the console');

    // A 1×1 PNG, previewed in an <img> loaded through the console's signed GET.
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
    await page.setInputFiles('#upload input[type="file"]', { name: 'dot.png', mimeType: 'image/png', buffer: png });
    await page.click('#upload button');
    await page.click('#storage-list tr:has([data-key="public/console/dot.png"]) button:text("Preview")');
    await page.waitForFunction(() => (document.querySelector('#storage-preview img') as HTMLImageElement | null)?.naturalWidth === 1);
    await shot('storage');

    await page.click('#storage-list tr:has([data-key="public/console/hello.txt"]) button:text("Delete")');
    await page.waitForSelector('#storage-list [data-key="public/console/hello.txt"]', { state: 'detached' });
    expect((await fetch(`${cloud.endpoint}/_local/aws/s3/${cloud.cloud.model.storage!.buckets[0].bucketName}/public/console/hello.txt`)).status).toBe(404);
  });

  it('Dashboard draws the template\'s AppSync widget and its count rises after GraphQL requests', async () => {
    await open('dashboard');
    const widget = '[data-title="GraphQL API requests and errors"]';
    await page.waitForSelector(`${widget} polyline[data-label="RequestCount (Sum)"]`);
    const total = async () => Number(await page.getAttribute(`${widget} polyline[data-label="RequestCount (Sum)"]`, 'data-total'));
    const before = await total();
    await page.evaluate(async () => {
      for (let i = 0; i < 5; i++) {
        await fetch('/_local/aws/appsync/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ listPosts { items { id } } }' }) });
      }
    });
    await until(async () => ((await total()) >= before + 5 ? true : undefined), 15_000, 'the chart to count the requests', 250);
    await shot('dashboard');
  });

  it('Requests lists a refused S3 call when filtered to storage and 4xx', async () => {
    const bucket = cloud.cloud.model.storage!.buckets[0].bucketName;
    const refused = await fetch(`${cloud.endpoint}/${bucket}/private/nobody.txt`);
    expect(refused.status).toBe(403);
    await open('requests');
    await page.selectOption('select[name="service"]', 'storage');
    await page.selectOption('select[name="status"]', '4xx');
    const row = await page.waitForSelector('#requests-list tr[data-status="403"]', { timeout: 10_000 });
    expect(await row.textContent()).toContain('GetObject');
    const statuses = await page.$$eval('#requests-list tbody tr', (rows) => rows.map((r) => r.getAttribute('data-status')));
    expect(statuses.every((s) => s?.startsWith('4'))).toBe(true);
    await shot('requests');
  });

  it('Events shows a record put through the Kinesis SDK', async () => {
    const stream = cloud.cloud.model.messaging.kinesisStreams[0].name;
    const keys = cloud.cloud.accountKeys;
    const kinesis = new KinesisClient({ endpoint: cloud.endpoint, region: 'us-east-1', credentials: keys });
    const marker = `console-${randomUUID().slice(0, 8)}`;
    await kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: 'pk-1', Data: Buffer.from(JSON.stringify({ event: marker })) }));
    kinesis.destroy();
    await open('events');
    await page.waitForSelector(`#events-list tr:has-text("${marker}")`, { timeout: 10_000 });
    await shot('events');
  });

  it('loaded nothing from anywhere but the local cloud, without script errors', () => {
    expect(foreignRequests).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
