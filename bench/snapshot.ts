/**
 * `npm run bench -- snapshot`: how long a snapshot of a seeded local cloud takes to write (as
 * `--export-on-exit` does, in-process), to fetch through the admin API (`npm run local:export`, over
 * HTTPS, file by file), and to load into a fresh data dir (`--import`: check every part, then write).
 *
 * Seeding goes through the services' own stores (not measured). Sizes: BENCH_SNAPSHOT_USERS (default
 * 1000), BENCH_SNAPSHOT_ITEMS (10000), BENCH_SNAPSHOT_OBJECTS (1000, 10 KB each, plus one 20 MB).
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ensureAssembly } from '../src/local/assembly/cache.js';
import { loadBackendModel } from '../src/local/assembly/load_assembly.js';
import { createLocalCloud, type LocalCloud } from '../src/local/app.js';
import { createVerifier } from '../src/local/auth/srp.js';
import type { UserRecord } from '../src/local/auth/user_store.js';
import { silentLogger } from '../src/local/core/logger.js';
import { describeCounts } from '../src/local/core/snapshot.js';
import { writeJson } from '../src/local/core/snapshot_format.js';
import { formatDuration } from '../src/local/core/duration.js';
import type { DataService } from '../src/local/data/index.js';
import { LocalDynamo } from '../src/local/data/dynamo/local_dynamo.js';
import { runSnapshotCommand } from '../src/local/snapshot_commands.js';
import { target, type BenchFigure } from './lib/report.js';

const USERS = Number(process.env.BENCH_SNAPSHOT_USERS ?? 1000);
const ITEMS = Number(process.env.BENCH_SNAPSHOT_ITEMS ?? 10000);
const OBJECTS = Number(process.env.BENCH_SNAPSHOT_OBJECTS ?? 1000);
const BIG = 20 * 1024 * 1024;

async function seed(cloud: LocalCloud): Promise<void> {
  const model = cloud.model;
  // One verifier computed once (SRP is deliberately slow), shared by synthetic users.
  const poolId = model.auth!.userPool.id;
  const verifier = createVerifier(poolId.split('_')[1], 'bench', 'Bench-Passw0rd!', Buffer.alloc(16, 1));
  const users: UserRecord[] = Array.from({ length: USERS }, (_, i) => ({
    username: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    sub: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    attributes: { sub: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, email: `user${i}@example.com`, email_verified: 'true' },
    status: 'CONFIRMED',
    enabled: true,
    createdAt: Date.UTC(2026, 0, 1),
    updatedAt: Date.UTC(2026, 0, 1),
    password: verifier,
    groups: [],
    mfa: { smsEnabled: false, totpEnabled: false },
    codes: {},
  }));
  // Synthetic users go in the way seed data does: a users.json imported.
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-snapshot-users-'));
  try {
    writeJson(path.join(dir, 'snapshot.json'), { format: 'amplify-local-snapshot', version: 1, createdAt: new Date().toISOString(), backend: {}, services: { auth: { exported: true } } });
    writeJson(path.join(dir, 'auth', poolId, 'users.json'), {
      userPoolId: poolId,
      userPoolName: model.auth!.userPool.name,
      logicalId: model.auth!.userPool.logicalId,
      users: users.map((u) => ({ ...u, createdAt: new Date(u.createdAt).toISOString(), updatedAt: new Date(u.updatedAt).toISOString() })),
    });
    await cloud.importSnapshot(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const data = cloud.services.find((s) => s.name === 'data') as DataService;
  const dynamo = data.engine()!.dynamodb as LocalDynamo;
  const table = model.data!.tables.find((t) => t.modelName === 'Post')!;
  const items = Array.from({ length: ITEMS }, (_, i) => ({
    id: { S: `post-${i}` },
    title: { S: `Post ${i}` },
    content: { S: 'x'.repeat(200) },
    owner: { S: 'someone::someone' },
    createdAt: { S: '2026-01-01T00:00:00.000Z' },
    updatedAt: { S: '2026-01-01T00:00:00.000Z' },
    __typename: { S: 'Post' },
  }));
  await dynamo.restoreItems(table.tableName, items);

  const bucketName = model.storage!.buckets[0].bucketName;
  const bytes = Buffer.alloc(10 * 1024, 7);
  const client = new S3Client({ endpoint: cloud.endpoint, region: model.region, forcePathStyle: true, credentials: cloud.accountKeys, maxAttempts: 1 });
  for (let i = 0; i < OBJECTS; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, OBJECTS - i) }, (_, j) =>
        client.send(new PutObjectCommand({ Bucket: bucketName, Key: `media/seed/file-${i + j}.bin`, Body: bytes, ContentType: 'application/octet-stream' })),
      ),
    );
  }
  await client.send(new PutObjectCommand({ Bucket: bucketName, Key: 'media/seed/big.bin', Body: Buffer.alloc(BIG, 3) }));
}

export async function main(): Promise<BenchFigure[]> {
  const root = path.resolve(import.meta.dirname, '..');
  const { assemblyDir } = await ensureAssembly({ projectDir: root, cacheDir: '.amplify/test-assembly' });
  const model = loadBackendModel(assemblyDir);
  const work = mkdtempSync(path.join(tmpdir(), 'amplify-bench-snapshot-'));
  const opts = { model, port: 0, outputsPath: null, log: silentLogger, onSnapshotProgress: () => undefined };
  const cloud = await createLocalCloud({ ...opts, dataDir: path.join(work, 'data') });
  const rows: string[] = [];
  const figures: BenchFigure[] = [];
  try {
    await seed(cloud);
    const what = `${USERS} users, ${ITEMS} items, ${OBJECTS} × 10 KB objects + one ${BIG / 1024 / 1024} MB`;

    // The floor: copying the data dir itself, what a raw backup of the same state costs.
    let t = performance.now();
    cpSync(path.join(work, 'data'), path.join(work, 'data-copy'), { recursive: true });
    const copyMs = performance.now() - t;
    rmSync(path.join(work, 'data-copy'), { recursive: true, force: true });
    const floor = { name: 'copying the data dir', value: copyMs };
    rows.push(`| copy of the data dir (floor) | ${formatDuration(copyMs)} |`);

    t = performance.now();
    await cloud.exportSnapshot(path.join(work, 'on-exit'));
    const exportMs = performance.now() - t;
    rows.push(`| export in-process (--export-on-exit) | ${formatDuration(exportMs)} |`);
    figures.push({ scenario: 'snapshot', figure: `export on exit: ${what}`, value: exportMs, unit: 'ms', better: 'lower', baseline: floor, target: target(exportMs, 'lower', 10_000, '≤ 10 s') });

    t = performance.now();
    let out = '';
    const code = await runSnapshotCommand(['export', path.join(work, 'via-api'), '--url', cloud.endpoint, '--data-dir', path.join(work, 'data')], { out: (s) => (out += s), err: (s) => (out += s), cwd: work });
    if (code !== 0) throw new Error(out);
    const serverSide = /Exported on the server in ([^;]+);/.exec(out)?.[1] ?? '?';
    const apiMs = performance.now() - t;
    rows.push(`| export through the admin API (npm run local:export; server-side write ${serverSide}, rest is fetching) | ${formatDuration(apiMs)} |`);
    figures.push({ scenario: 'snapshot', figure: 'npm run local:export of the same state', value: apiMs, unit: 'ms', better: 'lower', baseline: floor, target: target(apiMs, 'lower', 30_000, '≤ 30 s') });

    t = performance.now();
    const fresh = await createLocalCloud({ ...opts, dataDir: path.join(work, 'fresh') });
    const started = performance.now() - t;
    await fresh.stop();
    rmSync(path.join(work, 'fresh'), { recursive: true, force: true });
    t = performance.now();
    const lines: string[] = [];
    const imported = await createLocalCloud({ ...opts, dataDir: path.join(work, 'fresh'), import: path.join(work, 'on-exit'), onSnapshotProgress: (l) => lines.push(l) });
    const withImport = performance.now() - t;
    await imported.stop();
    rows.push(`| start with --import (start alone: ${formatDuration(started)}) | ${formatDuration(withImport)} |`);
    figures.push({
      scenario: 'snapshot',
      figure: 'start with --import of the same state',
      value: withImport,
      unit: 'ms',
      better: 'lower',
      baseline: { name: 'start without import', value: started },
      target: target(withImport, 'lower', 30_000, '≤ 30 s'),
    });
    for (const r of imported.imported ?? []) rows.push(`|   ${r.service}: ${describeCounts(r.counts)} | ${formatDuration(r.millis)} (checked ${formatDuration(r.checkMillis ?? 0)}, written ${formatDuration(r.writeMillis ?? 0)}) |`);

    console.log(`\nSnapshot of ${what}\n`);
    console.log('| step | time |');
    console.log('|---|---:|');
    for (const r of rows) console.log(r);
    return figures;
  } finally {
    await cloud.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
