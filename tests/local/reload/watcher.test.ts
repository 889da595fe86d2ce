import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isIgnored, watchTree, type Watcher } from '../../../src/local/reload/watcher.js';
import { until } from '../../helpers/until.js';

describe('isIgnored', () => {
  it("ignores editors' temporary files, node_modules and dot folders", () => {
    for (const f of ['data/.resource.ts.swp', 'data/resource.ts~', 'data/#resource.ts#', 'data/.#resource.ts', 'data/4913', 'node_modules/x/index.js', '.amplify/cache/a', 'data/resource.ts.tmp.1234', 'data/resource.ts___jb_tmp___']) {
      expect(isIgnored(f), f).toBe(true);
    }
  });

  it('watches source files', () => {
    for (const f of ['backend.ts', 'data/resource.ts', 'functions/say-hello/handler.ts', 'custom/stack.mjs', 'package.json']) expect(isIgnored(f), f).toBe(false);
  });
});

describe('watchTree', () => {
  let dir: string;
  let watcher: Watcher | undefined;
  afterEach(() => {
    watcher?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reports a burst of saves once, including files in folders created after it started', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'watch-'));
    const bursts: string[][] = [];
    watcher = watchTree(dir, { debounceMs: 200, onChange: (files) => bursts.push(files), onError: () => {} });
    mkdirSync(path.join(dir, 'data'));
    writeFileSync(path.join(dir, 'data', 'resource.ts'), 'a');
    writeFileSync(path.join(dir, 'data', 'resource.ts'), 'b');
    const [burst] = await until(() => (bursts.length ? bursts : undefined), 10_000, 'the burst');
    expect(burst).toContain('data/resource.ts');
    bursts.length = 0;
    writeFileSync(path.join(dir, 'data', 'other.ts'), 'c');
    expect((await until(() => (bursts.length ? bursts : undefined), 10_000, 'the second burst'))[0]).toContain('data/other.ts');
  });

  it('keeps seeing a file that editors save by renaming a temporary file over it', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'watch-'));
    mkdirSync(path.join(dir, 'data'));
    const file = path.join(dir, 'data', 'resource.ts');
    writeFileSync(file, 'a');
    const bursts: string[][] = [];
    watcher = watchTree(dir, { debounceMs: 50, onChange: (files) => bursts.push(files), onError: () => {} });
    for (const content of ['b', 'c', 'd']) {
      bursts.length = 0;
      writeFileSync(`${file}.tmp`, content);
      renameSync(`${file}.tmp`, file);
      const [burst] = await until(() => (bursts.length ? bursts : undefined), 10_000, `the save of ${content}`);
      expect(burst).toContain('data/resource.ts');
    }
  });

  it('does not report saves of temporary files alone', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'watch-'));
    const bursts: string[][] = [];
    watcher = watchTree(dir, { debounceMs: 50, onChange: (files) => bursts.push(files), onError: () => {} });
    writeFileSync(path.join(dir, '.resource.ts.swp'), 'x');
    writeFileSync(path.join(dir, 'marker.ts'), 'x');
    const [burst] = await until(() => (bursts.length ? bursts : undefined), 10_000, 'the marker burst');
    expect(burst).toEqual(['marker.ts']);
  });
});
