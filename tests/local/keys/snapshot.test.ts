import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { KmsKeyModel } from '../../../src/local/assembly/model.js';
import { KeyMaterialStore } from '../../../src/local/keys/key_material.js';
import { LocalKms } from '../../../src/local/keys/local_kms.js';
import { keysSnapshot } from '../../../src/local/keys/snapshot.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'keys-snapshot-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const key = (keyId: string, aliases: string[] = []): KmsKeyModel => ({
  logicalId: 'Key',
  keyId,
  arn: `arn:aws:kms:us-east-1:123456789012:key/${keyId}`,
  enabled: true,
  keySpec: 'SYMMETRIC_DEFAULT',
  keyUsage: 'ENCRYPT_DECRYPT',
  rotationEnabled: false,
  aliases,
});
const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';
const material = (dir = tempDir()) => {
  const m = new KeyMaterialStore(dir, (n) => Buffer.alloc(n, Math.floor(Math.random() * 255)), () => Date.UTC(2026, 0, 1));
  m.load();
  return m;
};

describe('keys snapshot', () => {
  it('carries the material so a ciphertext made before the export decrypts after the import', async () => {
    const keys = [key(A, ['alias/app'])];
    const source = material();
    const blob = new LocalKms(keys, 'us-east-1', '123456789012', source, (n) => Buffer.alloc(n, 9)).encrypt(A, Buffer.from('seeded'), {}).ciphertextBlob;
    const dir = tempDir();
    expect((await keysSnapshot(keys, source).export(dir)).counts).toEqual({ keys: 1 });

    const target = material();
    await (await keysSnapshot(keys, target).prepareImport(dir)).apply();
    expect(new LocalKms(keys, 'us-east-1', '123456789012', target, (n) => Buffer.alloc(n)).decrypt(blob, {}).plaintext.toString()).toBe('seeded');
  });

  it('matches a key of another id by alias, skips unknown keys, and rejects material of the wrong size', async () => {
    const source = material();
    source.get(A);
    const dir = tempDir();
    await keysSnapshot([key(A, ['alias/app'])], source).export(dir);

    const byAlias = await keysSnapshot([key(B, ['alias/app'])], material()).prepareImport(dir);
    expect([byAlias.counts, byAlias.warnings]).toEqual([{ keys: 1 }, []]);
    const unknown = await keysSnapshot([key(B)], material()).prepareImport(dir);
    expect([unknown.counts, unknown.warnings]).toEqual([{ keys: 0 }, [`key ${A} (alias/app) is not in this backend: skipped`]]);

    const file = path.join(dir, 'keys.json');
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ keys: [{ ...doc.keys[0], material: Buffer.alloc(16).toString('base64') }] }));
    await expect(keysSnapshot([key(A)], material()).prepareImport(dir)).rejects.toThrow(/"material" must be 32 bytes in base64/);
  });
});
