/**
 * `npm run reliability -- crash [--rounds K] [--clients N] [--seed S]`: the local cloud in a child
 * process, N clients writing GraphQL items and S3 objects (single PUTs, overwrites, multipart
 * uploads with 5 MiB parts), SIGKILL mid-stream (after a seeded number of acknowledgements or
 * milliseconds), a restart on the same data dir, then every acknowledged write is checked:
 * lost = acknowledged but missing or replaced by older content; torn = present with content no write
 * sent, or an object nobody wrote.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { loadBackendModel } from '../../src/local/assembly/load_assembly.js';
import { Rng } from '../fuzz/rng.js';
import { startChildCloud, freePort, type ChildCloud } from './child_cloud.js';
import { createMutation, getQuery, graphql, itemInput, modelPlans, newWriter, sha256, type Item, type ModelPlan, type Writer } from './clients.js';
import { Ledger } from './ledger.js';

export interface CrashOptions {
  assemblyDir: string;
  rounds: number;
  clients: number;
  seed: number;
  /** Longest a round writes before the kill, whatever its trigger. */
  roundDeadlineMs?: number;
}

export interface RoundReport {
  round: number;
  trigger: string;
  acked: number;
  verified: number;
  lost: string[];
  torn: string[];
  /** Writes the crash interrupted that turned out complete (allowed). */
  landedUnacked: number;
  errorsBeforeKill: string[];
}

const MIB = 1024 * 1024;
const itemKey = (plan: ModelPlan, input: Item) => `${plan.name}#${JSON.stringify(plan.keyFields.map((k) => input[k]))}`;

function isRejection(err: unknown): boolean {
  // An S3 error answer (it has an HTTP status): the server decided, nothing was written.
  const meta = (err as { $metadata?: { httpStatusCode?: number } }).$metadata;
  return Boolean(meta?.httpStatusCode && meta.httpStatusCode >= 400 && meta.httpStatusCode < 500);
}

/** The object's bytes, and whether its stored ETag (MD5 for single PUTs) still describes them. */
async function bodyOf(s3: Writer['s3'], bucket: string, key: string): Promise<{ body: Buffer; etagMatches: boolean } | undefined> {
  try {
    // `s3` is a client without response checksum validation: a mismatch is reported as torn, not thrown.
    const out = await s3!.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const body = Buffer.from(await out.Body!.transformToByteArray());
    const etag = (out.ETag ?? '').replace(/"/g, '');
    return { body, etagMatches: etag.includes('-') || etag === createHash('md5').update(body).digest('hex') };
  } catch (err) {
    if ((err as { name?: string }).name === 'NoSuchKey') return undefined;
    throw err;
  }
}

/** Probes each model once: with optional strings, else required fields only (field rules may forbid some). */
async function usablePlans(cloud: ChildCloud, writer: Writer, rng: Rng, ledger: Ledger): Promise<{ plans: ModelPlan[]; notes: string[] }> {
  const rich = modelPlans(cloud.outputs, true);
  const bare = modelPlans(cloud.outputs, false);
  const notes = [...rich.skipped.map((s) => `skipped ${s}`)];
  const plans: ModelPlan[] = [];
  // Parents first, so belongsTo children find an id.
  const ordered = [...rich.plans].sort((a, b) => a.parents.length - b.parents.length);
  for (const candidate of ordered) {
    let chosen: ModelPlan | undefined;
    let lastError = '';
    for (const plan of [candidate, bare.plans.find((p) => p.name === candidate.name)!]) {
      const input = itemInput(plan, rng, cloud.outputs, (model) => ledger.ackedIds(0, model)[0]);
      if (!input) {
        lastError = 'no parent item';
        continue;
      }
      const res = await graphql(cloud.endpoint, writer.user.accessToken, createMutation(plan), { input });
      if (res.status === 200 && !res.errors && res.data?.[`create${plan.name}`]) {
        const id = itemKey(plan, input);
        ledger.itemSent(id, { plan, writer: 0, input });
        ledger.itemAcked(id);
        chosen = plan;
        break;
      }
      lastError = res.errors?.[0]?.message ?? `HTTP ${res.status}`;
    }
    if (chosen) plans.push(chosen);
    else notes.push(`skipped ${candidate.name} (${lastError})`);
  }
  return { plans, notes };
}

export async function runCrash(opts: CrashOptions): Promise<{ rounds: RoundReport[]; notes: string[] }> {
  const root = mkdtempSync(path.join(tmpdir(), 'amplify-crash-'));
  const dataDir = path.join(root, 'data');
  const port = await freePort();
  const rng = new Rng(opts.seed);
  const ledger = new Ledger();
  const deadline = opts.roundDeadlineMs ?? 60_000;
  let cloud = await startChildCloud({ assemblyDir: opts.assemblyDir, dataDir, port });
  const reports: RoundReport[] = [];
  try {
    const writers: Writer[] = [];
    for (let i = 0; i < opts.clients; i++) writers.push(await newWriter(cloud.outputs, cloud.endpoint, `crash-${opts.seed}-${i}@example.com`));
    const { plans, notes } = await usablePlans(cloud, writers[0], rng, ledger);
    if (!writers[0].s3 || !writers[0].prefixes.length) notes.push('no S3 writes (no identity pool or no writable storage path)');
    const queue = queueOf(opts.assemblyDir, cloud);
    if (!queue) notes.push('no SQS sends (the backend has no standard queue)');

    for (let round = 1; round <= opts.rounds; round++) {
      const byAcks = rng.chance(0.5);
      const killAt = byAcks ? 20 + rng.int(300) : 500 + rng.int(4500);
      const trigger = byAcks ? `${killAt} acks` : `${killAt} ms`;
      const ackedBefore = ledger.acks;
      const started = Date.now();
      const errorsBeforeKill: string[] = [];
      let killed = false;
      let killing: Promise<void> | undefined;
      const kill = () => {
        killing ??= cloud.kill9().then(() => void (killed = true));
        return killing;
      };
      const maybeKill = () => {
        if (byAcks ? ledger.acks - ackedBefore >= killAt : Date.now() - started >= killAt) void kill();
      };
      const timer = byAcks ? undefined : setTimeout(() => void kill(), killAt);
      const hardStop = setTimeout(() => void kill(), deadline);

      const loop = async (w: number) => {
        const writer = writers[w];
        const wr = new Rng(rng.int(2 ** 31) ^ w);
        while (!killing) {
          const op = wr.next();
          try {
            if (queue && op < 0.1) {
              const body = `crash-msg:${round}:${w}:${wr.bytes(8).toString('hex')}`;
              ledger.messageSent(body);
              await queue.sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: body }));
              ledger.messageAcked(body);
            } else if (op < 0.5 && plans.length) {
              const plan = wr.pick(plans);
              const input = itemInput(plan, wr, cloud.outputs, (model) => {
                const ids = ledger.ackedIds(w, model);
                return ids.length ? wr.pick(ids) : undefined;
              });
              if (!input) {
                // The parent comes first.
                const parent = plans.find((p) => p.name === plan.parents[0]?.model);
                if (!parent) continue;
                const pin = itemInput(parent, wr, cloud.outputs, () => undefined);
                if (!pin) continue;
                await createItem(parent, pin);
                continue;
              }
              await createItem(plan, input);
            } else if (writer.s3 && writer.prefixes.length) {
              const multipart = op > 0.9;
              const existing = ledger.ackedKeys(w);
              const key = !multipart && existing.length && wr.chance(0.2) ? wr.pick(existing) : `${wr.pick(writer.prefixes)}crash/${round}-${wr.bytes(6).toString('hex')}.bin`;
              if (multipart) await multipartUpload(key);
              else await putObject(key, randomBytes(wr.int(256 * 1024)));
            }
          } catch (err) {
            if (!killing) errorsBeforeKill.push(err instanceof Error ? err.message : String(err));
          }
          maybeKill();
        }

        async function createItem(plan: ModelPlan, input: Item) {
          const id = itemKey(plan, input);
          ledger.itemSent(id, { plan, writer: w, input });
          const res = await graphql(cloud.endpoint, writer.user.accessToken, createMutation(plan), { input });
          if (res.status === 200 && !res.errors && res.data?.[`create${plan.name}`]) ledger.itemAcked(id);
          else if (res.status === 200 || (res.status >= 400 && res.status < 500)) {
            ledger.itemRejected(id);
            if (!killing) errorsBeforeKill.push(`create${plan.name}: ${res.errors?.[0]?.message ?? res.status}`);
          }
        }

        async function putObject(key: string, body: Buffer) {
          const sha = sha256(body);
          ledger.objectSent(key, w, sha, body.length, false);
          try {
            await writer.s3!.send(new PutObjectCommand({ Bucket: writer.bucket, Key: key, Body: body }));
            ledger.objectAcked(key, sha);
          } catch (err) {
            if (isRejection(err)) ledger.objectRejected(key, sha);
            throw err;
          }
        }

        async function multipartUpload(key: string) {
          const parts = [randomBytes(5 * MIB), randomBytes(5 * MIB), randomBytes(wr.int(MIB) + 1)];
          const whole = Buffer.concat(parts);
          const sha = sha256(whole);
          ledger.objectSent(key, w, sha, whole.length, true);
          try {
            const { UploadId } = await writer.s3!.send(new CreateMultipartUploadCommand({ Bucket: writer.bucket, Key: key }));
            const done: { PartNumber: number; ETag?: string }[] = [];
            for (const [i, body] of parts.entries()) {
              const out = await writer.s3!.send(new UploadPartCommand({ Bucket: writer.bucket, Key: key, UploadId, PartNumber: i + 1, Body: body }));
              done.push({ PartNumber: i + 1, ETag: out.ETag });
            }
            await writer.s3!.send(new CompleteMultipartUploadCommand({ Bucket: writer.bucket, Key: key, UploadId, MultipartUpload: { Parts: done } }));
            ledger.objectAcked(key, sha);
          } catch (err) {
            if (isRejection(err)) ledger.objectRejected(key, sha);
            throw err;
          }
        }
      };

      // Every loop ends once the kill is under way: its next request fails and `killing` is set.
      await Promise.all(writers.map((_, w) => loop(w)));
      await kill();
      clearTimeout(timer);
      clearTimeout(hardStop);
      if (!killed) throw new Error('the local cloud was not killed');

      cloud = await startChildCloud({ assemblyDir: opts.assemblyDir, dataDir, port });
      const report = await verify(cloud, writers, ledger);
      if (queue) {
        const q = await verifyQueue(queue, ledger);
        report.verified += q.verified;
        report.lost.push(...q.lost);
        report.torn.push(...q.torn);
        report.landedUnacked += q.landedUnacked;
      }
      reports.push({ round, trigger, acked: ledger.acks - ackedBefore, ...report, errorsBeforeKill });
    }
    return { rounds: reports, notes };
  } finally {
    await cloud.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

/** Checks the restarted cloud against the ledger, then makes the ledger what is actually stored. */
async function verify(cloud: ChildCloud, writers: Writer[], ledger: Ledger): Promise<Pick<RoundReport, 'verified' | 'lost' | 'torn' | 'landedUnacked'>> {
  const lost: string[] = [];
  const torn: string[] = [];
  let verified = 0;
  let landedUnacked = 0;
  for (const [id, rec] of [...ledger.items]) {
    const keyVars = Object.fromEntries(rec.plan.keyFields.map((k) => [k, rec.input[k]]));
    const res = await graphql(cloud.endpoint, writers[rec.writer].user.accessToken, getQuery(rec.plan, cloud.outputs), keyVars);
    if (res.errors) throw new Error(`reading ${id} after the restart failed: ${res.errors[0].message}`);
    const got = res.data?.[`get${rec.plan.name}`] as Item | null | undefined;
    if (!got) {
      if (rec.acked) lost.push(`item ${id}`);
      else ledger.items.delete(id);
      continue;
    }
    const same = rec.plan.fields.every((f) => JSON.stringify(got[f.name]) === JSON.stringify(rec.input[f.name]));
    if (!same) {
      torn.push(`item ${id}: stored ${JSON.stringify(got)} ≠ written ${JSON.stringify(rec.input)}`);
      ledger.items.delete(id); // reported once
    }
    else if (rec.acked) verified++;
    else {
      landedUnacked++;
      rec.acked = true;
    }
  }
  for (const [key, rec] of [...ledger.objects]) {
    const w = writers[rec.writer];
    const got = await bodyOf(w.verifyS3, w.bucket!, key);
    if (!got) {
      if (rec.acked !== undefined) lost.push(`object ${key}`);
      else ledger.objects.delete(key);
      continue;
    }
    const { body, etagMatches } = got;
    const sha = sha256(body);
    if (!etagMatches) {
      torn.push(`object ${key}: its ETag does not describe its ${body.length} bytes (metadata and content of different writes)`);
      ledger.objects.delete(key); // reported once
      continue;
    }
    else if (sha === rec.acked) verified++;
    else if (rec.pending.has(sha)) {
      landedUnacked++;
      if (rec.acked !== undefined) verified++;
      rec.acked = sha;
    } else if (rec.acked !== undefined && [...rec.size.keys()].includes(sha)) lost.push(`object ${key}: an older content came back`);
    else {
      ledger.objects.delete(key);
      torn.push(`object ${key}${rec.multipart ? ' (multipart)' : ''}: ${body.length} bytes, matching no write (sizes sent ${[...rec.size.values()].join('/')})`);
    }
    rec.pending.clear();
  }
  // Nothing visible that nobody wrote.
  for (const [i, w] of writers.entries()) {
    if (!w.s3) continue;
    for (const prefix of w.prefixes) {
      let token: string | undefined;
      for (let page = 0; page < 1000; page++) {
        const out = await w.s3.send(new ListObjectsV2Command({ Bucket: w.bucket, Prefix: `${prefix}crash/`, ContinuationToken: token }));
        for (const o of out.Contents ?? []) {
          const rec = ledger.objects.get(o.Key!);
          if (!rec || rec.writer !== i) torn.push(`object ${o.Key}: listed, never written`);
          else if (rec.acked && rec.size.get(rec.acked) !== o.Size) torn.push(`object ${o.Key}: listed with ${o.Size} bytes, stored content has ${rec.size.get(rec.acked)}`);
        }
        if (!out.IsTruncated) break;
        token = out.NextContinuationToken;
      }
    }
  }
  return { verified, lost, torn, landedUnacked };
}

interface CrashQueue {
  sqs: SQSClient;
  url: string;
}

/** The backend's first standard queue, written with the account's developer keys (from the outputs). */
function queueOf(assemblyDir: string, cloud: ChildCloud): CrashQueue | undefined {
  const q = (loadBackendModel(assemblyDir).queues ?? []).find((x) => !x.fifo);
  const dev = (cloud.outputs.custom as { local?: { developer_credentials?: { access_key_id: string; secret_access_key: string; region: string } } } | undefined)?.local?.developer_credentials;
  if (!q || !dev) return undefined;
  return {
    url: q.url.replace('${LOCAL_ENDPOINT}', cloud.endpoint),
    sqs: new SQSClient({ endpoint: cloud.endpoint, region: dev.region, credentials: { accessKeyId: dev.access_key_id, secretAccessKey: dev.secret_access_key }, maxAttempts: 1 }),
  };
}

/**
 * Drains the queue (receive, then delete what was received): every acknowledged message must come
 * back; messages of this run that nobody sent are torn; other messages (the backend's own) are left
 * out. Checked messages leave the ledger.
 */
async function verifyQueue(queue: CrashQueue, ledger: Ledger): Promise<Pick<RoundReport, 'verified' | 'lost' | 'torn' | 'landedUnacked'>> {
  const seen = new Set<string>();
  const torn: string[] = [];
  for (let i = 0; i < 2000; i++) {
    const out = await queue.sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, VisibilityTimeout: 600, WaitTimeSeconds: 0 }));
    const got = out.Messages ?? [];
    if (!got.length) break;
    for (const m of got) {
      if (!m.Body?.startsWith('crash-msg:')) continue;
      if (!ledger.messages.has(m.Body)) torn.push(`message ${m.Body.slice(0, 60)}: received, never sent`);
      seen.add(m.Body);
    }
    await queue.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queue.url, Entries: got.map((m, k) => ({ Id: String(k), ReceiptHandle: m.ReceiptHandle! })) }));
  }
  let verified = 0;
  let landedUnacked = 0;
  const lost: string[] = [];
  for (const [body, rec] of ledger.messages) {
    if (seen.has(body)) {
      if (rec.acked) verified++;
      else landedUnacked++;
    } else if (rec.acked) lost.push(`message ${body}`);
  }
  ledger.messages.clear();
  return { verified, lost, torn, landedUnacked };
}
