import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { StorageBucketModel } from '../../../src/local/assembly/model.js';
import { MultipartStore } from '../../../src/local/storage/multipart.js';
import { BucketStore } from '../../../src/local/storage/object_store.js';
import type { Bucket } from '../../../src/local/storage/s3_request.js';
import { objectFiles, storageSnapshot } from '../../../src/local/storage/snapshot.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'storage-snapshot-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const bucketModel = { logicalId: 'Bucket1', friendlyName: 'media', bucketName: 'media.local-bucket', isDefault: true } as StorageBucketModel;

async function bucket(dir: string): Promise<Bucket> {
  const b: Bucket = { name: bucketModel.bucketName, store: new BucketStore(bucketModel.bucketName, dir), uploads: new MultipartStore(dir), readOnly: false, versioned: false };
  await b.store.open();
  return b;
}

const meta = (key: string) => ({ key, contentType: 'application/octet-stream', lastModified: '2026-01-01T00:00:00.000Z', userMetadata: { a: '1' }, headers: {}, checksums: {} });

describe('storage snapshot', () => {
  it('stores plain keys at their own path and every other key under a hash', () => {
    const files = objectFiles(['photos/a.png', 'photos/', 'a/../b', 'dir', 'dir/inner', 'Case.txt', 'case.txt', 'x\\y', '']);
    expect(files.get('photos/a.png')).toBe('objects/photos/a.png');
    expect(files.get('dir/inner')).toBe('objects/dir/inner');
    expect(files.get('Case.txt')).toBe('objects/Case.txt');
    for (const k of ['photos/', 'a/../b', 'dir', 'case.txt', 'x\\y', '']) expect(files.get(k)).toMatch(/^encoded\/[0-9a-f]{64}$/);
  });

  it('round-trips objects byte for byte with their metadata', async () => {
    const source = await bucket(tempDir());
    const bytes = Buffer.from(Array.from({ length: 600 }, (_, i) => i % 256));
    await source.store.putBuffer(meta('docs/../odd key'), bytes);
    await source.store.putBuffer(meta('docs/readme.txt'), Buffer.from('hello'));
    const dir = tempDir();
    expect((await storageSnapshot([bucketModel], new Map([[source.name, source]])).export(dir)).counts).toEqual({ buckets: 1, objects: 2 });
    expect(readFileSync(path.join(dir, 'media', 'objects', 'docs', 'readme.txt'), 'utf8')).toBe('hello');

    const target = await bucket(tempDir());
    await target.store.putBuffer(meta('old'), Buffer.from('gone after import'));
    const plan = await storageSnapshot([bucketModel], new Map([[target.name, target]])).prepareImport(dir);
    await plan.apply();
    expect([...target.store.iterate('', '')].map((m) => [m.key, m.size, m.userMetadata])).toEqual([
      ['docs/../odd key', 600, { a: '1' }],
      ['docs/readme.txt', 5, { a: '1' }],
    ]);
    expect(readFileSync(target.store.dataFile('docs/../odd key')).equals(bytes)).toBe(true);
  });

  it('refuses a manifest entry pointing outside the snapshot, or bytes that differ from the ETag', async () => {
    const source = await bucket(tempDir());
    await source.store.putBuffer(meta('a.txt'), Buffer.from('abc'));
    const dir = tempDir();
    await storageSnapshot([bucketModel], new Map([[source.name, source]])).export(dir);
    const manifestFile = path.join(dir, 'media', 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    const target = await bucket(tempDir());
    const snap = storageSnapshot([bucketModel], new Map([[target.name, target]]));

    writeFileSync(manifestFile, JSON.stringify({ ...manifest, objects: [{ ...manifest.objects[0], file: '../../../etc/hostname' }] }));
    await expect(snap.prepareImport(dir)).rejects.toThrow(/points outside the snapshot folder/);
    writeFileSync(manifestFile, JSON.stringify(manifest));
    writeFileSync(path.join(dir, 'media', 'objects', 'a.txt'), 'abd');
    await expect(snap.prepareImport(dir)).rejects.toThrow(/does not match its ETag/);

    mkdirSync(path.join(dir, 'unknown'));
    writeFileSync(path.join(dir, 'media', 'objects', 'a.txt'), 'abc');
    const plan = await snap.prepareImport(dir);
    expect(plan.warnings).toEqual(['bucket unknown is not in this backend: skipped (buckets here: media)']);
  });
});
