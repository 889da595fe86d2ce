/**
 * `npm run reliability -- load [--clients 64] [--seconds 10] [--bursts 3] [--heap-snapshots dir]`:
 * a mixed workload against the local cloud in a child process, in bursts separated by a quiet
 * pause. Each client signs in, runs GraphQL gets, lists and creates of the backend's models,
 * keeps a subscription open (every fourth client) and uploads and downloads S3 objects. Reports
 * errors, requests/s, p50/p99 per operation, the server's peak RSS, its RSS and live heap (after a
 * forced GC) after each burst, and its open descriptors before the run and after every client closed.
 * The documented full run is `--clients 64 --seconds 60`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import WebSocket from 'ws';
import { percentile } from '../../bench/lib/stats.js';
import { Rng } from '../fuzz/rng.js';
import { connectionPeers, fdsOf, freePort, rssOf, startChildCloud, type ChildCloud } from './child_cloud.js';
import { cognitoEnvOf, createMutation, getQuery, identityCredentials, itemInput, modelPlans, newWriter, writablePrefixes, type Item, type ModelPlan, type Writer } from './clients.js';
import { signInSrp } from '../../tests/e2e/data_users.js';

export interface LoadOptions {
  assemblyDir: string;
  clients: number;
  seconds: number;
  bursts: number;
  seed: number;
  /** Write a heap snapshot of the server after each burst into this folder. */
  heapSnapshots?: string;
}

interface Fds {
  total: number;
  sockets: number;
  /** Established connections whose other end is a child of the server (Lambda environments) / anyone else. */
  connections?: { toChildren: number; toOthers: number };
  /** Child processes of the server (warm Lambda environments). */
  children?: number;
}

export interface BurstReport {
  burst: number;
  requests: number;
  rps: number;
  errors: number;
  /** Subscription events received. */
  events: number;
  rssAfter: number;
  peakRss: number;
  liveHeapAfter?: number;
  fdsAfter: Fds;
}

export interface LoadReport {
  clients: number;
  seconds: number;
  seed: number;
  notes: string[];
  bursts: BurstReport[];
  ops: { op: string; count: number; errors: number; p50: number; p99: number }[];
  rssBefore: number;
  peakRss: number;
  fdsBefore: Fds;
  fdsAfter: Fds;
  firstErrors: string[];
}

const PAUSE_MS = 2000;

/** Polls until the server's descriptors fall back to `target` (idle keep-alive sockets closing), up to 15 s. */
async function settledFds(pid: number, target: number): Promise<Fds> {
  const deadline = Date.now() + 15_000;
  let fds = fdsOf(pid);
  while (fds.total > target && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    fds = fdsOf(pid);
  }
  return { ...fds, connections: connectionPeers(pid), children: childrenOf(pid) };
}

function childrenOf(pid: number): number {
  return readdirSync('/proc').filter((d) => {
    try {
      return /^\d+$/.test(d) && /PPid:\s+(\d+)/.exec(readFileSync(`/proc/${d}/status`, 'utf8'))?.[1] === String(pid);
    } catch {
      return false;
    }
  }).length;
}

function postJson(agent: Agent, url: URL, headers: Record<string, string>, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { agent, method: 'POST', hostname: url.hostname, port: url.port, path: url.pathname, headers: { ...headers, 'content-length': Buffer.byteLength(body) }, timeout: 30_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

/** One client's connections for one burst (closed at its end, so the server's descriptors can drop back). */
interface Session {
  agent: Agent;
  s3?: S3Client;
  ws?: WebSocket;
}

export async function runLoad(opts: LoadOptions): Promise<LoadReport> {
  const root = mkdtempSync(path.join(tmpdir(), 'amplify-load-'));
  const cloud: ChildCloud = await startChildCloud({ assemblyDir: opts.assemblyDir, dataDir: path.join(root, 'data'), port: await freePort(), exposeGc: true });
  const ca = readFileSync(process.env.NODE_EXTRA_CA_CERTS!, 'utf8');
  const notes: string[] = [];
  const samples = new Map<string, number[]>();
  const opErrors = new Map<string, number>();
  const firstErrors: string[] = [];
  const rng = new Rng(opts.seed);
  let peakRss = 0;
  const sampler = setInterval(() => {
    try {
      peakRss = Math.max(peakRss, rssOf(cloud.pid));
    } catch {
      // exited
    }
  }, 200);
  try {
    const rssBefore = rssOf(cloud.pid);
    const fdsBefore: Fds = { ...fdsOf(cloud.pid), connections: connectionPeers(cloud.pid), children: childrenOf(cloud.pid) };
    const { plans, skipped } = modelPlans(cloud.outputs, false);
    for (const s of skipped) notes.push(`skipped model ${s}`);
    const writers: Writer[] = [];
    for (let i = 0; i < opts.clients; i++) writers.push(await newWriter(cloud.outputs, cloud.endpoint, `load-${opts.seed}-${i}@example.com`));
    const graphqlUrl = new URL(`${cloud.endpoint}/graphql`);
    const realtime = `${cloud.endpoint.replace(/^https:/, 'wss:')}/graphql/realtime`;
    const host = graphqlUrl.host;
    const subPlan = plans.find((p) => p.parents.length === 0);

    const bursts: BurstReport[] = [];
    for (let burst = 1; burst <= opts.bursts; burst++) {
      peakRss = rssOf(cloud.pid);
      let requests = 0;
      let errors = 0;
      let events = 0;
      const end = Date.now() + opts.seconds * 1000;
      const record = (op: string, ms: number, ok: boolean, detail?: string) => {
        requests++;
        let list = samples.get(op);
        if (!list) samples.set(op, (list = []));
        list.push(ms);
        if (!ok) {
          errors++;
          opErrors.set(op, (opErrors.get(op) ?? 0) + 1);
          if (firstErrors.length < 10) firstErrors.push(`${op}: ${detail}`);
        }
      };
      const timed = async (op: string, fn: () => Promise<string | undefined>) => {
        const t0 = performance.now();
        let problem: string | undefined;
        try {
          problem = await fn();
        } catch (err) {
          problem = err instanceof Error ? err.message : String(err);
        }
        record(op, performance.now() - t0, problem === undefined, problem);
      };

      const client = async (i: number) => {
        const w = writers[i];
        const cr = new Rng(rng.int(2 ** 31) ^ i);
        const session: Session = { agent: new Agent({ keepAlive: true, maxSockets: 2, ca }) };
        const myIds = new Map<string, string[]>();
        const myKeys: string[] = [];
        let token = w.user.accessToken;
        const gql = async (query: string, variables: Item) => {
          const res = await postJson(session.agent, graphqlUrl, { 'content-type': 'application/json; charset=UTF-8', authorization: token }, JSON.stringify({ query, variables }));
          const body = JSON.parse(res.text) as { data?: Record<string, unknown>; errors?: { message: string }[] };
          if (res.status !== 200 || body.errors) return { problem: `${res.status} ${res.text.slice(0, 200)}`, data: undefined };
          return { problem: undefined, data: body.data };
        };
        try {
          await timed('signIn', async () => {
            const u = await signInSrp(cognitoEnvOf(cloud.outputs, cloud.endpoint), w.user.email, w.user.password);
            token = u.accessToken;
            if (w.identityId) {
              const { credentials } = await identityCredentials(cloud.outputs, cloud.endpoint, u, w.identityId);
              session.s3 = new S3Client({
                endpoint: cloud.endpoint,
                region: cloud.outputs.storage!.aws_region,
                forcePathStyle: true,
                credentials,
                maxAttempts: 1,
                requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ keepAlive: true, maxSockets: 2, ca }) }),
              });
            }
            return undefined;
          });
          if (subPlan && i % 4 === 0) {
            await timed('subscribe', () => subscribe(session, subPlan, token, () => events++));
          }
          while (Date.now() < end) {
            const r = cr.next();
            const plan = plans.length ? cr.pick(plans) : undefined;
            if (r < 0.02) {
              await timed('signIn', async () => void (token = (await signInSrp(cognitoEnvOf(cloud.outputs, cloud.endpoint), w.user.email, w.user.password)).accessToken));
            } else if (plan && r < 0.3) {
              const input = itemInput(plan, cr, cloud.outputs, (model) => (myIds.get(model)?.length ? cr.pick(myIds.get(model)!) : undefined));
              if (!input) continue;
              await timed('graphql.create', async () => {
                const { problem } = await gql(createMutation(plan), { input });
                if (!problem) myIds.set(plan.name, [...(myIds.get(plan.name) ?? []).slice(-50), String(input[plan.keyFields[0]])]);
                return problem;
              });
            } else if (plan && r < 0.5 && myIds.get(plan.name)?.length) {
              const id = cr.pick(myIds.get(plan.name)!);
              await timed('graphql.get', async () => (await gql(getQuery(plan, cloud.outputs), { [plan.keyFields[0]]: id })).problem);
            } else if (plan && r < 0.65) {
              await timed('graphql.list', async () => (await gql(`query L { list${plan.pluralName}(limit: 20) { items { ${plan.keyFields.join(' ')} } nextToken } }`, {})).problem);
            } else if (session.s3 && w.prefixes.length && (r < 0.85 || !myKeys.length)) {
              const key = `${cr.pick(w.prefixes)}load/${cr.bytes(6).toString('hex')}.bin`;
              await timed('s3.put', async () => {
                await session.s3!.send(new PutObjectCommand({ Bucket: w.bucket, Key: key, Body: randomBytes(cr.int(64 * 1024)) }));
                myKeys.push(key);
                if (myKeys.length > 50) myKeys.shift();
                return undefined;
              });
            } else if (session.s3 && myKeys.length) {
              await timed('s3.get', async () => {
                const out = await session.s3!.send(new GetObjectCommand({ Bucket: w.bucket, Key: cr.pick(myKeys) }));
                await out.Body!.transformToByteArray();
                return undefined;
              });
            }
          }
        } finally {
          session.ws?.close();
          session.agent.destroy();
          session.s3?.destroy();
        }
      };

      const subscribe = (session: Session, plan: ModelPlan, token: string, onEvent: () => void) =>
        new Promise<string | undefined>((resolve) => {
          const header = Buffer.from(JSON.stringify({ Authorization: token, host })).toString('base64url');
          const ws = new WebSocket(realtime, ['graphql-ws', `header-${header}`], { ca });
          session.ws = ws;
          const timer = setTimeout(() => resolve('no start_ack within 10 s'), 10_000);
          ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init' })));
          ws.on('error', (err) => resolve(err.message));
          ws.on('message', (raw) => {
            const msg = JSON.parse(raw.toString()) as { type: string };
            if (msg.type === 'connection_ack') {
              const query = `subscription S { onCreate${plan.name} { ${plan.keyFields.join(' ')} } }`;
              ws.send(JSON.stringify({ id: '1', type: 'start', payload: { data: JSON.stringify({ query, variables: {} }), extensions: { authorization: { Authorization: token, host } } } }));
            } else if (msg.type === 'start_ack') {
              clearTimeout(timer);
              resolve(undefined);
            } else if (msg.type === 'data') onEvent();
            else if (msg.type === 'error' || msg.type === 'connection_error') {
              clearTimeout(timer);
              resolve(raw.toString().slice(0, 200));
            }
          });
        });

      const t0 = Date.now();
      await Promise.all(writers.map((_, i) => client(i)));
      const elapsed = (Date.now() - t0) / 1000;
      await new Promise((r) => setTimeout(r, PAUSE_MS));
      const liveHeapAfter = await cloud.liveHeap();
      if (opts.heapSnapshots) notes.push(`heap snapshot after burst ${burst}: ${await cloud.heapSnapshot(path.join(path.resolve(opts.heapSnapshots), `server-burst-${burst}.heapsnapshot`))}`);
      const fdsAfter = await settledFds(cloud.pid, fdsBefore.total);
      bursts.push({ burst, requests, rps: requests / elapsed, errors, events, rssAfter: rssOf(cloud.pid), peakRss, liveHeapAfter, fdsAfter });
    }
    const fdsAfter = await settledFds(cloud.pid, fdsBefore.total);
    if (fdsAfter.total > fdsBefore.total) {
      const counts = new Map<string, number>();
      for (const h of await cloud.handles()) counts.set(h.replace(/\d+->.*?:\d+/, '<port>-><peer>'), (counts.get(h.replace(/\d+->.*?:\d+/, '<port>-><peer>')) ?? 0) + 1);
      notes.push(`server handles after the run: ${[...counts].map(([h, n]) => `${n}× ${h}`).join(', ')}`, ...(await cloud.handles()).filter((h) => h.includes('->')));
    }
    const ops = [...samples.entries()].map(([op, list]) => {
      const sorted = [...list].sort((a, b) => a - b);
      return { op, count: list.length, errors: opErrors.get(op) ?? 0, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
    });
    if (!writablePrefixes(cloud.outputs, 'x').prefixes.length) notes.push('no S3 traffic (no writable storage path)');
    return { clients: opts.clients, seconds: opts.seconds, seed: opts.seed, notes, bursts, ops, rssBefore, peakRss: Math.max(...bursts.map((b) => b.peakRss)), fdsBefore, fdsAfter, firstErrors };
  } finally {
    clearInterval(sampler);
    await cloud.stop();
    rmSync(root, { recursive: true, force: true });
  }
}
