import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { snapshotRoute, type SnapshotAdminDeps } from '../../../src/local/core/snapshot_admin.js';
import { SnapshotError, type SnapshotManifest } from '../../../src/local/core/snapshot_format.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function deps(fail?: Error): SnapshotAdminDeps {
  const root = mkdtempSync(path.join(tmpdir(), 'snapshot-admin-'));
  dirs.push(root);
  // A secret beside the exports folder: no path may reach it.
  writeFileSync(path.join(root, 'secret.txt'), 'not for export');
  return {
    exportsDir: path.join(root, 'exports'),
    now: () => Date.UTC(2026, 0, 1),
    async exportSnapshot(dir) {
      if (fail) throw fail;
      mkdirSync(path.join(dir, 'data'), { recursive: true });
      writeFileSync(path.join(dir, 'snapshot.json'), '{}');
      writeFileSync(path.join(dir, 'data', 'Post Items.jsonl'), '{"id":{"S":"1"}}\n');
      return { format: 'amplify-local-snapshot', version: 1 } as SnapshotManifest;
    },
  };
}

const call = (d: SnapshotAdminDeps, method: string, p: string) => snapshotRoute(d, new Request(`https://127.0.0.1:1${p}`, { method }), new URL(`https://127.0.0.1:1${p}`));

describe('export admin routes', () => {
  it('exports once, serves each file, and drops the copy on DELETE', async () => {
    const d = deps();
    const res = (await call(d, 'POST', '/_local/export'))!;
    const body = (await res.json()) as { id: string; files: { path: string; size: number }[] };
    expect(body.files).toEqual([
      { path: 'data/Post Items.jsonl', size: 17 },
      { path: 'snapshot.json', size: 2 },
    ]);
    const file = (await call(d, 'GET', `/_local/export/${body.id}/data/Post%20Items.jsonl`))!;
    expect([file.status, await file.text()]).toEqual([200, '{"id":{"S":"1"}}\n']);
    expect((await call(d, 'DELETE', `/_local/export/${body.id}`))!.status).toBe(200);
    expect(existsSync(path.join(d.exportsDir, body.id))).toBe(false);
    expect((await call(d, 'GET', `/_local/export/${body.id}/snapshot.json`))!.status).toBe(404);
  });

  it('answers 404 for paths outside the export and 405 for the wrong method, never another file', async () => {
    const d = deps();
    const { id } = (await (await call(d, 'POST', '/_local/export'))!.json()) as { id: string };
    for (const p of [`/_local/export/${id}/..%2F..%2Fsecret.txt`, `/_local/export/${id}/..%2Fsnapshot.json`, '/_local/export/nope/snapshot.json']) {
      const res = (await call(d, 'GET', p))!;
      expect(res.status, p).toBe(404);
      expect(await res.text()).not.toContain('not for export');
    }
    // Dot segments the URL itself resolves never reach an export.
    expect(await call(d, 'GET', `/_local/export/${id}/%2E%2E/%2E%2E/secret.txt`)).toBeUndefined();
    expect((await call(d, 'GET', `/_local/export/${id}/%zz`))!.status).toBe(400);
    expect((await call(d, 'GET', '/_local/export'))!.status).toBe(405);
    expect((await call(d, 'POST', `/_local/export/${id}/snapshot.json`))!.status).toBe(405);
    expect(await call(d, 'GET', '/_local/health')).toBeUndefined();
  });

  it('turns a snapshot problem into a 400 with its resolution', async () => {
    const res = (await call(deps(new SnapshotError('cannot', 'do this')), 'POST', '/_local/export'))!;
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ message: 'cannot. Resolution: do this' });
  });
});
