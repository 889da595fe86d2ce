import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CorruptStateError, DebouncedSave, JsonFile, moveIntoPlace, writeFileAtomic, writeFileAtomicAsync } from '../../../src/local/core/persist.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'persist-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('JsonFile', () => {
  it('returns the fallback before anything is saved, then the saved value', () => {
    const file = new JsonFile<{ n: number }>(dir, 'state.json', () => ({ n: 0 }));
    expect(file.load()).toEqual({ n: 0 });
    file.save({ n: 42 });
    expect(new JsonFile<{ n: number }>(dir, 'state.json').load()).toEqual({ n: 42 });
  });

  it('creates missing parent folders on save', () => {
    const file = new JsonFile<string[]>(path.join(dir, 'a', 'b'), 'list.json');
    file.save(['x']);
    expect(file.load()).toEqual(['x']);
  });

  it('reports a corrupt file with its path and how to recover', () => {
    writeFileSync(path.join(dir, 'bad.json'), '{"half":');
    const file = new JsonFile(dir, 'bad.json');
    expect(() => file.load()).toThrow(CorruptStateError);
    expect(() => file.load()).toThrow(/bad\.json.*delete it/s);
  });

  it('leaves no temp files behind after saving', () => {
    const file = new JsonFile<number>(dir, 'n.json');
    for (let i = 0; i < 5; i++) file.save(i);
    expect(readdirSync(dir)).toEqual(['n.json']);
  });

  it('ignores a temp file left by a crash and keeps the last complete content', () => {
    const file = new JsonFile<{ v: string }>(dir, 'state.json');
    file.save({ v: 'complete' });
    writeFileSync(path.join(dir, '.state.json.999.0.tmp'), '{"v": "half-writ');
    expect(file.load()).toEqual({ v: 'complete' });
  });
});

describe('writeFileAtomic', () => {
  it('never exposes a partial file when the writing process is killed mid-write', async () => {
    const target = path.join(dir, 'big.json');
    const a = JSON.stringify({ version: 'A', pad: 'a'.repeat(4 * 1024 * 1024) });
    writeFileAtomic(target, a);
    // A child rewrites the file in a tight loop with alternating 4 MB documents; we SIGKILL it mid-loop.
    const script = `
      import { writeFileAtomic } from ${JSON.stringify(path.resolve(import.meta.dirname, '../../../src/local/core/persist.ts'))};
      const docs = ['A', 'B'].map((v) => JSON.stringify({ version: v, pad: v.toLowerCase().repeat(4 * 1024 * 1024) }));
      process.stdout.write('ready\\n');
      for (let i = 0; ; i++) writeFileAtomic(${JSON.stringify(target)}, docs[i % 2]);
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    const loaded = new JsonFile<{ version: string; pad: string }>(target).load()!;
    expect(['A', 'B']).toContain(loaded.version);
    expect(loaded.pad).toHaveLength(4 * 1024 * 1024);
  });
});

describe('writeFileAtomicAsync and moveIntoPlace', () => {
  it('replace the target whole and leave no temp file beside it', async () => {
    const target = path.join(dir, 'sub', 'meta.json');
    await writeFileAtomicAsync(target, '{"v":1}');
    await Promise.all([1, 2, 3, 4].map((v) => writeFileAtomicAsync(target, `{"v":${v}}`)));
    expect([1, 2, 3, 4]).toContain((JSON.parse(readFileSync(target, 'utf8')) as { v: number }).v);
    expect(readdirSync(path.join(dir, 'sub'))).toEqual(['meta.json']);

    const streamed = path.join(dir, 'sub', 'upload.part');
    writeFileSync(streamed, 'bytes');
    await moveIntoPlace(streamed, path.join(dir, 'sub', 'object.bin'));
    expect(readdirSync(path.join(dir, 'sub')).sort()).toEqual(['meta.json', 'object.bin']);
    expect(readFileSync(path.join(dir, 'sub', 'object.bin'), 'utf8')).toBe('bytes');
  });

  it('leave the old content when the write fails', async () => {
    const target = path.join(dir, 'kept.json');
    await writeFileAtomicAsync(target, 'old');
    await expect(moveIntoPlace(path.join(dir, 'missing.part'), target)).rejects.toThrow(/ENOENT/);
    expect(readFileSync(target, 'utf8')).toBe('old');
  });
});

describe('DebouncedSave', () => {
  it('whenSaved brings a scheduled write forward and resolves once it ran; one write serves a whole turn', async () => {
    const writes: number[] = [];
    const saver = new DebouncedSave(() => void writes.push(writes.length), 60_000);
    await saver.whenSaved(); // nothing pending: at once, no write
    expect(writes).toEqual([]);
    saver.schedule();
    saver.schedule();
    const a = saver.whenSaved();
    const b = saver.whenSaved();
    expect(writes).toEqual([]);
    await Promise.all([a, b]);
    expect(writes).toEqual([0]);
  });

  it('rejects the waiters when the write fails, and a cancelled write releases them', async () => {
    const saver = new DebouncedSave(() => {
      throw new Error('disk full');
    }, 60_000);
    saver.schedule();
    await expect(saver.whenSaved()).rejects.toThrow('disk full');
    const quiet = new DebouncedSave(() => {}, 60_000);
    quiet.schedule();
    const waiting = quiet.whenSaved();
    quiet.cancel();
    await expect(waiting).resolves.toBeUndefined();
  });
});
