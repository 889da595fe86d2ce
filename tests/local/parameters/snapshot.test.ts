import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ParameterStore } from '../../../src/local/parameters/parameter_store.js';
import { parametersSnapshot } from '../../../src/local/parameters/snapshot.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'parameters-snapshot-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const who = 'arn:aws:iam::123456789012:user/local-developer';

describe('parameters snapshot', () => {
  it('exports plain parameters but never a SecureString, and an import keeps the secrets already set', async () => {
    const source = new ParameterStore(tempDir());
    source.put({ name: '/app/greeting', value: 'hello', type: 'String' }, 1, who);
    source.put({ name: '/app/greeting', value: 'hi', overwrite: true }, 2, who);
    source.put({ name: '/app/token', value: 'sk_live_do_not_commit', type: 'SecureString' }, 3, who);
    const dir = tempDir();
    const out = await parametersSnapshot(source).export(dir);
    expect(out).toEqual({ counts: { parameters: 1 }, warnings: ['1 SecureString parameter(s) not exported (secrets stay out of snapshots)'] });
    expect(readFileSync(path.join(dir, 'parameters.json'), 'utf8')).not.toContain('sk_live');

    const target = new ParameterStore(tempDir());
    target.put({ name: '/app/token', value: 'my-local-secret', type: 'SecureString' }, 1, who);
    target.put({ name: '/app/stale', value: 'gone', type: 'String' }, 1, who);
    await (await parametersSnapshot(target).prepareImport(dir)).apply();
    expect(target.list().map((p) => [p.name, p.versions.map((v) => v.value)])).toEqual([
      ['/app/greeting', ['hello', 'hi']],
      ['/app/token', ['my-local-secret']],
    ]);
  });

  it('rejects a SecureString or an invalid name written into the file by hand', async () => {
    const dir = tempDir();
    const version = { version: 1, value: 'v', type: 'SecureString', tier: 'Standard', dataType: 'text', modifiedAt: 1, modifiedBy: who, labels: [] };
    writeFileSync(path.join(dir, 'parameters.json'), JSON.stringify({ parameters: [{ name: '/x', versions: [version] }] }));
    const store = new ParameterStore(tempDir());
    await expect(parametersSnapshot(store).prepareImport(dir)).rejects.toThrow(/snapshots do not hold secrets/);
    writeFileSync(path.join(dir, 'parameters.json'), JSON.stringify({ parameters: [{ name: 'a/b', versions: [{ ...version, type: 'String' }] }] }));
    await expect(parametersSnapshot(store).prepareImport(dir)).rejects.toThrow(/invalid name/);
  });
});
