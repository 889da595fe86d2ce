import { performance } from 'node:perf_hooks';
import type { FunctionModel } from '../assembly/model.js';
import type { Clock, IdSource } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { MetricTimeline } from '../core/metric_timeline.js';
import type { IssuedCredentials } from '../core/registry.js';
import { FunctionInstance, type InvocationOutcome } from './instance.js';
import { InvocationLog, type InvocationOutcomeKind, type InvocationSource } from './invocation_log.js';
import { buildRuntimeEnv, credentialVariables } from './runtime_env.js';

export interface RunnerOptions {
  fn: FunctionModel;
  region: string;
  endpoint: () => string;
  caCertPath: () => string | undefined;
  /** Current role credentials (refreshed by the caller's RoleCredentials). */
  credentials: () => IssuedCredentials | undefined;
  log: Logger;
  clock: Clock;
  ids: IdSource;
  /** Execution environments that may run at once for this function. */
  maxConcurrency: number;
  /** Warm environments idle longer than this are stopped by `reapIdle`. */
  idleMs: number;
  historySize?: number;
  /** Where invocations are counted per interval under Lambda's metric names (the console's dashboard). */
  metrics?: MetricTimeline;
}

export interface RunResult {
  requestId: string;
  outcome: InvocationOutcome;
  /** Lambda-style log text of this invocation (START … REPORT), for `LogType: Tail`. */
  logs: string;
  coldStart: boolean;
  durationMs: number;
}

interface Environment {
  instance: FunctionInstance;
  /** Access key the process currently holds, to know when to hand it fresh credentials. */
  accessKeyId?: string;
  /** Log lines of the invocation in progress. */
  capture?: string[];
}

const LINE = /^(\d{4}-\d\d-\d\dT[^\t]+)\t([^\t]*)\t(INFO|WARN|ERROR|DEBUG|TRACE|FATAL)\t([\s\S]*)$/;

/**
 * Runs one function: a small pool of warm `node` processes, at most `maxConcurrency` at once,
 * callers queueing beyond that (locally a queue is kinder than Lambda's throttling error).
 */
export class FunctionRunner {
  readonly history: InvocationLog;
  private readonly envs = new Set<Environment>();
  private readonly idle: Environment[] = [];
  private readonly waiters: { resolve(env: Environment): void; reject(err: Error): void }[] = [];
  private stopped = false;

  constructor(private readonly opts: RunnerOptions) {
    this.history = new InvocationLog(opts.historySize ?? 100);
  }

  get fn(): FunctionModel {
    return this.opts.fn;
  }

  /** Live runtime processes (warm or busy). */
  get environments(): number {
    return this.envs.size;
  }

  private display(line: string, stream: 'stdout' | 'stderr'): void {
    const m = LINE.exec(line);
    if (!m) {
      if (!line.trim()) return;
      if (stream === 'stderr') this.opts.log.warn(line);
      else this.opts.log.info(line);
      return;
    }
    const text = m[4].replace(/\r/g, '\n');
    if (m[3] === 'ERROR' || m[3] === 'FATAL') this.opts.log.error(text);
    else if (m[3] === 'WARN') this.opts.log.warn(text);
    else this.opts.log.info(text);
  }

  private createEnvironment(): Environment {
    const fn = this.opts.fn;
    const credentials = this.opts.credentials();
    const env: Environment = { instance: undefined as unknown as FunctionInstance, accessKeyId: credentials?.accessKeyId };
    const day = new Date(this.opts.clock.now()).toISOString().slice(0, 10).replace(/-/g, '/');
    env.instance = new FunctionInstance({
      now: () => this.opts.clock.now(),
      codeDir: fn.codeDir,
      memoryMB: fn.memoryMB,
      timeoutSeconds: fn.timeoutSeconds,
      env: buildRuntimeEnv({
        fn,
        region: this.opts.region,
        endpoint: this.opts.endpoint(),
        caCertPath: this.opts.caCertPath(),
        credentials,
        logStreamName: `${day}/[$LATEST]${this.opts.ids.bytes(16).toString('hex')}`,
        path: process.env.PATH,
      }),
      onLine: (line, stream) => {
        env.capture?.push(line.replace(/\r/g, '\n'));
        this.display(line, stream);
      },
      onExit: () => this.discard(env),
    });
    this.envs.add(env);
    return env;
  }

  private discard(env: Environment): void {
    this.envs.delete(env);
    const i = this.idle.indexOf(env);
    if (i >= 0) this.idle.splice(i, 1);
  }

  private acquire(): Promise<{ env: Environment; cold: boolean }> {
    while (this.idle.length > 0) {
      const env = this.idle.pop()!;
      if (env.instance.alive) return Promise.resolve({ env, cold: false });
      this.envs.delete(env);
    }
    if (this.envs.size < this.opts.maxConcurrency) return Promise.resolve({ env: this.createEnvironment(), cold: true });
    return new Promise((resolve, reject) =>
      this.waiters.push({ resolve: (env) => resolve({ env, cold: env.instance.served === 0 }), reject }),
    );
  }

  private release(env: Environment): void {
    const alive = env.instance.alive && !this.stopped;
    if (!alive) this.discard(env);
    const waiter = this.stopped ? undefined : this.waiters.shift();
    if (waiter) {
      waiter.resolve(alive ? env : this.createEnvironment());
      return;
    }
    if (alive) {
      this.idle.push(env);
    }
  }

  async invoke(event: unknown, opts: { source: InvocationSource; clientContext?: unknown }): Promise<RunResult> {
    if (this.stopped) throw new Error(`function ${this.opts.fn.functionName} is stopped`);
    const requestId = this.opts.ids.uuid();
    const startedAt = new Date(this.opts.clock.now()).toISOString();
    const t0 = performance.now();
    const { env, cold } = await this.acquire();
    const credentials = this.opts.credentials();
    let refreshed: Record<string, string> | undefined;
    if (credentials && credentials.accessKeyId !== env.accessKeyId) {
      refreshed = credentialVariables(credentials);
      env.accessKeyId = credentials.accessKeyId;
    }
    env.capture = [];
    const start = performance.now();
    let outcome: InvocationOutcome;
    try {
      outcome = await env.instance.invoke({
        requestId,
        event,
        invokedFunctionArn: this.opts.fn.arn,
        clientContext: opts.clientContext,
        env: refreshed,
      });
    } finally {
      this.release(env);
    }
    const durationMs = performance.now() - start;
    const lines = env.capture ?? [];
    env.capture = undefined;
    if (!outcome.ok) this.reportFailure(requestId, outcome);
    const logs = this.formatLogs(requestId, lines, outcome, durationMs);
    const kind: InvocationOutcomeKind = outcome.ok ? 'success' : outcome.kind === 'timeout' ? 'timeout' : outcome.kind === 'crash' ? 'crash' : 'error';
    const dimensions = { FunctionName: this.opts.fn.functionName };
    this.opts.metrics?.record({ namespace: 'AWS/Lambda', metricName: 'Invocations', dimensions }, 1);
    this.opts.metrics?.record({ namespace: 'AWS/Lambda', metricName: 'Errors', dimensions }, outcome.ok ? 0 : 1);
    this.opts.metrics?.record({ namespace: 'AWS/Lambda', metricName: 'Duration', dimensions }, durationMs);
    this.history.add({
      requestId,
      functionName: this.opts.fn.functionName,
      startedAt,
      durationMs: performance.now() - t0,
      outcome: kind,
      source: opts.source,
      coldStart: cold,
      ...(outcome.ok ? {} : { errorType: outcome.error.errorType, errorMessage: outcome.error.errorMessage }),
    });
    return { requestId, outcome, logs, coldStart: cold, durationMs };
  }

  private reportFailure(requestId: string, outcome: Extract<InvocationOutcome, { ok: false }>): void {
    const { errorType, errorMessage } = outcome.error;
    if (outcome.kind === 'timeout') this.opts.log.error(`${requestId} ${errorMessage.replace(/^RequestId: \S+ Error: /, '')}`);
    else this.opts.log.error(`${requestId} Invoke Error ${JSON.stringify({ errorType, errorMessage })}`);
  }

  private formatLogs(requestId: string, lines: string[], outcome: InvocationOutcome, durationMs: number): string {
    const out = [`START RequestId: ${requestId} Version: $LATEST`, ...lines];
    if (!outcome.ok && outcome.kind === 'timeout') {
      out.push(`${new Date(this.opts.clock.now()).toISOString()} ${requestId} Task timed out after ${this.opts.fn.timeoutSeconds.toFixed(2)} seconds`);
    }
    out.push(`END RequestId: ${requestId}`);
    out.push(
      `REPORT RequestId: ${requestId}\tDuration: ${durationMs.toFixed(2)} ms\tBilled Duration: ${Math.max(1, Math.ceil(durationMs))} ms\tMemory Size: ${this.opts.fn.memoryMB} MB`,
    );
    return `${out.join('\n')}\n`;
  }

  /** Stops warm environments idle for longer than `idleMs`. */
  reapIdle(now = this.opts.clock.now()): void {
    for (const env of [...this.idle]) {
      if (now - env.instance.lastUsed > this.opts.idleMs) {
        this.discard(env);
        env.instance.kill();
      }
    }
  }

  /** Ends every environment (warm ones at once; busy ones are killed and report a crash). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const waiter of this.waiters.splice(0)) waiter.reject(new Error(`function ${this.opts.fn.functionName} is stopped`));
    const all = [...this.envs];
    this.idle.length = 0;
    await Promise.all(all.map((env) => env.instance.stop()));
    this.envs.clear();
  }

  /** Back to a cold function (reset): environments stopped, history cleared, ready again. */
  async reset(): Promise<void> {
    await this.stop();
    this.history.clear();
    this.stopped = false;
  }
}
