/**
 * The snapshot format: plain, versioned files a team can commit as seed data (README, "Seed data:
 * import / export"). `<dir>/snapshot.json` says what the files are; each service writes and reads its
 * own folder `<dir>/<service>/` (see `ServiceSnapshot` in service.ts).
 */
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { finished } from 'node:stream/promises';
import { writeFileAtomic } from './persist.js';

export const SNAPSHOT_FORMAT = 'amplify-local-snapshot';
export const SNAPSHOT_VERSION = 1;
export const MANIFEST_FILE = 'snapshot.json';

/** What one service's part holds (`counts`), or why it has none (`reason`). */
export interface PartEntry {
  exported: boolean;
  counts?: Record<string, number>;
  /** Why a service has no part: it keeps no state, or its state is not exported. */
  reason?: string;
  warnings?: string[];
}

export interface SnapshotManifest {
  format: typeof SNAPSHOT_FORMAT;
  version: number;
  /** ISO time of the export. */
  createdAt: string;
  /** The backend it was taken from: where its parts' names come from. */
  backend: {
    region: string;
    accountId: string;
    userPoolIds: string[];
    identityPoolIds: string[];
    apiIds: string[];
    tables: string[];
    buckets: string[];
  };
  services: Record<string, PartEntry>;
}

/**
 * A snapshot that cannot be imported (or a folder that cannot take an export), in words for people:
 * what is wrong, where, and what to do. Thrown before anything is written.
 */
export class SnapshotError extends Error {
  override readonly name = 'SnapshotError';
  constructor(
    message: string,
    readonly resolution: string,
  ) {
    super(message);
  }
}

/** `rel` inside `root`, refusing paths that climb out of it (a tampered manifest must not reach other files). */
export function insideDir(root: string, rel: string, what: string): string {
  const full = path.resolve(root, rel);
  const base = path.resolve(root);
  if (path.isAbsolute(rel) || (full !== base && !full.startsWith(base + path.sep))) {
    throw new SnapshotError(`${what}: "${rel}" points outside the snapshot folder`, 'Use paths relative to the part\'s folder, as an export writes them.');
  }
  return full;
}

export function readJson<T>(file: string, what: string): T {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new SnapshotError(`${what}: ${file} is missing`, 'Export the snapshot again, or restore the file.');
    throw err;
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new SnapshotError(`${what}: ${file} is not valid JSON (${(err as Error).message})`, 'Fix the file (it is plain JSON) or export the snapshot again.');
  }
}

export function readJsonIfPresent<T>(file: string, what: string): T | undefined {
  return existsSync(file) ? readJson<T>(file, what) : undefined;
}

/** Pretty enough to review in a diff, stable key order as written. */
export function writeJson(file: string, value: unknown): void {
  writeFileAtomic(file, `${JSON.stringify(value, null, 1)}\n`);
}

/** One JSON value per line; blank lines are allowed. Errors name the line. */
export async function readJsonl(file: string, what: string, onValue: (value: unknown, line: number) => void): Promise<number> {
  if (!existsSync(file)) throw new SnapshotError(`${what}: ${file} is missing`, 'Export the snapshot again, or restore the file.');
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let n = 0;
  let count = 0;
  for await (const line of lines) {
    n += 1;
    if (!line.trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new SnapshotError(`${what}: ${file} line ${n} is not valid JSON (${(err as Error).message})`, 'Each line holds one item in DynamoDB JSON; fix or remove that line.');
    }
    onValue(value, n);
    count += 1;
  }
  return count;
}

/** The values of a JSON-lines file, streamed (a file already checked by `readJsonl`). */
export async function* jsonlValues(file: string): AsyncGenerator<unknown> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) if (line.trim()) yield JSON.parse(line);
}

/** Writes values one per line, streaming (tables can be large). */
export async function writeJsonl(file: string, values: AsyncIterable<unknown> | Iterable<unknown>): Promise<number> {
  mkdirSync(path.dirname(file), { recursive: true });
  const out = createWriteStream(file);
  let count = 0;
  for await (const v of values) {
    if (!out.write(`${JSON.stringify(v)}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
    count += 1;
  }
  out.end();
  await finished(out);
  return count;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A file name safe on every platform for a logical name (model, pool id, bucket). */
export function partFileName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}
