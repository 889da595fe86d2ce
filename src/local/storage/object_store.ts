import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, openSync } from 'node:fs';
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
  /**
   * The file in `objects/` holding this version's bytes (`<sha256(key)>.<id>.bin`). Absent in
   * metadata written before it existed: then the bytes are `<sha256(key)>.bin`.
   */
  dataFile?: string;
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

const legacyDataFile = (base: string) => `${base}.bin`;

/**
 * One bucket on disk: `objects/<sha256(key)>.json` (the metadata) naming the file with the bytes,
 * `objects/<sha256(key)>.<id>.bin`. A body is streamed to a temp file, hashed on the way, and only
 * renamed into place after it was fully received and verified, so a failed or aborted upload never
 * leaves a half-written object. Every write gets a new bytes file and the metadata is replaced last
 * (atomically): a crash at any point leaves either the old metadata with the old bytes or the new
 * metadata with the new bytes, never one write's metadata over another's bytes. Bytes files no
 * metadata names are left-overs of such a crash and are removed on open.
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
    const files = await readdir(this.objectsDir);
    const named = new Set<string>();
    const unreadable = new Set<string>();
    for (const f of files) {
      const full = path.join(this.objectsDir, f);
      if (f.endsWith('.tmp')) {
        await rm(full, { force: true });
        continue;
      }
      if (!f.endsWith('.json')) continue;
      const base = f.slice(0, -'.json'.length);
      try {
        const meta = JSON.parse(await readFile(full, 'utf8')) as ObjectMeta;
        const data = meta.dataFile ?? path.basename(legacyDataFile(base));
        named.add(data);
        if (existsSync(path.join(this.objectsDir, data))) this.metas.set(meta.key, meta);
      } catch {
        // A metadata file we cannot read is not an object; leave its bytes for inspection.
        unreadable.add(base);
      }
    }
    for (const f of files) {
      if (f.endsWith('.bin') && !named.has(f) && !unreadable.has(f.split('.')[0])) await rm(path.join(this.objectsDir, f), { force: true });
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

  /** Makes a received body the object's content (see the class comment for the crash cases). */
  commit(tmpFile: string, meta: ObjectMeta, opts: { durable?: boolean } = {}): Promise<void> {
    // One commit per key at a time: the metadata on disk and in memory then name the same version.
    const before = this.committing.get(meta.key) ?? Promise.resolve();
    const mine = before.then(() => this.commitNow(tmpFile, meta, opts.durable !== false));
    const settled = mine.catch(() => {});
    this.committing.set(meta.key, settled);
    void settled.then(() => {
      if (this.committing.get(meta.key) === settled) this.committing.delete(meta.key);
    });
    return mine;
  }

  private readonly committing = new Map<string, Promise<void>>();

  private async commitNow(tmpFile: string, meta: ObjectMeta, durable: boolean): Promise<void> {
    const hashed = keyFile(meta.key);
    const dataFile = `${hashed}.${randomUUID()}.bin`;
    const stored: ObjectMeta = { ...meta, dataFile };
    const metaFile = path.join(this.objectsDir, `${hashed}.json`);
    if (durable) {
      // Durable bytes before the metadata that names them: after a power loss the object is never
      // its metadata over an empty file.
      await moveIntoPlace(tmpFile, path.join(this.objectsDir, dataFile));
      await this.writeMeta(metaFile, stored);
    } else {
      // Bulk restores (a snapshot import, redone if interrupted): renames without the fsyncs, which
      // would dominate thousands of small objects. A crash may lose such an object, never half-write
      // one: the metadata still lands by rename, and an unreadable one is no object.
      await rename(tmpFile, path.join(this.objectsDir, dataFile));
      const tmpMeta = `${metaFile}.${randomUUID()}.tmp`;
      await writeFile(tmpMeta, JSON.stringify(stored));
      await rename(tmpMeta, metaFile);
    }
    const previous = this.metas.get(meta.key);
    if (!previous) this.insertKey(meta.key);
    this.metas.set(meta.key, stored);
    // Readers that looked the old version up have opened its file already (read() opens at once).
    if (previous) await rm(this.fileOf(previous), { force: true });
  }

  /** The metadata write, last step of a commit (a seam for crash tests). */
  protected writeMeta(file: string, meta: ObjectMeta): Promise<void> {
    return writeFileAtomicAsync(file, JSON.stringify(meta));
  }

  private fileOf(meta: ObjectMeta): string {
    return meta.dataFile ? path.join(this.objectsDir, meta.dataFile) : legacyDataFile(path.join(this.objectsDir, keyFile(meta.key)));
  }

  /** A temp file path in this bucket's folder (same filesystem, so rename is atomic). */
  tempPath(): string {
    return path.join(this.tmpDir, `${randomUUID()}.part`);
  }

  head(key: string): ObjectMeta | undefined {
    return this.metas.get(key);
  }

  /**
   * The current version's bytes. The file is opened now, synchronously: a later overwrite removes
   * this version's file, and an open descriptor keeps reading it.
   */
  read(key: string, range?: { start: number; end: number }): Readable {
    const meta = this.metas.get(key);
    const file = meta ? this.fileOf(meta) : legacyDataFile(path.join(this.objectsDir, keyFile(key)));
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch (err) {
      return new Readable({ read() { this.destroy(err as Error); } });
    }
    return createReadStream(file, { fd, ...(range ? { start: range.start, end: range.end } : {}) });
  }

  dataFile(key: string): string {
    const meta = this.metas.get(key);
    return meta ? this.fileOf(meta) : legacyDataFile(path.join(this.objectsDir, keyFile(key)));
  }

  async delete(key: string): Promise<boolean> {
    const meta = this.metas.get(key);
    if (!meta) return false;
    const base = path.join(this.objectsDir, keyFile(key));
    // Metadata first: once it is gone the object no longer exists, even if we crash here.
    await rm(`${base}.json`, { force: true });
    await rm(this.fileOf(meta), { force: true });
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
