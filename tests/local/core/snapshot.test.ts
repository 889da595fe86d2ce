import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BackendModel } from '../../../src/local/assembly/model.js';
import type { LocalService, ServiceName } from '../../../src/local/core/service.js';
import { exportSnapshot, importSnapshot, readManifest } from '../../../src/local/core/snapshot.js';
import { SnapshotError, insideDir } from '../../../src/local/core/snapshot_format.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'snapshot-core-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const model = { region: 'us-east-1', accountId: '123456789012', functions: [], messaging: { pinpointApps: [], kinesisStreams: [] } } as unknown as BackendModel;

/** A service keeping a list of strings in `values.json`, with a log of what happened to it. */
function fakeService(name: ServiceName, state: string[], log: string[], opts: { failImport?: boolean } = {}): LocalService {
  return {
    name,
    matches: () => false,
    fetch: async () => new Response(null, { status: 404 }),
    start: async () => undefined,
    stop: async () => undefined,
    reset: async () => {
      state.length = 0;
      log.push(`${name}:reset`);
    },
    snapshot: {
      async export(dir) {
        writeFileSync(path.join(dir, 'values.json'), JSON.stringify(state));
        return { counts: { values: state.length } };
      },
      async prepareImport(dir) {
        if (opts.failImport) throw new SnapshotError(`${name}: bad part`, 'fix it');
        const values = existsSync(path.join(dir, 'values.json')) ? (JSON.parse(readFileSync(path.join(dir, 'values.json'), 'utf8')) as string[]) : [];
        return {
          counts: { values: values.length },
          warnings: [],
          apply: async () => {
            state.splice(0, state.length, ...values);
            log.push(`${name}:apply`);
          },
        };
      },
    },
  };
}

function stateless(name: ServiceName, log: string[]): LocalService {
  return { name, matches: () => false, fetch: async () => new Response(null), start: async () => undefined, stop: async () => undefined, reset: async () => void log.push(`${name}:reset`) };
}

const deps = (services: LocalService[], lines: string[] = []) => ({ model, services, now: () => Date.UTC(2026, 0, 1), onProgress: (l: string) => lines.push(l), clearOutbox: () => lines.push('outbox cleared') });

describe('snapshot export and import', () => {
  it('writes a versioned manifest listing each part or why a service has none, and reads it back', async () => {
    const dir = path.join(tempDir(), 'seed');
    const log: string[] = [];
    const manifest = await exportSnapshot(deps([fakeService('auth', ['a', 'b'], log), stateless('sts', log)]), dir);
    expect(manifest).toMatchObject({ format: 'amplify-local-snapshot', version: 1, createdAt: '2026-01-01T00:00:00.000Z' });
    expect(manifest.services).toEqual({ auth: { exported: true, counts: { values: 2 } }, sts: { exported: false, reason: expect.stringContaining('keeps no state') } });
    expect(readManifest(dir)).toEqual(manifest);
    expect(JSON.parse(readFileSync(path.join(dir, 'auth', 'values.json'), 'utf8'))).toEqual(['a', 'b']);
  });

  it('replaces an earlier snapshot whole, but never a folder holding something else', async () => {
    const root = tempDir();
    const dir = path.join(root, 'seed');
    const log: string[] = [];
    await exportSnapshot(deps([fakeService('auth', ['a'], log)]), dir);
    writeFileSync(path.join(dir, 'stale.txt'), 'left over');
    await exportSnapshot(deps([fakeService('auth', ['b'], log)]), dir);
    expect(existsSync(path.join(dir, 'stale.txt'))).toBe(false);

    const project = path.join(root, 'project');
    mkdirSync(project);
    writeFileSync(path.join(project, 'package.json'), '{}');
    await expect(exportSnapshot(deps([fakeService('auth', ['a'], log)]), project)).rejects.toThrow(/is not empty and holds no snapshot.json/);
    expect(readFileSync(path.join(project, 'package.json'), 'utf8')).toBe('{}');
  });

  it('imports every part only after all were checked: one bad part changes nothing', async () => {
    const dir = path.join(tempDir(), 'seed');
    const log: string[] = [];
    await exportSnapshot(deps([fakeService('auth', ['a'], log), fakeService('data', ['x'], log)]), dir);
    const auth = ['current'];
    const data = ['current'];
    await expect(importSnapshot(deps([fakeService('auth', auth, log), fakeService('data', data, log, { failImport: true })]), dir)).rejects.toThrow('data: bad part');
    expect([auth, data, log]).toEqual([['current'], ['current'], []]);

    const lines: string[] = [];
    const reports = await importSnapshot(deps([fakeService('auth', auth, log), fakeService('data', data, log), stateless('queues', log)], lines), dir);
    expect([auth, data]).toEqual([['a'], ['x']]);
    // An import replaces: a service with no part starts empty, and so does the outbox.
    expect(log).toEqual(['auth:apply', 'data:apply', 'queues:reset']);
    expect(reports.map((r) => [r.service, r.counts])).toEqual([['auth', { values: 1 }], ['data', { values: 1 }]]);
    expect(lines).toContainEqual(expect.stringMatching(/^auth: values 1 \(\d+ ms: checked \d+ ms, written \d+ ms\)$/));
    expect(lines).toContain('outbox cleared');

    const elsewhere = { ...model, region: 'eu-west-1' } as BackendModel;
    const notes: string[] = [];
    await importSnapshot({ ...deps([fakeService('auth', auth, log)], notes), model: elsewhere }, dir);
    expect(notes[0]).toBe('the snapshot was taken in us-east-1, this backend is in eu-west-1: user and identity pools whose ids differ are matched by logical id, KMS keys by alias');
  });

  it('says what to do with a snapshot of another version, or a folder that is not one', async () => {
    const dir = path.join(tempDir(), 'seed');
    await exportSnapshot(deps([]), dir);
    const file = path.join(dir, 'snapshot.json');
    const manifest = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...manifest, version: 7 }));
    expect(() => readManifest(dir)).toThrow(expect.objectContaining({ message: expect.stringContaining('version 7 snapshot; this local cloud reads version 1'), resolution: expect.stringContaining('newer') }));
    writeFileSync(file, JSON.stringify({ ...manifest, version: 0 }));
    expect(() => readManifest(dir)).toThrow(expect.objectContaining({ resolution: expect.stringContaining('--export-on-exit') }));
    writeFileSync(file, '{ not json');
    expect(() => readManifest(dir)).toThrow(/not valid JSON/);
    rmSync(file);
    expect(() => readManifest(dir)).toThrow(/has no snapshot.json/);
  });

  it('keeps paths a manifest names inside the snapshot', () => {
    const root = tempDir();
    expect(insideDir(root, 'objects/a/b.png', 'x')).toBe(path.join(root, 'objects', 'a', 'b.png'));
    expect(() => insideDir(root, '../outside', 'x')).toThrow(/points outside the snapshot folder/);
    expect(() => insideDir(root, '/etc/passwd', 'x')).toThrow(/points outside/);
  });
});
