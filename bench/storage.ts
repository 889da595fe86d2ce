/**
 * `npm run bench -- storage`: upload and download throughput of 1 MB and 50 MB objects through the
 * real aws-amplify Storage client (HTTPS, SigV4, IAM rules, disk), next to a plain file copy of the
 * same bytes in the same run (the floor: what the disk alone costs).
 *
 * The whole local cloud runs in this process, as `npm start` would; one user signs in through the
 * client. BENCH_STORAGE_ROUNDS (default 3) rounds per size; the median is reported.
 */
import '../tests/helpers/polyfills.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { copyFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fetchAuthSession, signIn, signOut } from 'aws-amplify/auth';
import { downloadData, uploadData } from 'aws-amplify/storage';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { BenchFigure } from './lib/report.js';
import { configureAmplify, withStorageEndpoint } from '../src/client/index.js';
import { ensureAssembly } from '../src/local/assembly/cache.js';
import { loadBackendModel } from '../src/local/assembly/load_assembly.js';
import { createLocalCloud } from '../src/local/app.js';
import { silentLogger } from '../src/local/core/logger.js';
import { cognitoEnv, signUpAndConfirm } from '../tests/e2e/data_users.js';
import { median } from './lib/stats.js';

const ROUNDS = Number(process.env.BENCH_STORAGE_ROUNDS ?? 3);
const SIZES = [1, 50].map((mb) => mb * 1024 * 1024);


const mbps = (bytes: number, ms: number) => bytes / 1024 / 1024 / (ms / 1000);

export async function main(): Promise<BenchFigure[]> {
  const root = path.resolve(import.meta.dirname, '..');
  const { assemblyDir } = await ensureAssembly({ projectDir: root, cacheDir: '.amplify/test-assembly' });
  const model = loadBackendModel(assemblyDir);
  const work = mkdtempSync(path.join(tmpdir(), 'amplify-bench-storage-'));
  const cloud = await createLocalCloud({ model, dataDir: path.join(work, 'data'), port: 0, outputsPath: null, log: silentLogger });
  try {
    const email = 'bench.storage@example.com';
    const password = 'Correct-Horse-9-battery!';
    await signUpAndConfirm({ ...cognitoEnv(cloud.endpoint, model.auth!), outbox: async (f) => cloud.outbox.list(f) }, email, password);
    configureAmplify(cloud.outputs as Parameters<typeof configureAmplify>[0]);
    await signOut().catch(() => undefined);
    await signIn({ username: email, password });
    const session = await fetchAuthSession();
    const identityId = session.identityId!;
    // The same user's identity-pool credentials in the AWS SDK: native hashing, streaming bodies.
    const s3 = new S3Client({
      region: model.region,
      endpoint: cloud.endpoint,
      forcePathStyle: true,
      credentials: session.credentials!,
    });
    const bucket = model.storage!.buckets[0].bucketName;

    const rows: string[] = [];
    const figures: BenchFigure[] = [];
    for (const size of SIZES) {
      const data = Buffer.alloc(size);
      for (let i = 0; i < size; i += 4096) data[i] = i % 251;
      const src = path.join(work, `src-${size}`);
      writeFileSync(src, data);
      const copyMs: number[] = [];
      const upMs: number[] = [];
      const downMs: number[] = [];
      const sdkUpMs: number[] = [];
      const sdkDownMs: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        let t = performance.now();
        await copyFile(src, path.join(work, `copy-${size}-${r}`));
        await readFile(path.join(work, `copy-${size}-${r}`));
        copyMs.push(performance.now() - t);

        const key = `private/${identityId}/bench-${size}-${r}`;
        t = performance.now();
        await uploadData({ path: key, data, options: withStorageEndpoint() }).result;
        upMs.push(performance.now() - t);

        t = performance.now();
        const out = await downloadData({ path: key, options: withStorageEndpoint() }).result;
        const body = Buffer.from(await (await out.body.blob()).arrayBuffer());
        downMs.push(performance.now() - t);
        if (!body.equals(data)) throw new Error('downloaded bytes differ from the upload');

        const sdkKey = `private/${identityId}/bench-sdk-${size}-${r}`;
        t = performance.now();
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: sdkKey, Body: data }));
        sdkUpMs.push(performance.now() - t);
        t = performance.now();
        const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: sdkKey }));
        const sdkBody = Buffer.from(await got.Body!.transformToByteArray());
        sdkDownMs.push(performance.now() - t);
        if (!sdkBody.equals(data)) throw new Error('SDK download differs from the upload');
      }
      const c = median(copyMs);
      const u = median(upMs);
      const d = median(downMs);
      const label = `${size / 1024 / 1024} MB`;
      rows.push(`| ${label} | file copy + read (floor) | ${c.toFixed(1)} | ${mbps(size, c).toFixed(0)} | 1.00× |`);
      rows.push(`| ${label} | uploadData (${size > 5 * 1024 * 1024 ? 'multipart' : 'PutObject'}) | ${u.toFixed(1)} | ${mbps(size, u).toFixed(0)} | ${(u / c).toFixed(1)}× |`);
      rows.push(`| ${label} | downloadData | ${d.toFixed(1)} | ${mbps(size, d).toFixed(0)} | ${(d / c).toFixed(1)}× |`);
      const su = median(sdkUpMs);
      const sd = median(sdkDownMs);
      rows.push(`| ${label} | @aws-sdk/client-s3 PutObject | ${su.toFixed(1)} | ${mbps(size, su).toFixed(0)} | ${(su / c).toFixed(1)}× |`);
      rows.push(`| ${label} | @aws-sdk/client-s3 GetObject | ${sd.toFixed(1)} | ${mbps(size, sd).toFixed(0)} | ${(sd / c).toFixed(1)}× |`);
      const floor = { name: 'file copy + read of the same bytes', value: mbps(size, c) };
      const through = (figure: string, ms: number): BenchFigure => ({ scenario: 'storage', figure: `${label} ${figure}`, value: mbps(size, ms), unit: 'MB/s', better: 'higher', baseline: floor });
      figures.push(through(`aws-amplify uploadData (${size > 5 * 1024 * 1024 ? 'multipart' : 'PutObject'})`, u), through('aws-amplify downloadData', d), through('SDK PutObject', su), through('SDK GetObject', sd));
    }
    console.log(`\nStorage through the aws-amplify client (median of ${ROUNDS}; time relative to the file copy)\n`);
    console.log('| size | path | ms | MB/s | vs floor |');
    console.log('|---|---|---:|---:|---:|');
    for (const r of rows) console.log(r);
    return figures;
  } finally {
    await signOut().catch(() => undefined);
    await cloud.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
