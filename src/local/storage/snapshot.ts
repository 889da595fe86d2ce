/**
 * The storage part of a snapshot, per bucket (named after `defineStorage`'s name, not the physical
 * bucket name): `storage/<bucket>/manifest.json` lists every object's key, size, ETag, content type,
 * metadata and stored headers, and its bytes are a plain file, `objects/<key>` — or
 * `encoded/<sha256(key)>` for a key that is not a safe relative path (`..` segments, a trailing
 * `/`, a key that is also another key's folder, names that differ only in case). Multipart uploads
 * in progress are not kept.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { StorageBucketModel } from '../assembly/model.js';
import type { PreparedImport, ServiceSnapshot } from '../core/service.js';
import { SnapshotError, insideDir, isRecord, partFileName, readJson, writeJson } from '../core/snapshot_format.js';
import type { ObjectMeta } from './object_store.js';
import type { Bucket } from './s3_request.js';

export const STORAGE_MANIFEST = 'manifest.json';

export interface SnapshotObject {
  key: string;
  /** The bytes, relative to the bucket's folder. */
  file: string;
  size: number;
  etag: string;
  contentType: string;
  lastModified: string;
  metadata: Record<string, string>;
  headers: ObjectMeta['headers'];
  checksums: Record<string, string>;
  parts?: number;
}

export interface SnapshotBucketManifest {
  bucketName: string;
  friendlyName: string;
  objects: SnapshotObject[];
}

const UNSAFE_SEGMENT = /[\\\0:*?"<>|]|^\.\.?$|[. ]$/;

/** Where each key's bytes go: its own path when that is safe on every file system, else a hash. */
export function objectFiles(keys: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  const fold = (s: string) => s.toLowerCase();
  const dirs = new Set<string>();
  const safe = keys.filter((k) => {
    const segs = k.split('/');
    return k.length > 0 && segs.every((s) => s.length > 0 && !UNSAFE_SEGMENT.test(s));
  });
  for (const k of safe) {
    const segs = fold(k).split('/');
    for (let i = 1; i < segs.length; i += 1) dirs.add(segs.slice(0, i).join('/'));
  }
  const taken = new Set<string>();
  for (const k of safe) {
    const f = fold(k);
    if (dirs.has(f) || taken.has(f)) continue;
    taken.add(f);
    out.set(k, `objects/${k}`);
  }
  for (const k of keys) if (!out.has(k)) out.set(k, `encoded/${createHash('sha256').update(k).digest('hex')}`);
  return out;
}

async function md5Of(file: string): Promise<string> {
  const h = createHash('md5');
  await pipeline(createReadStream(file), h);
  return h.digest('hex');
}

function bad(where: string, what: string): SnapshotError {
  return new SnapshotError(`storage: ${where}: ${what}`, 'Fix the object\'s entry in the bucket\'s manifest.json (or its file), or export the snapshot again.');
}

function stringMap(v: unknown): v is Record<string, string> {
  return isRecord(v) && Object.values(v).every((x) => typeof x === 'string');
}

/** Checks one manifest entry against its file; returns the object's metadata and bytes' path. */
async function checkObject(raw: unknown, bucketDir: string, where: string): Promise<{ meta: ObjectMeta; file: string }> {
  if (!isRecord(raw) || typeof raw.key !== 'string' || !raw.key) throw bad(where, 'an entry without a "key"');
  const at = `${where} "${raw.key}"`;
  if (typeof raw.file !== 'string') throw bad(at, 'no "file"');
  const file = insideDir(bucketDir, raw.file, `storage: ${at}`);
  if (!existsSync(file) || !statSync(file).isFile()) throw bad(at, `its file ${raw.file} is missing`);
  const size = statSync(file).size;
  if (raw.size !== size) throw bad(at, `its file has ${size} bytes, the manifest says ${JSON.stringify(raw.size)}`);
  if (typeof raw.etag !== 'string' || !/^"[0-9a-f]{32}(-\d+)?"$/.test(raw.etag)) throw bad(at, '"etag" must be S3\'s quoted MD5 ("<32 hex>" or "<32 hex>-<parts>")');
  // A single-part ETag is the MD5 of the bytes: a file edited after the export is caught here.
  if (!raw.etag.includes('-') && `"${await md5Of(file)}"` !== raw.etag) {
    throw bad(at, `its file does not match its ETag ${raw.etag} (changed after the export?); update "etag" and "size" to the file's`);
  }
  if (typeof raw.contentType !== 'string') throw bad(at, 'no "contentType"');
  if (typeof raw.lastModified !== 'string' || Number.isNaN(Date.parse(raw.lastModified))) throw bad(at, '"lastModified" must be an ISO date');
  const metadata = raw.metadata ?? {};
  const headers = raw.headers ?? {};
  const checksums = raw.checksums ?? {};
  if (!stringMap(metadata) || !stringMap(headers) || !stringMap(checksums)) throw bad(at, '"metadata", "headers" and "checksums" must map names to strings');
  return {
    file,
    meta: {
      key: raw.key,
      size,
      etag: raw.etag,
      contentType: raw.contentType,
      lastModified: new Date(raw.lastModified).toISOString(),
      userMetadata: metadata,
      headers: headers as ObjectMeta['headers'],
      checksums,
      ...(typeof raw.parts === 'number' ? { parts: raw.parts } : {}),
    },
  };
}

/** Bucket folder names in the snapshot: `defineStorage`'s name when it is unique, else the bucket name. */
function folderNames(models: readonly StorageBucketModel[]): Map<string, StorageBucketModel> {
  const count = new Map<string, number>();
  for (const b of models) count.set(b.friendlyName, (count.get(b.friendlyName) ?? 0) + 1);
  return new Map(models.map((b) => [partFileName(count.get(b.friendlyName) === 1 ? b.friendlyName : b.bucketName), b]));
}

export function storageSnapshot(models: readonly StorageBucketModel[], buckets: ReadonlyMap<string, Bucket>): ServiceSnapshot {
  const folders = folderNames(models);
  return {
    async export(dir) {
      let objects = 0;
      let written = 0;
      for (const [folder, model] of folders) {
        const bucket = buckets.get(model.bucketName);
        if (!bucket) continue;
        const metas = [...bucket.store.iterate('', '')];
        if (metas.length === 0) continue;
        const bucketDir = path.join(dir, folder);
        const files = objectFiles(metas.map((m) => m.key));
        const entries: SnapshotObject[] = [];
        for (const m of metas) {
          const file = files.get(m.key)!;
          const target = path.join(bucketDir, file);
          await mkdir(path.dirname(target), { recursive: true });
          await copyFile(bucket.store.dataFile(m.key), target);
          entries.push({
            key: m.key,
            file,
            size: m.size,
            etag: m.etag,
            contentType: m.contentType,
            lastModified: m.lastModified,
            metadata: m.userMetadata,
            headers: m.headers,
            checksums: m.checksums,
            ...(m.parts !== undefined ? { parts: m.parts } : {}),
          });
        }
        const manifest: SnapshotBucketManifest = { bucketName: model.bucketName, friendlyName: model.friendlyName, objects: entries };
        writeJson(path.join(bucketDir, STORAGE_MANIFEST), manifest);
        objects += metas.length;
        written += 1;
      }
      return { counts: { buckets: written, objects } };
    },

    async prepareImport(dir) {
      const warnings: string[] = [];
      const plans = new Map<string, { meta: ObjectMeta; file: string }[]>();
      const present = existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort() : [];
      let count = 0;
      for (const folder of present) {
        const model = folders.get(folder);
        const bucketDir = path.join(dir, folder);
        const manifestFile = path.join(bucketDir, STORAGE_MANIFEST);
        if (!model) {
          warnings.push(`bucket ${folder} is not in this backend: skipped (buckets here: ${[...folders.keys()].join(', ') || 'none'})`);
          continue;
        }
        const doc = readJson<unknown>(manifestFile, 'storage');
        if (!isRecord(doc) || !Array.isArray(doc.objects)) throw bad(path.relative(dir, manifestFile), 'needs an "objects" list');
        const seen = new Set<string>();
        const list: { meta: ObjectMeta; file: string }[] = [];
        for (const [i, raw] of doc.objects.entries()) {
          const checked = await checkObject(raw, bucketDir, `${folder}/${STORAGE_MANIFEST} object ${i + 1}`);
          if (seen.has(checked.meta.key)) throw bad(`${folder}/${STORAGE_MANIFEST}`, `key "${checked.meta.key}" is listed twice`);
          seen.add(checked.meta.key);
          list.push(checked);
        }
        plans.set(model.bucketName, list);
        count += list.length;
      }
      const plan: PreparedImport = {
        counts: { buckets: plans.size, objects: count },
        warnings,
        async apply() {
          for (const model of models) {
            const bucket = buckets.get(model.bucketName);
            if (!bucket) continue;
            await bucket.uploads.clear();
            await bucket.store.clear();
            for (const { meta, file } of plans.get(model.bucketName) ?? []) {
              const tmp = bucket.store.tempPath();
              await copyFile(file, tmp);
              await bucket.store.commit(tmp, meta, { durable: false });
            }
          }
        },
      };
      return plan;
    },
  };
}
