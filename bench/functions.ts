/**
 * `npm run bench -- functions`: what it costs to run a function locally, next to calling its handler
 * in-process (the floor: no isolation at all).
 *
 *   - baseline:  `await handler(event)` in this process;
 *   - warm:      an invocation through `functions.invoker` reusing a warm `node` process (IPC round trip);
 *   - cold:      a fresh process per invocation (spawn, import the module, run);
 *   - Invoke API: warm, through HTTPS + SigV4 + IAM with the SDK's Lambda client;
 *   - real bundle: this backend's post-processor (1.7 MB bundle, Gen 2 banner, data client set-up over
 *                  HTTPS to the local storage), cold and warm, with a stream batch that needs no data.
 *
 * Sequential invocations; latency measured around each call. BENCH_WARM (default 500), BENCH_COLD (20).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { FunctionModel } from '../src/local/assembly/model.js';
import { createLocalCloud, type LocalCloud } from '../src/local/app.js';
import { cryptoIds, systemClock } from '../src/local/core/clock.js';
import { silentLogger } from '../src/local/core/logger.js';
import { Registry, type CredentialStore, type IssuedCredentials } from '../src/local/core/registry.js';
import type { ServiceContext } from '../src/local/core/service.js';
import { createFunctionsServiceWith, type FunctionsService } from '../src/local/functions/index.js';
import type { BenchFigure } from './lib/report.js';
import { stats, type Stats } from './lib/stats.js';

const WARM = Number(process.env.BENCH_WARM ?? 500);
const COLD = Number(process.env.BENCH_COLD ?? 20);

const HANDLER = 'export const handler = async (event) => ({ ok: true, n: event.n });\n';


async function time(n: number, run: (i: number) => Promise<unknown>, between?: () => Promise<void>): Promise<Stats> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    if (between) await between();
    const t0 = performance.now();
    await run(i);
    samples.push(performance.now() - t0);
  }
  return stats(samples);
}

/** Credentials for the fixture function's role, so the runtime gets the same env as in the cloud. */
const store: CredentialStore = {
  lookup: () => undefined,
  issueForRole: (roleArn, functionName): IssuedCredentials => ({
    accessKeyId: 'ASIABENCH0000000000',
    secretAccessKey: 'bench',
    sessionToken: 'bench',
    expiration: Date.now() + 3_600_000,
    roleArn,
    kind: 'function',
    functionName,
  }),
};

async function fixtureRows(): Promise<[string, Stats][]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'amplify-bench-fn-'));
  try {
    writeFileSync(path.join(dir, 'index.mjs'), HANDLER);
    const fn: FunctionModel = {
      logicalId: 'benchLambda',
      functionName: 'bench-lambda',
      friendlyName: 'bench',
      handler: 'index.handler',
      runtime: 'nodejs22.x',
      timeoutSeconds: 30,
      memoryMB: 256,
      environment: {},
      codeDir: dir,
      roleArn: 'arn:aws:iam::123456789012:role/bench',
      arn: 'arn:aws:lambda:us-east-1:123456789012:function:bench-lambda',
    };
    const registry = new Registry();
    registry.provide('identity.credentials', store);
    const ctx: ServiceContext = {
      model: { stackName: 'bench', region: 'us-east-1', accountId: '123456789012', assemblyDir: dir, functions: [fn], eventSourceMappings: [], iam: { roles: [] }, messaging: { pinpointApps: [], kinesisStreams: [] }, stackOutputs: {}, customOutputs: {} },
      dataDir: path.join(dir, 'data'),
      endpoint: 'https://127.0.0.1:1',
      registry,
      clock: systemClock,
      ids: cryptoIds,
      outbox: { add: () => ({}) as never, list: () => [], clear: () => {} },
      log: silentLogger,
    };
    const service = createFunctionsServiceWith({ caCertPath: process.env.NODE_EXTRA_CA_CERTS })(ctx);
    registry.publish(await service.start());
    service.connect(registry);
    const invoker = registry.get('functions.invoker');

    const { handler } = (await import(pathToFileURL(path.join(dir, 'index.mjs')).href)) as { handler(e: unknown): Promise<unknown> };
    await time(200, (i) => handler({ n: i }));
    const baseline = await time(WARM * 4, (i) => handler({ n: i }));

    await invoker.invoke('bench', { n: -1 });
    for (let i = 0; i < 50; i++) await invoker.invoke('bench', { n: i });
    const warm = await time(WARM, (i) => invoker.invoke('bench', { n: i }));
    const cold = await time(COLD, (i) => invoker.invoke('bench', { n: i }), () => service.reset());
    await service.stop();
    return [
      ['baseline: handler called in-process', baseline],
      ['warm: functions.invoker → warm node process', warm],
      ['cold: new node process, import, run', cold],
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function bundleRows(): Promise<[string, Stats][]> {
  const { getTestModel } = await import('../tests/helpers/local_cloud.js');
  const model = await getTestModel();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'amplify-bench-cloud-'));
  let cloud: LocalCloud | undefined;
  try {
    cloud = await createLocalCloud({ model, dataDir, port: 0, outputsPath: null, log: silentLogger });
    const functions = cloud.services.find((s) => s.name === 'functions') as FunctionsService;
    const processor = model.functions.find((f) => f.friendlyName === 'post-processor')!;
    const invoker = cloud.registry.get('functions.invoker');
    // MODIFY records need no data: the handler returns at once after its cold start.
    const event = { Records: [{ eventID: 'b', eventName: 'MODIFY', eventVersion: '1.1', eventSource: 'aws:dynamodb', dynamodb: { SequenceNumber: '1' } }] };
    const cold = await time(Math.max(3, Math.floor(COLD / 2)), () => invoker.invoke(processor.logicalId, event), () => functions.reset());
    for (let i = 0; i < 20; i++) await invoker.invoke(processor.logicalId, event);
    const warm = await time(WARM, () => invoker.invoke(processor.logicalId, event));

    const role = model.iam.roles.find((r) => r.statements.some((s) => s.actions.includes('lambda:InvokeFunction') && s.resources.includes(processor.arn)))!;
    const creds = cloud.registry.get('identity.credentials').issueForRole(role.arn, 'bench', 3600);
    const lambda = new LambdaClient({
      region: 'us-east-1',
      endpoint: cloud.endpoint,
      credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, sessionToken: creds.sessionToken },
    });
    const payload = JSON.stringify(event);
    for (let i = 0; i < 20; i++) await lambda.send(new InvokeCommand({ FunctionName: processor.functionName, Payload: payload }));
    const api = await time(WARM, () => lambda.send(new InvokeCommand({ FunctionName: processor.functionName, Payload: payload })));
    return [
      ['post-processor bundle, cold (spawn, 1.7 MB import, data client set-up)', cold],
      ['post-processor bundle, warm (functions.invoker)', warm],
      ['post-processor bundle, warm via Invoke API (SDK, HTTPS, SigV4, IAM)', api],
    ];
  } finally {
    await cloud?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const fmt = (ms: number) => (ms < 1 ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(2)} ms`);

export async function main(): Promise<BenchFigure[]> {
  console.error(`node ${process.versions.node}, warm n=${WARM}, cold n=${COLD}`);
  const rows = [...(await fixtureRows())];
  try {
    rows.push(...(await bundleRows()));
  } catch (err) {
    console.error(`real bundle rows skipped: ${(err as Error).message}`);
  }
  const lines = ['| invocation | n | p50 | p99 | mean |', '|---|---|---|---|---|'];
  for (const [name, s] of rows) lines.push(`| ${name} | ${s.n} | ${fmt(s.p50)} | ${fmt(s.p99)} | ${fmt(s.mean)} |`);
  const base = rows[0][1];
  const warm = rows[1][1];
  lines.push('', `warm overhead over the in-process call: ${fmt(warm.p50 - base.p50)} at p50 (process isolation + IPC + JSON)`);
  console.log(lines.join('\n'));
  const baseline = { name: 'handler called in-process', value: base.p50 };
  const figure = (name: string, s: Stats): BenchFigure => ({ scenario: 'functions', figure: `${name}, p50`, value: s.p50, unit: 'ms', better: 'lower', baseline });
  return rows.slice(1).map(([name, s]) => figure(name, s));
}
