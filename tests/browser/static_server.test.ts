import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveStatic, type StaticSite } from './support/static_server.js';

let parent: string;
let site: StaticSite;

beforeAll(async () => {
  parent = mkdtempSync(path.join(tmpdir(), 'amplify-static-'));
  const root = path.join(parent, 'site');
  mkdirSync(path.join(root, 'assets'), { recursive: true });
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><p>home</p>');
  writeFileSync(path.join(root, 'assets', 'app-1a2b.js'), 'console.log(1)');
  writeFileSync(path.join(root, 'notes.txt'), 'not a web type');
  writeFileSync(path.join(parent, 'secret.js'), 'outside the site');
  site = await serveStatic(root);
});

afterAll(async () => {
  await site?.close();
  rmSync(parent, { recursive: true, force: true });
});

describe('the static server of the browser tests', () => {
  it('serves index.html at / and files in subfolders with their content type', async () => {
    const home = await fetch(`${site.url}/`);
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const asset = await fetch(`${site.url}/assets/app-1a2b.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await asset.text()).toBe('console.log(1)');
  });

  it('refuses paths outside its folder, unknown types, missing files and methods other than GET', async () => {
    // fetch() normalizes `..` away, so the escapes are sent as encoded segments the server decodes.
    for (const p of ['/%2e%2e/secret.js', '/assets/%2e%2e%2f%2e%2e%2fsecret.js', '/..%2fsecret.js', '/notes.txt', '/missing.js', '/%E0%A4%A.js']) {
      expect((await fetch(`${site.url}${p}`)).status, p).toBe(404);
    }
    expect((await fetch(`${site.url}/assets/app-1a2b.js`, { method: 'POST', body: 'x' })).status).toBe(404);
  });
});
