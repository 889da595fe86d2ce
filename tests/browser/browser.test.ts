import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCloud, type TestLocalCloud } from '../helpers/local_cloud.js';
import type { LocalCloudApp } from './page/app.js';
import { openAppPage, type AppPage } from './support/app_page.js';
import { bundlePage } from './support/bundle.js';
import { launchTrustingChromium, type TestBrowser } from './support/chromium.js';
import { serveStatic, type StaticSite } from './support/static_server.js';
import { startUntrustedHttps } from './support/untrusted_https.js';
import { until } from '../helpers/until.js';

/**
 * The local cloud from a real browser: headless Chromium loads an app (the real `aws-amplify` v6
 * client bundled for the browser) from an http://127.0.0.1 page and talks to the local cloud's
 * https/wss port cross-origin, trusting the local CA through its NSS database — never by switching
 * certificate checks off. The browser bundle uses the XHR transfer handler, the one apps use, which
 * is the one that reports upload progress.
 */

const password = 'Correct-Horse-9-battery!';
const email = `browser-${randomUUID().slice(0, 8)}@example.com`;

interface SeenRequest {
  method: string;
  url: string;
  resourceType: string;
  target?: string;
  body?: string;
}

let cloud: TestLocalCloud;
let site: StaticSite;
let browser: TestBrowser;
let untrusted: Awaited<ReturnType<typeof startUntrustedHttps>> | undefined;
let bundleDir: string;
let app: AppPage;
let identityId: string;
const requests: SeenRequest[] = [];
const sockets: string[] = [];
const call: AppPage['call'] = (name, ...args) => app.call(name, ...args);

beforeAll(async () => {
  bundleDir = mkdtempSync(path.join(tmpdir(), 'amplify-local-page-'));
  const [started] = await Promise.all([startLocalCloud(), bundlePage(bundleDir)]);
  cloud = started;
  site = await serveStatic(bundleDir);
  browser = await launchTrustingChromium(process.env.NODE_EXTRA_CA_CERTS!);
  app = await openAppPage(browser, site.url, (page) => {
    page.on('websocket', (ws) => void sockets.push(ws.url()));
    page.on('request', (req) => {
      if (!req.url().startsWith(cloud.endpoint)) return;
      const headers = req.headers();
      const body = req.method() === 'POST' && headers['x-amz-target'] ? (req.postData() ?? undefined) : undefined;
      requests.push({ method: req.method(), url: req.url(), resourceType: req.resourceType(), target: headers['x-amz-target'], body });
    });
  });
  const configured = await call('configure', cloud.outputs as Parameters<LocalCloudApp['configure']>[0]);
  expect(configured.userPoolEndpoint).toBe(cloud.endpoint);
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([site?.close(), untrusted?.close(), cloud?.stop()]);
  if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
});

describe('the local cloud from headless Chromium', () => {
  it('trusts the local CA for https while refusing a certificate from any other CA', async () => {
    untrusted = await startUntrustedHttps();
    expect(await call('probe', `${cloud.endpoint}/_local/outbox`)).toEqual({ status: 200 });
    const refused = await call('probe', untrusted.url);
    expect(refused.status).toBeUndefined();
    expect(refused.error).toMatch(/TypeError|Failed to fetch/);
  });

  it('signs up with the emailed code and signs in with SRP', async () => {
    expect(await call('signUp', email, password, '+15555550142')).toBe('CONFIRM_SIGN_UP');
    const code = await until(async () => (await cloud.outbox({ channel: 'email', to: email })).pop()?.code, 10_000, 'verification email', 50);
    expect(await call('confirmSignUp', email, code)).toBe('DONE');

    const signedIn = await call('signIn', email, password);
    expect(signedIn).toMatchObject({ isSignedIn: true, hasIdToken: true });
    expect(signedIn.identityId).toMatch(/^us-east-1:/);
    identityId = signedIn.identityId!;

    const initiate = requests.find((r) => r.target === 'AWSCognitoIdentityProviderService.InitiateAuth');
    expect(JSON.parse(initiate?.body ?? '{}')).toMatchObject({ AuthFlow: 'USER_SRP_AUTH' });
    const respond = requests.find((r) => r.target === 'AWSCognitoIdentityProviderService.RespondToAuthChallenge');
    expect(JSON.parse(respond?.body ?? '{}')).toMatchObject({ ChallengeName: 'PASSWORD_VERIFIER' });
  });

  it('uploads 11 MB in parts with XHR, reporting increasing progress up to the total, and reads it back', async () => {
    const size = 11 * 1024 * 1024;
    const key = `private/${identityId}/big.bin`;
    const up = await call('upload', key, size);
    expect(up.path).toBe(key);
    expect(up.size).toBe(size);
    // A multipart object's ETag is the digest of its part digests, suffixed with the part count (5 + 5 + 1 MB).
    expect(up.eTag).toMatch(/-3"?$/);

    const progress = up.progress.map((p) => p.transferredBytes);
    expect(progress.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThanOrEqual(progress[i - 1]);
    expect(new Set(progress).size).toBeGreaterThanOrEqual(3);
    expect(progress.at(-1)).toBe(size);
    expect(up.progress.every((p) => p.totalBytes === size)).toBe(true);

    const parts = requests.filter((r) => r.method === 'PUT' && /[?&]partNumber=\d+/.test(r.url) && r.url.includes('big.bin'));
    expect(parts.length).toBe(3);
    expect(parts.every((r) => r.resourceType === 'xhr')).toBe(true);

    const down = await call('download', key);
    expect(down).toMatchObject({ size, sha256: up.sha256 });
  });

  it('uploads a canvas PNG to media/ and shows it in an <img> through a presigned URL', async () => {
    const image = await call('uploadImage', `media/${identityId}/avatar.png`);
    expect(image.size).toBeGreaterThan(0);
    expect(image.naturalWidth).toBe(64);
    expect(image.urlHost).toBe(new URL(cloud.endpoint).host);
    const down = await call('download', `media/${identityId}/avatar.png`);
    expect(down).toMatchObject({ size: image.size, contentType: 'image/png' });
  });

  it('delivers onCreate of an owned Device over wss after start_ack', async () => {
    const token = `fcm-${randomUUID()}`;
    const report = await call('realtimeDevice', token);
    expect(report.received).toMatchObject({ id: report.createdId, token });
    // The API shows the owner field as the username (the last part of the stored `<sub>::<username>`).
    expect(report.received.owner).toMatch(/^[0-9a-f-]{36}$/);
    const realtime = `${cloud.endpoint.replace(/^https:/, 'wss:')}/graphql/realtime`;
    expect(sockets.some((url) => url.startsWith(realtime))).toBe(true);
  });

  it('refuses GraphQL without a token with a 401 the page can read (CORS on errors)', async () => {
    // A JSON POST is not a "simple" request: the browser preflights it, and a refused preflight or a
    // 401 without CORS headers would surface as a TypeError here, not as a readable status.
    const res = await call('unauthenticatedGraphql', cloud.outputs.data!.url);
    expect(res.status).toBe(401);
    expect(res.errorType).toBe('UnauthorizedException');
  });

  it('raised no uncaught error in the page', () => {
    expect(app.errors).toEqual([]);
  });
});
