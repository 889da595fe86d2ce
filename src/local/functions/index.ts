import { existsSync } from 'node:fs';
import path from 'node:path';
import type { EventSourceMappingModel, FunctionModel } from '../assembly/model.js';
import { roleId } from '../core/iam_authorize.js';
import type { BucketNotificationFeed, ChangeFeed, FunctionInvoker, InvokeResult, Peers } from '../core/registry.js';
import type { LocalService, ServiceContext } from '../core/service.js';
import { resolveCaDir } from '../core/tls.js';
import { FailedBatchStore } from './failed_batches.js';
import { FunctionRunner, type RunResult } from './function_runner.js';
import { sourceOfEvent, type InvocationRecord, type InvocationSource } from './invocation_log.js';
import { handleInvoke, LAMBDA_PATH_PREFIX, parseFunctionName } from './invoke_api.js';
import { MAX_SYNC_PAYLOAD_BYTES, responseTooLargeError } from './lambda_errors.js';
import { RoleCredentials } from './role_credentials.js';
import { Schedules, type ScheduledRun, type ScheduleView } from './schedules.js';
import { StreamMapping, type FailedBatch } from './stream_mapping.js';

export interface FunctionsServiceOptions {
  /** Execution environments per function that may run at once (default 4). */
  maxConcurrency?: number;
  /** Warm environments idle this long are stopped (default 10 minutes). */
  idleMs?: number;
  /** Pause before stream retry `attempt` (default 100 ms doubling up to 2 s). */
  streamRetryDelayMs?(attempt: number): number;
  /** Pause before the two retries of an async (`Event`) invocation (default 1 s, 2 s). */
  asyncRetryDelayMs?(attempt: number): number;
  /** PEM of the CA functions must trust (default: the frame's CA). */
  caCertPath?: string;
}

/** What the functions service offers beyond `LocalService` (the admin API and console read these). */
export interface FunctionsService extends LocalService {
  /** Subscribes the stream mappings to the data service's change feed, and to storage's bucket notifications. */
  connect(peers: Peers): void;
  /** Recent invocations of a function (by logical id, name or friendly name), newest first. */
  invocations(fn: string): InvocationRecord[];
  /** Stream batches given up on after the mapping's retries, newest first. */
  failedBatches(): FailedBatch[];
  /** The event source mappings and their queues. */
  mappings(): { logicalId: string; functionLogicalId: string; tableName?: string; enabled: boolean; pending: number; filtered: number }[];
  /** Resolves when every stream mapping has drained its queue (tests, admin "settle"). */
  streamsIdle(): Promise<void>;
  /** EventBridge rules and Scheduler schedules with their next fire time. */
  schedules(): ScheduleView[];
  /** Runs a schedule (by name, logical id or ARN) now; undefined when there is no such schedule. */
  runSchedule(key: string): Promise<ScheduledRun[]> | undefined;
}

/** The CA functions must trust: the frame's, found where the frame keeps it. */
function findCaCert(ctx: ServiceContext, explicit?: string): string | undefined {
  const candidates = [
    explicit,
    ctx.caCertPath,
    path.join(resolveCaDir(path.dirname(ctx.dataDir)), 'ca.pem'),
    process.env.NODE_EXTRA_CA_CERTS,
  ];
  return candidates.find((c): c is string => !!c && existsSync(c));
}

export function createFunctionsService(ctx: ServiceContext): FunctionsService {
  return createFunctionsServiceWith({})(ctx);
}

/**
 * Runs every `defineFunction` of the model from its bundled asset, each in its own `node`
 * processes, with the template's environment, timeout and memory, and its role's credentials.
 * Offers `functions.invoker` (Cognito triggers, AppSync Lambda data sources), serves Lambda's
 * Invoke API, feeds table-stream event source mappings from the data service's change feed, and
 * invokes buckets' notification destinations (storage triggers) asynchronously, as S3 does.
 */
export function createFunctionsServiceWith(opts: FunctionsServiceOptions): (ctx: ServiceContext) => FunctionsService {
  return (ctx) => {
    const model = ctx.model;
    const runners = new Map<string, FunctionRunner>();
    const credentials = new Map<string, RoleCredentials>();
    const byKey = new Map<string, FunctionRunner>();
    const mappings: StreamMapping[] = [];
    let failed: FailedBatchStore | undefined;
    let reaper: NodeJS.Timeout | undefined;
    const notes: string[] = [];
    let unsubscribeBuckets: (() => void) | undefined;

    const store = () => ctx.registry.tryGet('identity.credentials');

    function find(key: string): FunctionRunner | undefined {
      return byKey.get(key) ?? byKey.get(parseFunctionName(key).name);
    }

    // Found in start(): the data dir (next to the frame's TLS folder) is only known then.
    let caCertPath: string | undefined;

    function setup(): void {
      for (const fn of model.functions) {
        const roleCredentials = new RoleCredentials(fn.roleArn, fn.functionName, store, ctx.clock);
        credentials.set(fn.logicalId, roleCredentials);
        const runner = new FunctionRunner({
          fn,
          region: model.region,
          endpoint: () => ctx.endpoint,
          caCertPath: () => caCertPath,
          credentials: () => roleCredentials.get(),
          log: ctx.log.child(fn.friendlyName ?? fn.functionName),
          clock: ctx.clock,
          ids: ctx.ids,
          maxConcurrency: opts.maxConcurrency ?? 4,
          idleMs: opts.idleMs ?? 10 * 60 * 1000,
          metrics: ctx.metrics,
        });
        runners.set(fn.logicalId, runner);
        for (const key of [fn.logicalId, fn.functionName, fn.friendlyName, fn.arn]) if (key) byKey.set(key, runner);
      }
    }
    setup();

    async function run(runner: FunctionRunner, event: unknown, source: InvocationSource, clientContext?: unknown): Promise<RunResult> {
      const result = await runner.invoke(event, { source, clientContext });
      if (result.outcome.ok && Buffer.byteLength(result.outcome.payload) > MAX_SYNC_PAYLOAD_BYTES) {
        const error = responseTooLargeError(Buffer.byteLength(result.outcome.payload));
        return { ...result, outcome: { ok: false, error, kind: 'handler' } };
      }
      return result;
    }

    function toInvokeResult(result: RunResult): InvokeResult {
      if (result.outcome.ok) return { payload: JSON.parse(result.outcome.payload), logs: result.logs };
      return { payload: result.outcome.error, functionError: 'Unhandled', logs: result.logs };
    }

    const invoker: FunctionInvoker = {
      has: (key) => find(key) !== undefined,
      async invoke(key, event) {
        const runner = find(key);
        if (!runner) throw new Error(`Function not found: ${key} ((local: not a function of this backend))`);
        return toInvokeResult(await run(runner, event, sourceOfEvent(event)));
      },
    };

    let stopped = false;

    /** An asynchronous invocation: Lambda retries a failed one twice. Resolves with the last attempt. */
    async function runAsync(runner: FunctionRunner, event: unknown, source: InvocationSource): Promise<RunResult> {
      const delay = opts.asyncRetryDelayMs ?? ((attempt: number) => attempt * 1000);
      let result: RunResult | undefined;
      for (let attempt = 0; attempt <= 2; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, delay(attempt)).unref());
        // A stopped service retries nothing: a retry would start a process nobody stops.
        if (stopped && result) break;
        result = await run(runner, event, source);
        if (result.outcome.ok) break;
      }
      return result!;
    }

    function invokeAsync(runner: FunctionRunner, event: unknown, source: InvocationSource = 'lambda-api'): string {
      const requestId = ctx.ids.uuid();
      void runAsync(runner, event, source).then(
        (result) => {
          if (!result.outcome.ok) ctx.log.error(`${runner.fn.functionName}: asynchronous invocation ${requestId} failed after 2 retries`);
        },
        () => {}, // stopped
      );
      return requestId;
    }

    const schedules = new Schedules({
      schedules: model.schedules ?? [],
      clock: ctx.clock,
      ids: ctx.ids,
      region: model.region,
      accountId: model.accountId,
      log: ctx.log.child('schedules'),
      functionName: (logicalId) => {
        const fn = runners.get(logicalId)?.fn;
        return fn && (fn.friendlyName ?? fn.functionName);
      },
      // EventBridge invokes its Lambda targets asynchronously.
      async invoke(logicalId, event) {
        const result = await runAsync(runners.get(logicalId)!, event, 'schedule');
        return result.outcome.ok
          ? { requestId: result.requestId, ok: true }
          : { requestId: result.requestId, ok: false, errorType: result.outcome.error.errorType, errorMessage: result.outcome.error.errorMessage };
      },
    });

    /** S3 invokes its notification destinations asynchronously (Event invocations, retried twice). */
    function subscribeBuckets(feed: BucketNotificationFeed | undefined): void {
      const unknown = new Set<string>();
      unsubscribeBuckets = feed?.subscribe((n) => {
        const runner = find(n.functionLogicalId ?? n.functionArn);
        if (runner) {
          invokeAsync(runner, n.event, 's3');
        } else if (!unknown.has(n.functionArn)) {
          unknown.add(n.functionArn);
          ctx.log.warn(`functions: a bucket notifies ${n.functionArn}, which is no function of this backend; not invoked`);
        }
      });
    }

    /**
     * A batch given up on goes to the mapping's on-failure destination when that is a local queue:
     * the invocation record Lambda sends (without the records themselves, as in AWS).
     */
    function sendToDestination(mapping: EventSourceMappingModel, fn: FunctionModel, batch: FailedBatch): void {
      const arn = mapping.onFailureDestinationArn;
      const queues = ctx.registry.tryGet('queues.messages');
      if (!arn || !queues?.has(arn)) return;
      const { requestContext, responseContext, version, timestamp, DDBStreamBatchInfo } = batch;
      const senderId = `${fn.roleArn ? roleId(fn.roleArn) : 'AROALOCALLAMBDA'}:${fn.functionName}`;
      queues.send(arn, JSON.stringify({ requestContext, responseContext, version, timestamp, DDBStreamBatchInfo }), senderId);
    }

    function startMappings(feed: ChangeFeed | undefined): void {
      for (const mapping of model.eventSourceMappings) {
        const runner = runners.get(mapping.functionLogicalId);
        if (!runner) {
          notes.push(`functions: mapping ${mapping.logicalId} targets an unknown function ${mapping.functionLogicalId}; not run`);
          continue;
        }
        // Queue mappings are polled by the queues service, which owns the messages.
        if (mapping.queueName) continue;
        if (!mapping.tableName) {
          notes.push(`functions: mapping ${mapping.logicalId} reads ${mapping.eventSourceArn}, which is not a local table stream; not run`);
          continue;
        }
        if (!mapping.enabled) {
          notes.push(`functions: mapping ${mapping.logicalId} (${mapping.tableName} → ${runner.fn.friendlyName ?? runner.fn.functionName}) is disabled`);
          continue;
        }
        if (!feed) {
          notes.push(`functions: ${mapping.tableName} stream → ${runner.fn.friendlyName ?? runner.fn.functionName} not run ((local: the data service offers no change feed))`);
          continue;
        }
        let sm: StreamMapping;
        try {
          sm = new StreamMapping({
            mapping,
            functionArn: runner.fn.arn,
            region: model.region,
            log: ctx.log.child(`${mapping.tableName}→${runner.fn.friendlyName ?? runner.fn.functionName}`),
            clock: ctx.clock,
            retryDelayMs: opts.streamRetryDelayMs,
            onFailedBatch: (batch) => {
              failed?.add(batch);
              sendToDestination(mapping, runner.fn, batch);
            },
            invoke: async (event) => {
              const result = await run(runner, event, 'dynamodb-stream');
              const r = toInvokeResult(result);
              return { requestId: result.requestId, payload: r.payload, functionError: r.functionError };
            },
          });
        } catch (err) {
          notes.push(`functions: mapping ${mapping.logicalId} has an invalid filter (${(err as Error).message}); not run`);
          continue;
        }
        sm.start(feed);
        mappings.push(sm);
      }
    }

    const service: FunctionsService = {
      name: 'functions',
      matches: (_req, url) => url.pathname.startsWith(LAMBDA_PATH_PREFIX) || url.pathname === LAMBDA_PATH_PREFIX.slice(0, -1),
      async fetch(req) {
        const url = new URL(req.url);
        try {
          return await handleInvoke(req, url, {
            model,
            clock: ctx.clock,
            credentials: store,
            endpoint: () => ctx.endpoint,
            list: () => model.functions,
            find: (name) => find(name)?.fn,
            invokeSync: async (fn: FunctionModel, event, clientContext) => {
              const result = await run(runners.get(fn.logicalId)!, event, 'lambda-api', clientContext);
              return {
                requestId: result.requestId,
                payload: result.outcome.ok ? result.outcome.payload : JSON.stringify(result.outcome.error),
                functionError: result.outcome.ok ? undefined : 'Unhandled',
                logs: result.logs,
              };
            },
            invokeAsync: (fn, event) => invokeAsync(runners.get(fn.logicalId)!, event),
          });
        } finally {
          if (req.body && !req.bodyUsed) await req.body.cancel().catch(() => {});
        }
      },
      async start() {
        caCertPath = findCaCert(ctx, opts.caCertPath);
        if (!caCertPath && model.functions.length > 0) {
          notes.push('functions: no local CA found, so calls from functions to the local endpoint will fail TLS checks ((local: pass caCertPath))');
        }
        failed = new FailedBatchStore(ctx.dataDir);
        failed.load();
        reaper = setInterval(() => {
          for (const r of runners.values()) r.reapIdle();
        }, 60_000);
        reaper.unref();
        return { 'functions.invoker': invoker };
      },
      connect(peers) {
        startMappings(peers.tryGet('data.changes'));
        schedules.start();
        subscribeBuckets(peers.tryGet('storage.notifications'));
      },
      async reset() {
        for (const m of mappings) m.clear();
        await Promise.all([...runners.values()].map((r) => r.reset()));
        for (const c of credentials.values()) c.clear();
        failed?.clear();
        schedules.clearHistory();
      },
      async stop() {
        stopped = true;
        schedules.stop();
        if (reaper) clearInterval(reaper);
        unsubscribeBuckets?.();
        for (const m of mappings) m.stop();
        await Promise.all([...runners.values()].map((r) => r.stop()));
      },
      describe() {
        const lines = model.functions.map(
          (fn) =>
            `functions: ${fn.friendlyName ?? fn.functionName} (${fn.runtime} on local Node ${process.versions.node}, ${fn.timeoutSeconds} s, ${fn.memoryMB} MB) → ${ctx.endpoint}${LAMBDA_PATH_PREFIX}${fn.functionName}/invocations`,
        );
        for (const m of mappings) {
          const fn = runners.get(m.mapping.functionLogicalId)!.fn;
          lines.push(
            `functions: ${m.mapping.tableName} stream → ${fn.friendlyName ?? fn.functionName} (batch ${m.mapping.batchSize}, window ${m.mapping.maxBatchingWindowSeconds} s, ${m.mapping.filterPatterns.length} filter(s))`,
          );
        }
        return [...lines, ...schedules.describe(), ...notes];
      },
      invocations(key) {
        return find(key)?.history.list() ?? [];
      },
      views: {
        /** `GET /_local/functions/invocations?function=<name>`: recent invocations, newest first. */
        invocations: (q) => {
          const key = q.get('function');
          const fn = key ? find(key) : undefined;
          return fn && { function: key, invocations: fn.history.list() };
        },
        'failed-batches': () => ({ batches: failed?.list() ?? [] }),
        /** `GET /_local/functions/schedules`: rules and schedules, their next fire time and last run. */
        schedules: () => ({ schedules: schedules.list() }),
      },
      actions: {
        /** `POST /_local/functions/schedules/<name>/run`: runs the schedule's targets now. */
        'schedules/run': async (name) => {
          const runs = await schedules.runNow(name);
          return runs && { schedule: name, runs };
        },
      },
      failedBatches() {
        return failed?.list() ?? [];
      },
      mappings() {
        return mappings.map((m) => ({
          logicalId: m.mapping.logicalId,
          functionLogicalId: m.mapping.functionLogicalId,
          tableName: m.mapping.tableName,
          enabled: m.mapping.enabled,
          pending: m.pending,
          filtered: m.filtered,
        }));
      },
      async streamsIdle() {
        await Promise.all(mappings.map((m) => m.idle()));
      },
      schedules: () => schedules.list(),
      runSchedule: (key) => schedules.runNow(key),
    };
    return service;
  };
}
