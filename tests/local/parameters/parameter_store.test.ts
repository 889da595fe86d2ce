import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CorruptStateError } from '../../../src/local/core/persist.js';
import { LockTimeoutError } from '../../../src/local/parameters/file_lock.js';
import { ParameterStore } from '../../../src/local/parameters/parameter_store.js';

let dir: string;
const put = (store: ParameterStore, name: string, value: string, overwrite = true) => store.put({ name, value, type: 'String', overwrite }, 1000, 'tester');

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'parameters-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function spawnTsx(script: string, args: string[]) {
  const tsx = path.join(path.dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist', 'cli.mjs');
  return spawn(process.execPath, [tsx, script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
}

describe('the parameter store shared by the local cloud and the CLI', () => {
  it('sees a change another writer made to the same file, and builds the next version on it', () => {
    const cloud = new ParameterStore(dir);
    const cli = new ParameterStore(dir);
    put(cloud, '/a', 'one', false);
    expect(cli.get('/a')!.versions.map((v) => v.value)).toEqual(['one']);
    put(cli, '/a', 'two');
    expect(cloud.get('/a')!.versions.map((v) => [v.version, v.value])).toEqual([
      [1, 'one'],
      [2, 'two'],
    ]);
    cli.delete(['/a']);
    expect(cloud.get('/a')).toBeUndefined();
  });

  it('loses no update when another process writes at the same time', async () => {
    const count = 40;
    const child = spawnTsx(path.join(import.meta.dirname, 'fixtures', 'put_many.ts'), [dir, '/race', String(count)]);
    const closed = new Promise((resolve) => child.on('close', resolve));
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    const store = new ParameterStore(dir);
    for (let i = 0; i < count; i++) {
      put(store, '/race', `parent-${i}`);
      await new Promise((r) => setImmediate(r));
    }
    await closed;
    const versions = store.get('/race')!.versions;
    expect(versions.map((v) => v.version)).toEqual(Array.from({ length: 2 * count }, (_, i) => i + 1));
    expect(versions.filter((v) => v.value.startsWith('child-'))).toHaveLength(count);
  }, 60_000);

  it('takes over a lock left by a process that died', async () => {
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => dead.on('close', resolve));
    writeFileSync(path.join(dir, 'parameters.lock'), String(dead.pid));
    put(new ParameterStore(dir), '/after-crash', 'ok', false);
    expect(new ParameterStore(dir).get('/after-crash')).toBeDefined();
    expect(existsSync(path.join(dir, 'parameters.lock'))).toBe(false);
  });

  it('waits for a live holder of the lock, then gives up with a resolution and writes nothing', async () => {
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    const closed = new Promise((resolve) => holder.on('close', resolve));
    try {
      writeFileSync(path.join(dir, 'parameters.lock'), String(holder.pid));
      const store = new ParameterStore(dir, { lockWaitMs: 100 });
      expect(() => put(store, '/blocked', 'v', false)).toThrow(LockTimeoutError);
      expect(() => put(store, '/blocked', 'v', false)).toThrow(/Resolution: wait for it to finish/);
      expect(existsSync(store.file)).toBe(false);
    } finally {
      holder.kill();
      await closed;
    }
    put(new ParameterStore(dir), '/blocked', 'v', false);
    expect(new ParameterStore(dir).get('/blocked')).toBeDefined();
  });

  it('keeps the file readable by its owner only, since SecureString values are stored in clear', () => {
    const store = new ParameterStore(dir);
    store.put({ name: '/s', value: 'v', type: 'SecureString' }, 1000, 'tester');
    expect(statSync(store.file).mode & 0o777).toBe(0o600);
  });

  it('keeps the 100 newest versions, as SSM does', () => {
    const store = new ParameterStore(dir);
    for (let i = 1; i <= 101; i++) put(store, '/many', `v${i}`);
    const versions = store.get('/many')!.versions;
    expect(versions).toHaveLength(100);
    expect(versions[0].version).toBe(2);
    expect(versions[99]).toMatchObject({ version: 101, value: 'v101' });
  });

  it('changes nothing when a put is refused', () => {
    const store = new ParameterStore(dir);
    put(store, '/x', 'one', false);
    const before = readFileSync(store.file, 'utf8');
    expect(() => put(store, '/x', 'two', false)).toThrow(expect.objectContaining({ type: 'ParameterAlreadyExists' }));
    expect(() => put(store, 'bad name', 'v')).toThrow(expect.objectContaining({ type: 'ValidationException' }));
    expect(readFileSync(store.file, 'utf8')).toBe(before);
  });

  it('names the file and the way out when the file is corrupt', () => {
    writeFileSync(path.join(dir, 'parameters.json'), '{ not json');
    const err = (() => {
      try {
        new ParameterStore(dir).list();
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(CorruptStateError);
    expect((err as Error).message).toMatch(/parameters\.json.*Resolution: delete it/);
  });
});
