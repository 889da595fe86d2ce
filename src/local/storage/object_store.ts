import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32 } from 'node:zlib';
import { BodyTooLargeError } from '../core/aws_errors.js';
import { moveIntoPlace, writeFileAtomicAsync } from '../core/persist.js';

/** What S3 keeps about an object besides its bytes. */
export interface ObjectMeta {
  key: string;
  size: number;
  /** Quoted, as S3 returns it. */
  etag: string;
  contentType: string;
  lastModified: string;
  /** `x-amz-meta-*` headers without the prefix. */
  userMetadata: Record<string, string>;
  /** Standard headers S3 stores and returns. */
  headers: Partial<Record<'cache-control' | 'content-disposition' | 'content-encoding' | 'content-language' | 'expires', string>>;
  /** Checksums the client sent and we verified, e.g. `{ CRC32: 'base64' }`. */
  checksums: Record<string, string>;
  /** Number of parts for multipart objects. */
  parts?: number;
}

export interface WrittenBody {
  size: number;
  md5: Buffer;
  sha256: string;
  crc32: number;
  tmpFile: string;
}

/** Counts, hashes and caps a stream on its way to disk. */
function measuring(limit: number, into: { size: number; md5: ReturnType<typeof createHash>; sha: ReturnType<typeof createHash>; crc: number }) {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      into.size += chunk.length;
      if (into.size > limit) {
        done(new BodyTooLargeError(limit));
        return;
      }
      into.md5.update(chunk);
      into.sha.update(chunk);
      into.crc = crc32(chunk, into.crc);
      done(null, chunk);
    },
  });
}

function keyFile(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/**
 * One bucket on disk: `objects/<sha256(key)>.bin` + `.json`. A body is streamed to a temp file,
 * hashed on the way, and only renamed into place after it was fully received and verified, so a
 * failed or aborted upload never leaves a half-written object. The metadata file is written last:
 * an object exists exactly when its `.json` exists.
 */
export class BucketStore {
  private readonly objectsDir: string;
  private readonly tmpDir: string;
  /** Sorted keys, kept in memory for listing. */
  private keys: string[] = [];
  private readonly metas = new Map<string, ObjectMeta>();

  constructor(readonly name: string, readonly dir: string) {
    this.objectsDir = path.join(dir, 'objects');
    this.tmpDir = path.join(dir, 'tmp');
  }

  async open(): Promise<void> {
    await mkdir(this.objectsDir, { recursive: true });
    await rm(this.tmpDir, { recursive: true, force: true });
    await mkdir(this.tmpDir, { recursive: true });
    this.metas.clear();
    for (const f of await readdir(this.objectsDir)) {
      const full = path.join(this.objectsDir, f);
      if (f.endsWith('.tmp')) {
        await rm(full, { force: true });
        continue;
      }
      if (!f.endsWith('.json')) continue;
      try {
        const meta = JSON.parse(await readFile(full, 'utf8')) as ObjectMeta;
        if (existsSync(full.replace(/\.json$/, '.bin'))) this.metas.set(meta.key, meta);
      } catch {
        // A metadata file we cannot read is not an object; leave the bytes for inspection.
      }
    }
    this.keys = [...this.metas.keys()].sort();
  }

  /** Streams a body into a temp file (not yet visible). */
  async receive(body: ReadableStream<Uint8Array> | null, limit: number): Promise<WrittenBody> {
    const tmpFile = path.join(this.tmpDir, `${randomUUID()}.part`);
    const acc = { size: 0, md5: createHash('md5'), sha: createHash('sha256'), crc: 0 };
    const source = body ? Readable.fromWeb(body as import('node:stream/web').ReadableStream) : Readable.from([]);
    try {
      await pipeline(source, measuring(limit, acc), createWriteStream(tmpFile));
    } catch (err) {
      await rm(tmpFile, { force: true });
      throw err;
    }
    return { size: acc.size, md5: acc.md5.digest(), sha256: acc.sha.digest('hex'), crc32: acc.crc, tmpFile };
  }

  async discard(written: { tmpFile: string }): Promise<void> {
    await rm(written.tmpFile, { force: true });
  }

  /** Makes a received body the object's content. */
  async commit(tmpFile: string, meta: ObjectMeta, opts: { durable?: boolean } = {}): Promise<void> {
    const base = path.join(this.objectsDir, keyFile(meta.key));
    if (opts.durable === false) {
      // Bulk restores (a snapshot import, redone if interrupted): renames without the four fsyncs,
      // which would dominate thousands of small objects. A crash may lose such an object, never
      // half-write one: the metadata still lands by rename, and an unreadable one is no object.
      await rename(tmpFile, `${base}.bin`);
      const tmpMeta = `${base}.json.${randomUUID()}.tmp`;
      await writeFile(tmpMeta, JSON.stringify(meta));
      await rename(tmpMeta, `${base}.json`);
    } else {
      await moveIntoPlace(tmpFile, `${base}.bin`);
      await writeFileAtomicAsync(`${base}.json`, JSON.stringify(meta));
    }
    if (!this.metas.has(meta.key)) this.insertKey(meta.key);
    this.metas.set(meta.key, meta);
  }

  /** A temp file path in this bucket's folder (same filesystem, so rename is atomic). */
  tempPath(): string {
    return path.join(this.tmpDir, `${randomUUID()}.part`);
  }

  head(key: string): ObjectMeta | undefined {
    return this.metas.get(key);
  }

  read(key: string, range?: { start: number; end: number }): Readable {
    const file = `${path.join(this.objectsDir, keyFile(key))}.bin`;
    return createReadStream(file, range ? { start: range.start, end: range.end } : undefined);
  }

  dataFile(key: string): string {
    return `${path.join(this.objectsDir, keyFile(key))}.bin`;
  }

  async delete(key: string): Promise<boolean> {
    if (!this.metas.has(key)) return false;
    const base = path.join(this.objectsDir, keyFile(key));
    // Metadata first: once it is gone the object no longer exists, even if we crash here.
    await rm(`${base}.json`, { force: true });
    await rm(`${base}.bin`, { force: true });
    this.metas.delete(key);
    const i = this.indexOf(key);
    if (i >= 0 && this.keys[i] === key) this.keys.splice(i, 1);
    return true;
  }

  async clear(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
    await this.open();
  }

  /** Keys after `startAfter` (exclusive) with the prefix, in UTF-8 binary order as S3 lists them. */
  *iterate(prefix: string, startAfter: string): Generator<ObjectMeta> {
    let i = startAfter ? this.indexOf(startAfter) : this.indexOf(prefix);
    if (startAfter && this.keys[i] === startAfter) i += 1;
    for (; i < this.keys.length; i += 1) {
      const key = this.keys[i];
      if (!key.startsWith(prefix)) {
        if (key > prefix) return;
        continue;
      }
      yield this.metas.get(key)!;
    }
  }

  private indexOf(key: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.keys[mid] < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private insertKey(key: string): void {
    this.keys.splice(this.indexOf(key), 0, key);
  }

  async sizeOnDisk(key: string): Promise<number> {
    return (await stat(this.dataFile(key))).size;
  }

  /** Writes a small object from memory (system buckets). */
  async putBuffer(meta: Omit<ObjectMeta, 'size' | 'etag'>, data: Buffer): Promise<ObjectMeta> {
    const tmp = this.tempPath();
    await writeFile(tmp, data);
    const full: ObjectMeta = { ...meta, size: data.length, etag: `"${createHash('md5').update(data).digest('hex')}"` };
    await this.commit(tmp, full);
    return full;
  }
}
