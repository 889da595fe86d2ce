import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import { writeFileAtomicAsync, moveIntoPlace } from '../core/persist.js';
import type { ObjectMeta } from './object_store.js';

export interface UploadInfo {
  uploadId: string;
  key: string;
  initiated: string;
  contentType: string;
  userMetadata: Record<string, string>;
  headers: ObjectMeta['headers'];
  checksumAlgorithm?: string;
  /** Identity id (or role) that started the upload: it may always list and abort its parts. */
  initiator?: string;
}

export interface PartInfo {
  partNumber: number;
  size: number;
  etag: string;
  md5: string;
  lastModified: string;
  checksums: Record<string, string>;
}

/** S3's minimum size of every part but the last. */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
export const MAX_PART_NUMBER = 10_000;

/**
 * In-progress multipart uploads of one bucket: `uploads/<id>/upload.json` and `part-<n>` (+ `.json`).
 * Parts are received into the bucket's temp folder and renamed in, so an abandoned part write never
 * replaces a good part. Completion concatenates into a temp file that the bucket then commits.
 */
export class MultipartStore {
  private readonly root: string;

  constructor(dir: string) {
    this.root = path.join(dir, 'uploads');
  }

  private dirOf(uploadId: string): string {
    if (!/^[A-Za-z0-9_-]+$/.test(uploadId)) return path.join(this.root, '__invalid__');
    return path.join(this.root, uploadId);
  }

  async create(info: Omit<UploadInfo, 'uploadId'>): Promise<UploadInfo> {
    const uploadId = randomBytes(24).toString('base64url');
    const full: UploadInfo = { ...info, uploadId };
    const dir = this.dirOf(uploadId);
    await mkdir(dir, { recursive: true });
    await writeFileAtomicAsync(path.join(dir, 'upload.json'), JSON.stringify(full));
    return full;
  }

  async get(uploadId: string): Promise<UploadInfo | undefined> {
    try {
      return JSON.parse(await readFile(path.join(this.dirOf(uploadId), 'upload.json'), 'utf8')) as UploadInfo;
    } catch {
      return undefined;
    }
  }

  async putPart(uploadId: string, part: PartInfo, tmpFile: string): Promise<void> {
    const dir = this.dirOf(uploadId);
    await moveIntoPlace(tmpFile, path.join(dir, `part-${part.partNumber}`));
    await writeFileAtomicAsync(path.join(dir, `part-${part.partNumber}.json`), JSON.stringify(part));
  }

  async parts(uploadId: string): Promise<PartInfo[]> {
    const dir = this.dirOf(uploadId);
    const out: PartInfo[] = [];
    for (const f of await readdir(dir).catch(() => [] as string[])) {
      if (!/^part-\d+\.json$/.test(f)) continue;
      try {
        out.push(JSON.parse(await readFile(path.join(dir, f), 'utf8')) as PartInfo);
      } catch {
        // unreadable part record: treated as not uploaded
      }
    }
    return out.sort((a, b) => a.partNumber - b.partNumber);
  }

  async list(): Promise<UploadInfo[]> {
    const ids = await readdir(this.root).catch(() => [] as string[]);
    const out: UploadInfo[] = [];
    for (const id of ids) {
      const u = await this.get(id);
      if (u) out.push(u);
    }
    return out;
  }

  /** Concatenates the chosen parts into `target`; returns S3's multipart ETag (md5 of md5s + `-N`). */
  async assemble(uploadId: string, chosen: PartInfo[], target: string): Promise<{ etag: string; size: number }> {
    const dir = this.dirOf(uploadId);
    const out = createWriteStream(target);
    const md5s = createHash('md5');
    let size = 0;
    try {
      for (const part of chosen) {
        for await (const chunk of createReadStream(path.join(dir, `part-${part.partNumber}`))) {
          if (!out.write(chunk)) await once(out, 'drain');
        }
        md5s.update(Buffer.from(part.md5, 'hex'));
        size += part.size;
      }
    } finally {
      await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    }
    return { etag: `"${md5s.digest('hex')}-${chosen.length}"`, size };
  }

  async remove(uploadId: string): Promise<void> {
    await rm(this.dirOf(uploadId), { recursive: true, force: true });
  }

  async clear(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}
