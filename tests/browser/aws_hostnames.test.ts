import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCloud, type TestLocalCloud } from '../helpers/local_cloud.js';
import { until } from '../helpers/until.js';
import type { LocalCloudApp } from './page/app.js';
import { openAppPage, type AppPage } from './support/app_page.js';
import { bundlePage } from './support/bundle.js';
import { launchTrustingChromium, type TestBrowser } from './support/chromium.js';
import { serveStatic, type StaticSite } from './support/static_server.js';

/**
 * AWS-hostname mode from a real browser: the same app as browser.test.ts (the real `aws-amplify` v6
 * client), configured from outputs that carry only deployed-shape URLs — no custom endpoint at all —
 * so every call goes to `*.amazonaws.com` as it would against AWS. Chromium's host resolver maps
 * exactly those names (port 443) to the local cloud's port, the way a DNS server or proxy would route
 * a device; the per-name leaves are verified against the local CA in Chromium's NSS database.
 */

const password = 'Correct-Horse-9-battery!';
const email = `aws-hosts-${randomUUID().slice(0, 8)}@example.com`;
/** An AWS name this backend does not answer as: routed here too, it must not get a certificate. */
const FOREIGN = 'cognito-idp.eu-west-1.amazonaws.com';

let cloud: TestLocalCloud;
let site: StaticSite;
let browser: TestBrowser;
let bundleDir: string;
let app: AppPage;
let identityId: string;
const hosts = new Set<string>();
const sockets: string[] = [];
const call: AppPage['call'] = (name, ...args) => app.call(name, ...args);

beforeAll(async () => {
  bundleDir = mkdtempSync(path.join(tmpdir(), 'amplify-local-page-'));
  const [started] = await Promise.all([startLocalCloud({ awsHostnames: true }), bundlePage(bundleDir)]);
  cloud = started;
  site = await serveStatic(bundleDir);
  const port = new URL(cloud.endpoint).port;
  const rules = [...cloud.cloud.awsHostnames, FOREIGN].map((name) => `MAP ${name}:443 127.0.0.1:${port}`).join(', ');
  browser = await launchTrustingChromium(process.env.NODE_EXTRA_CA_CERTS!, [`--host-resolver-rules=${rules}`]);
  app = await openAppPage(browser, site.url, (page) => {
    page.on('websocket', (ws) => void sockets.push(ws.url()));
    page.on('request', (req) => void hosts.add(new URL(req.url()).host));
  });
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([site?.close(), cloud?.stop()]);
  if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
});

describe('AWS-hostname mode from headless Chromium', () => {
  it('configures aws-amplify from outputs without any custom endpoint', async () => {
    const outputs = cloud.outputs;
    expect(outputs.data?.url).toMatch(/^https:\/\/[a-z0-9]{26}\.appsync-api\.us-east-1\.amazonaws\.com\/graphql$/);
    expect(JSON.stringify(outputs)).not.toMatch(/user_pool_endpoint|identity_pool_endpoint|storage_endpoint/);
    const configured = await call('configure', outputs as Parameters<LocalCloudApp['configure']>[0]);
    expect(configured.userPoolEndpoint).toBeUndefined();
  });

  it('refuses an AWS name the backend does not serve: no certificate is issued for it', async () => {
    const refused = await call('probe', `https://${FOREIGN}/`);
    expect(refused.status).toBeUndefined();
    expect(refused.error).toMatch(/TypeError|Failed to fetch/);
    expect(await cloud.cloud.hostCertificates?.certificateFor(FOREIGN)).toBeUndefined();
  });

  it('signs up with the emailed code, confirms and signs in through cognito-idp.us-east-1.amazonaws.com', async () => {
    expect(await call('signUp', email, password, '+15555550143')).toBe('CONFIRM_SIGN_UP');
    const code = await until(async () => (await cloud.outbox({ channel: 'email', to: email })).pop()?.code, 10_000, 'verification email', 50);
    expect(await call('confirmSignUp', email, code)).toBe('DONE');

    const signedIn = await call('signIn', email, password);
    expect(signedIn).toMatchObject({ isSignedIn: true, hasIdToken: true });
    identityId = signedIn.identityId!;
    expect(identityId).toMatch(/^us-east-1:/);
    // The issuer a deployed pool has: native clients derive the identity pool's Logins key from it.
    expect(signedIn.issuer).toBe(`https://cognito-idp.us-east-1.amazonaws.com/${cloud.outputs.auth!.user_pool_id}`);
    expect(hosts).toContain('cognito-idp.us-east-1.amazonaws.com');
    expect(hosts).toContain('cognito-identity.us-east-1.amazonaws.com');
  });

  it('runs a GraphQL query and delivers a subscription event over the AppSync realtime host', async () => {
    const token = `apns-${randomUUID()}`;
    const report = await call('realtimeDevice', token);
    expect(report.received).toMatchObject({ id: report.createdId, token });
    const apiHost = new URL(cloud.outputs.data!.url).host;
    expect(sockets.some((url) => url.startsWith(`wss://${apiHost.replace('appsync-api', 'appsync-realtime-api')}/graphql`))).toBe(true);

    const listed = await call('listDeviceTokens');
    expect(listed.errors).toBeUndefined();
    expect(listed.tokens).toContain(token);
    expect(hosts).toContain(apiHost);
  });

  it('uploads to S3 at s3.us-east-1.amazonaws.com and reads the bytes back', async () => {
    const key = `private/${identityId}/hello.bin`;
    const up = await call('upload', key, 200_000);
    expect(up).toMatchObject({ path: key, size: 200_000 });
    expect(await call('download', key)).toMatchObject({ size: 200_000, sha256: up.sha256 });
    expect(hosts).toContain('s3.us-east-1.amazonaws.com');
  });

  it('sent nothing to the loopback address and raised no page error', () => {
    const port = new URL(cloud.endpoint).port;
    expect([...hosts].filter((h) => h.endsWith(`:${port}`))).toEqual([]);
    expect(app.errors).toEqual([]);
  });
});
