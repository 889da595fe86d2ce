/**
 * `npm run bench -- graphql`: the local GraphQL endpoint against its floor and the Gen 1 stack.
 *
 * Side by side, in one run, over HTTPS with keep-alive, authenticated with one real user-pool token:
 *   - floor:  a bare node:https server returning a fixed body (what Node + TLS cost at best);
 *   - gen1:   @aws-amplify/amplify-appsync-simulator + dynalite running the same generated resolvers
 *             (templates as files, parsed once, as `amplify mock` loads them), bound to 127.0.0.1;
 *   - local:  this project's local cloud (front door, auth verification, data service, engine).
 * Each runs `getPost` and `createPost` at 1, 16 and 64 concurrent clients. The load generator runs in
 * a child process so client and server do not share an event loop. Then subscription fan-out: 1000
 * WebSocket subscribers, one mutation, delivery latency from the mutation's send to each `data` frame.
 *
 * Targets: local ≥ 10× Gen 1 req/s and p99 ≤ 10 ms at 16 clients; fan-out to 1000 subscribers p99 ≤ 50 ms.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer, Agent, request as httpsRequest, type Server } from 'node:https';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import WebSocket from 'ws';
import type { BackendModel } from '../src/local/assembly/model.js';
import { target, type BenchFigure } from './lib/report.js';
import { percentile } from './lib/stats.js';

const require = createRequire(import.meta.url);

const GET_POST = 'query GetPost($id: ID!) { getPost(id: $id) { id title content status owner createdAt updatedAt } }';
const CREATE_POST =
  'mutation CreatePost($input: CreatePostInput!) { createPost(input: $input) { id title content status owner createdAt updatedAt } }';
const ON_CREATE_POST = 'subscription OnCreatePost { onCreatePost { id title content owner createdAt updatedAt } }';

const CONCURRENCY = [1, 16, 64];
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 3000);
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 700);
const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1000);

// ── load generator (worker thread) ───────────────────────────────────────────

interface LoadJob {
  kind: 'load';
  url: string;
  token: string;
  op: 'get' | 'create';
  postId: string;
  concurrency: number;
  durationMs: number;
  warmupMs: number;
  ca: string;
}

interface FanoutJob {
  kind: 'fanout';
  endpoint: string;
  token: string;
  subscribers: number;
  ca: string;
}

export interface LoadResult {
  requests: number;
  errors: number;
  firstError?: string;
  rps: number;
  p50: number;
  p99: number;
}

export interface FanoutResult {
  subscribers: number;
  received: number;
  p50: number;
  p99: number;
  max: number;
  mutationMs: number;
}


function post(agent: Agent, url: URL, headers: Record<string, string>, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { agent, method: 'POST', hostname: url.hostname, port: url.port, path: url.pathname, headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function runLoad(job: LoadJob): Promise<LoadResult> {
  const url = new URL(job.url);
  const agent = new Agent({ keepAlive: true, maxSockets: job.concurrency, ca: job.ca });
  const headers = { 'content-type': 'application/json; charset=UTF-8', authorization: job.token };
  const start = performance.now();
  const measureFrom = start + job.warmupMs;
  const end = measureFrom + job.durationMs;
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let seq = 0;
  const body = () =>
    job.op === 'get'
      ? JSON.stringify({ query: GET_POST, variables: { id: job.postId } })
      : JSON.stringify({ query: CREATE_POST, variables: { input: { title: `bench ${++seq}`, content: 'a benchmark post' } } });
  const client = async () => {
    for (;;) {
      const t0 = performance.now();
      if (t0 >= end) return;
      let ok = false;
      try {
        const res = await post(agent, url, headers, body());
        ok = res.status === 200 && !res.text.includes('"errors"');
        if (!ok) firstError ??= `${res.status} ${res.text.slice(0, 300)}`;
      } catch (err) {
        firstError ??= String(err);
      }
      const t1 = performance.now();
      if (t0 >= measureFrom && t1 <= end) {
        latencies.push(t1 - t0);
        if (!ok) errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, client));
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, errors, firstError, rps: latencies.length / (job.durationMs / 1000), p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function runFanout(job: FanoutJob): Promise<FanoutResult> {
  const realtime = `${job.endpoint.replace(/^https:/, 'wss:')}/graphql/realtime`;
  const host = new URL(job.endpoint).host;
  const header = Buffer.from(JSON.stringify({ Authorization: job.token, host })).toString('base64url');
  const sockets: WebSocket[] = [];
  const arrivals: number[] = [];
  let t0 = 0;
  const open = async (i: number) => {
    const ws = new WebSocket(realtime, ['graphql-ws', `header-${header}`], { ca: job.ca });
    sockets.push(ws);
    await once(ws, 'open');
    const acked = new Promise<void>((resolve, reject) => {
      ws.on('message', (raw) => {
        const msg = JSON.parse(raw.toString()) as { type: string };
        if (msg.type === 'connection_ack') {
          ws.send(
            JSON.stringify({
              id: `s${i}`,
              type: 'start',
              payload: { data: JSON.stringify({ query: ON_CREATE_POST, variables: {} }), extensions: { authorization: { Authorization: job.token, host } } },
            }),
          );
        } else if (msg.type === 'start_ack') resolve();
        else if (msg.type === 'data') arrivals.push(performance.now() - t0);
        else if (msg.type === 'error' || msg.type === 'connection_error') reject(new Error(raw.toString()));
      });
    });
    ws.send(JSON.stringify({ type: 'connection_init' }));
    await acked;
  };
  for (let i = 0; i < job.subscribers; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, job.subscribers - i) }, (_, k) => open(i + k)));
  }
  const agent = new Agent({ keepAlive: true, ca: job.ca });
  t0 = performance.now();
  const res = await post(
    agent,
    new URL(`${job.endpoint}/graphql`),
    { 'content-type': 'application/json; charset=UTF-8', authorization: job.token },
    JSON.stringify({ query: CREATE_POST, variables: { input: { title: 'fan-out', content: 'one mutation, many subscribers' } } }),
  );
  const mutationMs = performance.now() - t0;
  if (res.status !== 200 || res.text.includes('"errors"')) throw new Error(`fan-out mutation failed: ${res.text}`);
  const deadline = Date.now() + 10_000;
  while (arrivals.length < job.subscribers && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  for (const ws of sockets) ws.terminate();
  agent.destroy();
  const sorted = [...arrivals].sort((a, b) => a - b);
  return { subscribers: job.subscribers, received: arrivals.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? NaN, mutationMs };
}

if (process.env.BENCH_GRAPHQL_LOADGEN === '1' && process.send) {
  process.on('message', (job: LoadJob | FanoutJob) => {
    const run = job.kind === 'load' ? runLoad(job) : runFanout(job);
    run.then(
      (result) => process.send!({ ok: true, result }),
      (err: unknown) => process.send!({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
    );
  });
}

/** The load generator: this file in a child process, so clients and servers do not share an event loop. */
class LoadGenerator {
  private readonly child: ChildProcess = fork(fileURLToPath(import.meta.url), [], {
    execArgv: process.execArgv,
    env: { ...process.env, BENCH_GRAPHQL_LOADGEN: '1' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  run<T>(job: LoadJob | FanoutJob): Promise<T> {
    return new Promise((resolve, reject) => {
      this.child.once('message', (m: { ok: boolean; result?: T; error?: string }) => (m.ok ? resolve(m.result as T) : reject(new Error(m.error))));
      this.child.send(job);
    });
  }
  stop(): void {
    this.child.kill();
  }
}

// ── the three servers ────────────────────────────────────────────────────────

interface Target {
  name: 'floor' | 'gen1' | 'local';
  url: string;
  postId: string;
  /** The Authorization header value this target gets. */
  token?: string;
  close(): Promise<void>;
}

async function listenHttps(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function startFloor(tls: { certPem: string; keyPem: string }): Promise<Target> {
  const body = JSON.stringify({
    data: { getPost: { id: '00000000-0000-4000-8000-000000000000', title: 'a post', content: 'a benchmark post', status: null, owner: 'x::y', createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' } },
  });
  const server = createHttpsServer({ cert: tls.certPem, key: tls.keyPem, keepAliveTimeout: 30_000 }, (req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
  });
  const url = `${await listenHttps(server)}/graphql`;
  return { name: 'floor', url, postId: 'x', close: () => new Promise((r) => server.close(() => r())) };
}

type DynaliteServer = { listen(port: number, host: string, cb: (err?: Error) => void): void; close(cb: () => void): void; address(): AddressInfo };

/** Gen 1: the AppSync simulator's engine and express app + dynalite, with the assembly's resolvers. */
export async function startGen1(model: BackendModel, tls: { certPem: string; keyPem: string }, ca: string, token: string): Promise<Target> {
  const data = model.data!;
  const dynalite = require('dynalite') as (o: { createTableMs: number }) => DynaliteServer;
  const db = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve, reject) => db.listen(0, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
  const dbUrl = `http://127.0.0.1:${db.address().port}`;
  const credentials = { accessKeyId: 'fake', secretAccessKey: 'fake' };
  const ddb = new DynamoDBClient({ endpoint: dbUrl, region: model.region, credentials });
  for (const t of data.tables) {
    await ddb.send(
      new CreateTableCommand({
        TableName: t.tableName,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: t.keySchema.map((k) => ({ AttributeName: k.attributeName, KeyType: k.keyType })),
        AttributeDefinitions: t.attributeDefinitions.map((a) => ({ AttributeName: a.attributeName, AttributeType: a.attributeType })),
        GlobalSecondaryIndexes: t.globalSecondaryIndexes.length
          ? t.globalSecondaryIndexes.map((g) => ({
              IndexName: g.indexName,
              KeySchema: g.keySchema.map((k) => ({ AttributeName: k.attributeName, KeyType: k.keyType })),
              Projection: { ProjectionType: g.projection.projectionType, NonKeyAttributes: g.projection.nonKeyAttributes },
            }))
          : undefined,
      }),
    );
  }
  ddb.destroy();

  const simulatorPath = path.dirname(require.resolve('@aws-amplify/amplify-appsync-simulator/package.json'));
  const { AmplifyAppSyncSimulator } = require(simulatorPath) as { AmplifyAppSyncSimulator: new (c?: object) => { init(c: object): void } };
  const { OperationServer } = require(path.join(simulatorPath, 'lib/server/operations')) as {
    OperationServer: new (config: object, sim: object) => { app: (req: unknown, res: unknown) => void };
  };
  const templates: { path: string; content: string }[] = [];
  const tpl = (p: string, content: string | undefined) => {
    templates.push({ path: p, content: content ?? '$util.toJson({})' });
    return p;
  };
  const resolvers = data.resolvers.map((r) => {
    const base = {
      typeName: r.typeName,
      fieldName: r.fieldName,
      requestMappingTemplateLocation: tpl(`resolvers/${r.typeName}.${r.fieldName}.req.vtl`, r.requestTemplate),
      responseMappingTemplateLocation: tpl(`resolvers/${r.typeName}.${r.fieldName}.res.vtl`, r.responseTemplate),
    };
    return r.kind === 'PIPELINE' ? { ...base, kind: 'PIPELINE', functions: r.pipeline } : { ...base, kind: 'UNIT', dataSourceName: r.dataSource };
  });
  const functions = data.functions.map((f) => ({
    name: f.id,
    dataSourceName: f.dataSource,
    requestMappingTemplateLocation: tpl(`functions/${f.id}.req.vtl`, f.requestTemplate),
    responseMappingTemplateLocation: tpl(`functions/${f.id}.res.vtl`, f.responseTemplate),
  }));
  const dataSources = data.dataSources.map((ds) => {
    if (ds.type === 'AMAZON_DYNAMODB') return { name: ds.name, type: ds.type, config: { endpoint: dbUrl, region: model.region, credentials, tableName: ds.tableName } };
    if (ds.type === 'AWS_LAMBDA') return { name: ds.name, type: ds.type, invoke: async () => null };
    return { name: ds.name, type: 'NONE' };
  });
  const auth = (mode: string) => (mode === 'AMAZON_COGNITO_USER_POOLS' ? { authenticationType: mode, cognitoUserPoolConfig: {} } : { authenticationType: mode });
  const simulator = new AmplifyAppSyncSimulator({});
  simulator.init({
    schema: { content: data.schema },
    resolvers,
    functions,
    dataSources,
    mappingTemplates: templates,
    appSync: {
      name: data.name,
      defaultAuthenticationType: auth(data.defaultAuthMode),
      additionalAuthenticationProviders: data.additionalAuthModes.map(auth),
      apiKey: data.apiKey,
      accountId: model.accountId,
    },
  });
  // Not `simulator.start()`: it listens on every interface. Serve its express app on loopback, over TLS.
  const ops = new OperationServer({}, simulator);
  const server = createHttpsServer({ cert: tls.certPem, key: tls.keyPem, keepAliveTimeout: 30_000 }, ops.app as never);
  const url = `${await listenHttps(server)}/graphql`;
  const postId = await seedPost(url, token, ca);
  return {
    name: 'gen1',
    url,
    postId,
    token,
    close: async () => {
      await new Promise<void>((r) => server.close(() => r()));
      await new Promise<void>((r) => db.close(() => r()));
    },
  };
}

async function seedPost(url: string, token: string, ca: string): Promise<string> {
  const agent = new Agent({ ca });
  const res = await post(
    agent,
    new URL(url),
    { 'content-type': 'application/json', authorization: token },
    JSON.stringify({ query: CREATE_POST, variables: { input: { title: 'seed', content: 'the post getPost reads' } } }),
  );
  agent.destroy();
  const body = JSON.parse(res.text) as { data?: { createPost?: { id: string } }; errors?: unknown };
  const id = body.data?.createPost?.id;
  if (!id) throw new Error(`seeding a post failed: ${res.status} ${res.text.slice(0, 500)}`);
  return id;
}

/**
 * The Gen 1 simulator verifies no signature but insists on a `https://cognito-idp.` issuer, so it gets
 * the same claims re-wrapped with that issuer (the local cloud's tokens carry the local endpoint).
 */
function gen1Token(token: string, region: string, userPoolId: string): string {
  const [head, payload, sig] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
  claims.iss = `https://cognito-idp.${region}.amazonaws.com/${userPoolId}`;
  return `${head}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${sig}`;
}

// ── run ──────────────────────────────────────────────────────────────────────

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '–');

export async function main(): Promise<BenchFigure[]> {
  process.env.AMPLIFY_DISABLE_TELEMETRY = '1';
  process.env.CDK_DISABLE_CLI_TELEMETRY = 'true';
  const root = mkdtempSync(path.join(tmpdir(), 'bench-graphql-'));
  const quiet = { info: () => {}, warn: () => {}, error: (m: string) => console.error(m), child: () => quiet };
  const { ensureAssembly } = await import('../src/local/assembly/cache.js');
  const { loadBackendModel } = await import('../src/local/assembly/load_assembly.js');
  const { createLocalCloud } = await import('../src/local/app.js');
  const { ensureTls } = await import('../src/local/core/tls.js');
  const { cognitoEnv, createUser } = await import('../tests/e2e/data_users.js');

  console.error('bench graphql: preparing the assembly…');
  const { assemblyDir } = await ensureAssembly({ projectDir: process.cwd() });
  const model = loadBackendModel(assemblyDir, { region: 'us-east-1' });
  // bench/run.ts exports AMPLIFY_LOCAL_CA_DIR and trusts its CA through NODE_EXTRA_CA_CERTS (for fetch).
  const caDir = process.env.AMPLIFY_LOCAL_CA_DIR;
  if (!caDir || !process.env.NODE_EXTRA_CA_CERTS) throw new Error('run through `npm run bench -- graphql` (bench/run.ts sets up the CA)');
  const tls = await ensureTls(caDir);
  const ca = readFileSync(tls.caCertPath, 'utf8');

  // Without the functions service: the Post table's stream would run the post-processor Lambda for
  // every createPost, which is not part of the GraphQL request (and Gen 1 runs no triggers either).
  const { serviceFactories } = await import('../src/local/services.js');
  const factories = serviceFactories.filter((f) => f.name !== 'functions');
  const cloud = await createLocalCloud({ model, dataDir: path.join(root, 'data'), port: 0, outputsPath: null, caDir, log: quiet, factories });
  const auth = model.auth!;
  const user = await createUser(cognitoEnv(cloud.endpoint, auth), 'bench@example.com');
  console.error(`bench graphql: local cloud at ${cloud.endpoint}, user ${user.sub}`);

  const targets: Target[] = [];
  targets.push(await startFloor(tls));
  try {
    targets.push(await startGen1(model, tls, ca, gen1Token(user.accessToken, model.region, auth.userPool.id)));
  } catch (err) {
    console.error(`bench graphql: the Gen 1 stack did not start: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    const localPostId = await seedPost(`${cloud.endpoint}/graphql`, user.accessToken, ca);
    targets.push({ name: 'local', url: `${cloud.endpoint}/graphql`, postId: localPostId, close: async () => {} });
  } catch (err) {
    console.error(`bench graphql: the local cloud cannot serve the API: ${err instanceof Error ? err.message : String(err)}`);
  }

  const worker = new LoadGenerator();
  const results = new Map<string, LoadResult>();
  for (const op of ['get', 'create'] as const) {
    for (const concurrency of CONCURRENCY) {
      for (const t of targets) {
        const r = await worker.run<LoadResult>({ kind: 'load', url: t.url, token: t.token ?? user.accessToken, op, postId: t.postId, concurrency, durationMs: DURATION_MS, warmupMs: WARMUP_MS, ca });
        results.set(`${op}/${concurrency}/${t.name}`, r);
        console.error(`  ${op === 'get' ? 'getPost' : 'createPost'} ×${concurrency} ${t.name}: ${fmt(r.rps, 0)} req/s p50 ${fmt(r.p50)} ms p99 ${fmt(r.p99)} ms${r.errors ? ` (${r.errors} errors: ${r.firstError})` : ''}`);
      }
    }
  }

  let fanout: FanoutResult | undefined;
  try {
    fanout = await worker.run<FanoutResult>({ kind: 'fanout', endpoint: cloud.endpoint, token: user.accessToken, subscribers: SUBSCRIBERS, ca });
  } catch (err) {
    console.error(`bench graphql: fan-out failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  worker.stop();
  for (const t of targets) await t.close();
  await cloud.stop();
  rmSync(root, { recursive: true, force: true });

  // ── report ──
  const lines: string[] = [];
  lines.push(`GraphQL over HTTPS, keep-alive, user-pool token; ${DURATION_MS / 1000} s per cell after ${WARMUP_MS} ms warm-up; Node ${process.version}.`);
  lines.push('');
  lines.push('| operation | clients | floor req/s | floor p50/p99 ms | Gen 1 req/s | Gen 1 p50/p99 ms | local req/s | local p50/p99 ms | local ÷ Gen 1 |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  const figures: BenchFigure[] = [];
  for (const op of ['get', 'create'] as const) {
    const opName = op === 'get' ? 'getPost' : 'createPost';
    for (const c of CONCURRENCY) {
      const f = results.get(`${op}/${c}/floor`);
      const g = results.get(`${op}/${c}/gen1`);
      const l = results.get(`${op}/${c}/local`);
      const ratio = g && l && g.rps > 0 ? l.rps / g.rps : NaN;
      const cell = (r?: LoadResult) => (r ? `${fmt(r.p50)} / ${fmt(r.p99)}${r.errors ? ` (${r.errors} err)` : ''}` : '–');
      lines.push(
        `| ${opName} | ${c} | ${fmt(f?.rps ?? NaN, 0)} | ${cell(f)} | ${fmt(g?.rps ?? NaN, 0)} | ${cell(g)} | ${fmt(l?.rps ?? NaN, 0)} | ${cell(l)} | ${fmt(ratio, 2)}× |`,
      );
      figures.push({
        scenario: 'graphql',
        figure: `${opName} ×${c} clients: throughput`,
        value: l?.rps ?? NaN,
        unit: 'req/s',
        better: 'higher',
        baseline: g ? { name: 'Gen 1 simulator + dynalite', value: g.rps } : undefined,
        target: c === 16 ? target(ratio, 'higher', 10, '≥ 10× Gen 1') : undefined,
        note: l?.errors ? `(${l.errors} errors: ${l.firstError})` : undefined,
      });
      if (c === 16) {
        figures.push({
          scenario: 'graphql',
          figure: `${opName} ×16 clients: p99 latency`,
          value: l?.p99 ?? NaN,
          unit: 'ms',
          better: 'lower',
          baseline: f ? { name: 'bare node:https floor', value: f.p99 } : undefined,
          target: target(l?.p99 ?? NaN, 'lower', 10, '≤ 10 ms'),
        });
      }
    }
  }
  lines.push('');
  if (fanout) {
    lines.push(`| subscription fan-out | subscribers | received | p50 ms | p99 ms | max ms | mutation ms |`);
    lines.push('|---|---:|---:|---:|---:|---:|---:|');
    lines.push(`| onCreatePost ← 1 createPost | ${fanout.subscribers} | ${fanout.received} | ${fmt(fanout.p50)} | ${fmt(fanout.p99)} | ${fmt(fanout.max)} | ${fmt(fanout.mutationMs)} |`);
  }
  const getFloor = results.get('get/1/floor');
  figures.push({
    scenario: 'fan-out',
    figure: `onCreatePost to ${SUBSCRIBERS} subscribers: p99 delivery (${fanout ? `${fanout.received}/${fanout.subscribers} delivered` : 'did not run'})`,
    value: fanout?.p99 ?? NaN,
    unit: 'ms',
    better: 'lower',
    baseline: getFloor ? { name: 'one bare HTTPS round trip, p99', value: getFloor.p99 } : undefined,
    target: target(fanout && fanout.received === fanout.subscribers ? fanout.p99 : NaN, 'lower', 50, '≤ 50 ms, all delivered'),
  });
  process.stdout.write(`${lines.join('\n')}\n`);
  return figures;
}
