import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { afterEach, describe, expect, it } from 'vitest';
import { BucketStore, type ObjectMeta } from '../../../src/local/storage/object_store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function bucketDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'object-store-'));
  dirs.push(dir);
  return dir;
}

const md5 = (s: string) => `"${createHash('md5').update(s).digest('hex')}"`;
const meta = (key: string, body: string): ObjectMeta => ({ key, size: body.length, etag: md5(body), contentType: 'text/plain', lastModified: new Date(0).toISOString(), userMetadata: {}, headers: {}, checksums: {} });

async function put(store: BucketStore, key: string, body: string): Promise<void> {
  const tmp = store.tempPath();
  writeFileSync(tmp, body);
  await store.commit(tmp, meta(key, body));
}

/** A store whose metadata write dies after `okWrites` successes: the process "crashes" at that point. */
class CrashingStore extends BucketStore {
  constructor(name: string, dir: string, private okWrites: number) {
    super(name, dir);
  }
  protected override writeMeta(file: string, m: ObjectMeta): Promise<void> {
    if (this.okWrites-- <= 0) return Promise.reject(new Error('killed before the metadata was written'));
    return super.writeMeta(file, m);
  }
}

describe('BucketStore crash safety', () => {
  it('an overwrite interrupted before its metadata leaves the previous object whole (bytes match its ETag)', async () => {
    const dir = bucketDir();
    const crashing = new CrashingStore('b', dir, 1);
    await crashing.open();
    await put(crashing, 'photo.jpg', 'version one');
    await expect(put(crashing, 'photo.jpg', 'version two, longer')).rejects.toThrow(/killed/);

    const reopened = new BucketStore('b', dir);
    await reopened.open();
    const head = reopened.head('photo.jpg')!;
    const body = await text(reopened.read('photo.jpg'));
    expect(body).toBe('version one');
    expect(head.etag).toBe(md5(body));
    expect(head.size).toBe(body.length);
    // The interrupted write's bytes are not kept around.
    expect(readdirSync(path.join(dir, 'objects')).filter((f) => f.endsWith('.bin'))).toHaveLength(1);
  });

  it('a completed overwrite replaces bytes and metadata together and removes the old bytes', async () => {
    const dir = bucketDir();
    const store = new BucketStore('b', dir);
    await store.open();
    await put(store, 'a.txt', 'first');
    const reading = store.read('a.txt');
    await put(store, 'a.txt', 'second!');
    // A download that started before the overwrite finishes with the version it started on.
    expect(await text(reading)).toBe('first');
    expect(await text(store.read('a.txt'))).toBe('second!');
    expect(store.head('a.txt')!.etag).toBe(md5('second!'));
    expect(readdirSync(path.join(dir, 'objects')).filter((f) => f.endsWith('.bin'))).toHaveLength(1);

    const reopened = new BucketStore('b', dir);
    await reopened.open();
    expect(await text(reopened.read('a.txt'))).toBe('second!');
  });

  it('concurrent overwrites of one key end with metadata and bytes of the same write', async () => {
    const dir = bucketDir();
    const store = new BucketStore('b', dir);
    await store.open();
    const bodies = Array.from({ length: 20 }, (_, i) => `body ${i} ${'x'.repeat(i * 37)}`);
    await Promise.all(bodies.map((b) => put(store, 'k', b)));
    const reopened = new BucketStore('b', dir);
    await reopened.open();
    const body = await text(reopened.read('k'));
    expect(bodies).toContain(body);
    expect(reopened.head('k')!.etag).toBe(md5(body));
    expect(readdirSync(path.join(dir, 'objects')).filter((f) => f.endsWith('.bin'))).toHaveLength(1);
  });

  it('reads objects stored in the earlier layout (bytes in <hash>.bin, no dataFile in the metadata)', async () => {
    const dir = bucketDir();
    const hashed = createHash('sha256').update('old.txt').digest('hex');
    const objects = path.join(dir, 'objects');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(objects, { recursive: true });
    writeFileSync(path.join(objects, `${hashed}.bin`), 'legacy bytes');
    writeFileSync(path.join(objects, `${hashed}.json`), JSON.stringify(meta('old.txt', 'legacy bytes')));
    const store = new BucketStore('b', dir);
    await store.open();
    expect(await text(store.read('old.txt'))).toBe('legacy bytes');
    await put(store, 'old.txt', 'new bytes');
    expect(readdirSync(objects).filter((f) => f.endsWith('.bin'))).toHaveLength(1);
    expect(await store.delete('old.txt')).toBe(true);
    expect(readdirSync(objects)).toEqual([]);
  });
});
