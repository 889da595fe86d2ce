/**
 * Export and import of the whole local cloud's state (`--import`, `--export-on-exit`,
 * `npm run local:export`). Each service owns its folder of the snapshot (`ServiceSnapshot`); this
 * file writes `snapshot.json`, checks the format and version, and runs an import in two phases:
 * every part is read and checked first, and only then is any state replaced.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, rmdirSync } from 'node:fs';
import path from 'node:path';
import { identityPoolsOf, userPoolsOf, type BackendModel } from '../assembly/model.js';
import { formatDuration } from './duration.js';
import type { LocalService, PartCounts, PreparedImport } from './service.js';
import {
  MANIFEST_FILE,
  SNAPSHOT_FORMAT,
  SNAPSHOT_VERSION,
  SnapshotError,
  isRecord,
  readJson,
  writeJson,
  type PartEntry,
  type SnapshotManifest,
} from './snapshot_format.js';

/** Why a service without a `snapshot` has no part (shown in snapshot.json). */
const NO_PART_REASONS: Record<string, string> = {
  functions: 'keeps no state to export (invocation logs are not kept)',
  messaging: 'not exported: sent messages and stream records are not kept',
  queues: 'not exported: queued messages are not kept',
  sts: 'keeps no state (sessions are credentials of the identity service, not exported)',
};

export interface SnapshotDeps {
  model: BackendModel;
  services: readonly LocalService[];
  now(): number;
  /** One line per step for people (`auth: 3 users (12 ms)`). */
  onProgress?(line: string): void;
}

export interface PartReport {
  service: string;
  counts: PartCounts;
  warnings: string[];
  millis: number;
  /** Of which: reading and checking the part, and writing it. */
  checkMillis?: number;
  writeMillis?: number;
}

/** `users 3, user pools 1`: name first, so one and many read alike. */
export function describeCounts(counts: PartCounts): string {
  const parts = Object.entries(counts).map(([k, v]) => `${k} ${v}`);
  return parts.length ? parts.join(', ') : 'nothing';
}

export function backendSummary(model: BackendModel): SnapshotManifest['backend'] {
  return {
    region: model.region,
    accountId: model.accountId,
    userPoolIds: userPoolsOf(model).map((e) => e.userPool.id),
    identityPoolIds: identityPoolsOf(model).map((p) => p.id),
    apiIds: model.data ? [model.data.apiId] : [],
    tables: (model.data?.tables ?? []).map((t) => t.modelName ?? t.logicalId),
    buckets: (model.storage?.buckets ?? []).map((b) => b.friendlyName),
  };
}

/**
 * Writes a snapshot of every service into `dir`. The files are written beside it first and moved
 * into place at the end, so `dir` holds either the previous snapshot or the new one. A folder that
 * holds anything but a snapshot is never replaced.
 */
export async function exportSnapshot(deps: SnapshotDeps, dir: string): Promise<SnapshotManifest> {
  const target = path.resolve(dir);
  checkExportTarget(target);
  const staging = `${target}.partial-${process.pid}-${deps.now().toString(36)}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    const services: Record<string, PartEntry> = {};
    for (const s of deps.services) {
      if (!s.snapshot) {
        services[s.name] = { exported: false, reason: NO_PART_REASONS[s.name] ?? 'not exported' };
        continue;
      }
      const t0 = performance.now();
      const partDir = path.join(staging, s.name);
      mkdirSync(partDir, { recursive: true });
      const { counts, warnings } = await s.snapshot.export(partDir);
      removeIfEmpty(partDir);
      services[s.name] = { exported: true, counts, ...(warnings?.length ? { warnings } : {}) };
      deps.onProgress?.(`${s.name}: ${describeCounts(counts)} (${formatDuration(performance.now() - t0)})`);
      for (const w of warnings ?? []) deps.onProgress?.(`  ${s.name}: ${w}`);
    }
    const manifest: SnapshotManifest = {
      format: SNAPSHOT_FORMAT,
      version: SNAPSHOT_VERSION,
      createdAt: new Date(deps.now()).toISOString(),
      backend: backendSummary(deps.model),
      services,
    };
    writeJson(path.join(staging, MANIFEST_FILE), manifest);
    rmSync(target, { recursive: true, force: true });
    mkdirSync(path.dirname(target), { recursive: true });
    renameSync(staging, target);
    return manifest;
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
}

/** Throws unless `dir` may take an export: absent, empty, or an earlier snapshot (it is replaced whole). */
export function checkExportTarget(dir: string): void {
  const target = path.resolve(dir);
  if (existsSync(target) && readdirSync(target).length > 0 && !existsSync(path.join(target, MANIFEST_FILE))) {
    throw new SnapshotError(
      `${target} is not empty and holds no ${MANIFEST_FILE}: an export replaces the whole folder`,
      'Export into an empty or new folder, or into a folder that holds an earlier snapshot.',
    );
  }
}

function removeIfEmpty(dir: string): void {
  if (readdirSync(dir).length === 0) rmdirSync(dir);
}

/** Reads `snapshot.json` and checks it is a snapshot this version of the local cloud reads. */
export function readManifest(dir: string): SnapshotManifest {
  const file = path.join(path.resolve(dir), MANIFEST_FILE);
  if (!existsSync(file)) {
    throw new SnapshotError(
      `${path.resolve(dir)} is not a snapshot: it has no ${MANIFEST_FILE}`,
      'Point --import at a folder written by --export-on-exit or `npm run local:export -- <dir>`.',
    );
  }
  const manifest = readJson<unknown>(file, 'snapshot');
  if (!isRecord(manifest) || manifest.format !== SNAPSHOT_FORMAT) {
    throw new SnapshotError(`${file} is not an ${SNAPSHOT_FORMAT} manifest (its "format" is ${JSON.stringify(isRecord(manifest) ? manifest.format : manifest)})`, 'Point --import at a folder written by an export.');
  }
  if (manifest.version !== SNAPSHOT_VERSION) {
    throw new SnapshotError(
      `${file} is a version ${JSON.stringify(manifest.version)} snapshot; this local cloud reads version ${SNAPSHOT_VERSION}`,
      typeof manifest.version === 'number' && manifest.version > SNAPSHOT_VERSION
        ? 'It was written by a newer local cloud: update this project (git pull / npm ci), or export it again with this version.'
        : 'Start the version of the local cloud that wrote it with --export-on-exit to write it again, or re-create the seed data.',
    );
  }
  if (!isRecord(manifest.services)) throw new SnapshotError(`${file} has no "services" object`, 'Export the snapshot again.');
  return manifest as unknown as SnapshotManifest;
}

/**
 * Replaces every service's state with the snapshot in `dir` (an import replaces, as Firebase's
 * emulators do: a service without a part starts empty). Every part is checked before any state
 * changes; a SnapshotError from any part leaves the whole cloud as it was.
 */
export async function importSnapshot(deps: SnapshotDeps & { clearOutbox(): void }, dir: string): Promise<PartReport[]> {
  const root = path.resolve(dir);
  const manifest = readManifest(root);
  const prepared = new Map<string, { plan: PreparedImport; millis: number }>();
  const notes: string[] = [];
  const running = new Set(deps.services.map((s) => s.name));
  const from = isRecord(manifest.backend) ? manifest.backend : undefined;
  if (from && typeof from.region === 'string' && from.region !== deps.model.region) {
    notes.push(`the snapshot was taken in ${from.region}, this backend is in ${deps.model.region}: user and identity pools whose ids differ are matched by logical id, KMS keys by alias`);
  }
  for (const name of Object.keys(manifest.services)) {
    if (manifest.services[name]?.exported && !running.has(name as LocalService['name'])) notes.push(`${name}: not running here; its part is skipped`);
  }
  for (const s of deps.services) {
    const entry = manifest.services[s.name];
    const partDir = path.join(root, s.name);
    if (!s.snapshot) continue;
    if (!entry?.exported) {
      notes.push(`${s.name}: the snapshot has no ${s.name} part; it starts empty`);
      continue;
    }
    const t0 = performance.now();
    // An export leaves out the folder of a service with nothing to keep: each part reads a missing file as empty.
    const plan = await s.snapshot.prepareImport(partDir);
    prepared.set(s.name, { plan, millis: performance.now() - t0 });
  }

  const reports: PartReport[] = [];
  for (const note of notes) deps.onProgress?.(note);
  for (const s of deps.services) {
    const p = prepared.get(s.name);
    if (!p) {
      await s.reset();
      continue;
    }
    const t0 = performance.now();
    await p.plan.apply();
    const writeMillis = performance.now() - t0;
    const millis = p.millis + writeMillis;
    reports.push({ service: s.name, counts: p.plan.counts, warnings: p.plan.warnings, millis, checkMillis: p.millis, writeMillis });
    deps.onProgress?.(`${s.name}: ${describeCounts(p.plan.counts)} (${formatDuration(millis)}: checked ${formatDuration(p.millis)}, written ${formatDuration(writeMillis)})`);
    for (const w of p.plan.warnings) deps.onProgress?.(`  ${s.name}: ${w}`);
  }
  deps.clearOutbox();
  return reports;
}
