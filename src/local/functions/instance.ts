import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { exitError, startError, timeoutError, type LambdaErrorPayload } from './lambda_errors.js';

/** How long stop() waits for a killed child to report its exit. */
const STOP_WAIT_MS = 5000;

const BOOTSTRAP = fileURLToPath(new URL('./runtime/bootstrap.mjs', import.meta.url));
/** Written by the runtime on stdout after an invocation's last log line (see bootstrap.mjs). */
const END_MARKER = '\u0000local-invocation-end ';
/** How long a result waits for its end marker when stdout is gone (a closed or broken pipe). */
const MARKER_GRACE_MS = 200;

export interface InstanceOptions {
  /** Working directory and `LAMBDA_TASK_ROOT`: the bundled code folder. */
  codeDir: string;
  env: Record<string, string>;
  memoryMB: number;
  timeoutSeconds: number;
  /** Every line the runtime writes (stdout and stderr), as it arrives. */
  onLine(line: string, stream: 'stdout' | 'stderr'): void;
  /** Called once when the process is gone (after a crash, a timeout or `kill`). */
  onExit?(): void;
  /** The injected clock's time: idle reaping follows it, not the wall clock. */
  now(): number;
}

export interface InvocationRequest {
  requestId: string;
  event: unknown;
  invokedFunctionArn: string;
  clientContext?: unknown;
  /** Variables to update in the runtime before the handler runs (refreshed credentials). */
  env?: Record<string, string>;
}

export type InvocationOutcome =
  | { ok: true; payload: string }
  | { ok: false; error: LambdaErrorPayload; kind: 'handler' | 'timeout' | 'crash' | 'init' };

interface Pending {
  id: number;
  requestId: string;
  resolve(outcome: InvocationOutcome): void;
  timer: NodeJS.Timeout;
  /** The runtime's result, held until its logs have been read. */
  result?: InvocationOutcome;
  fatal?: boolean;
  logsDone?: boolean;
  grace?: NodeJS.Timeout;
}

/**
 * One execution environment: a `node` child process running one invocation at a time, kept warm
 * between invocations. A timeout kills it (Lambda resets the environment after a timeout), and a
 * crash ends only this process — the local cloud keeps serving.
 */
export class FunctionInstance {
  private child: ChildProcess | undefined;
  private pending: Pending | undefined;
  private nextId = 1;
  private stderrTail = '';
  private dead = false;
  /** Set the moment a kill is decided, before the process has actually exited. */
  private retired = false;
  /** Invocations this environment has served (0 = cold). */
  served = 0;
  lastUsed: number;

  constructor(private readonly opts: InstanceOptions) {
    this.lastUsed = opts.now();
  }

  get alive(): boolean {
    return !this.dead && !this.retired;
  }

  get busy(): boolean {
    return this.pending !== undefined;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  private spawn(): ChildProcess {
    const child = fork(BOOTSTRAP, [], {
      cwd: this.opts.codeDir,
      env: this.opts.env,
      execPath: process.execPath,
      // The template's memory size bounds the V8 heap, which is what runs out first in Node.
      execArgv: [`--max-old-space-size=${Math.max(16, Math.floor(this.opts.memoryMB))}`],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    this.pipeLines(child.stdout!, 'stdout');
    this.pipeLines(child.stderr!, 'stderr');
    child.on('message', (message: unknown) => this.onMessage(message));
    child.on('error', (err) => this.onGone(null, null, err.message));
    // 'close' comes once stdout is drained too, so a crash report follows the last log line; a
    // grandchild holding the pipes open must not delay it for long.
    child.on('close', (code, signal) => this.onGone(code, signal));
    child.on('exit', (code, signal) => setTimeout(() => this.onGone(code, signal), 500).unref());
    return child;
  }

  private pipeLines(stream: NodeJS.ReadableStream, name: 'stdout' | 'stderr'): void {
    let buffer = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buffer += chunk;
      if (name === 'stderr') this.stderrTail = (this.stderrTail + chunk).slice(-4096);
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        // The marker may follow output written without a final newline.
        const at = line.indexOf(END_MARKER);
        if (at < 0) {
          this.opts.onLine(line, name);
          continue;
        }
        if (at > 0) this.opts.onLine(line.slice(0, at), name);
        this.onLogsDone(Number(line.slice(at + END_MARKER.length)));
      }
    });
    stream.on('end', () => {
      if (buffer) this.opts.onLine(buffer, name);
      buffer = '';
    });
  }

  private onMessage(message: unknown): void {
    const m = message as { t?: string; id?: number; ok?: boolean; payload?: string; error?: LambdaErrorPayload; fatal?: boolean };
    const pending = this.pending;
    if (m?.t !== 'result' || !pending || m.id !== pending.id) return;
    pending.result = m.ok
      ? { ok: true, payload: m.payload ?? 'null' }
      : { ok: false, error: m.error ?? { errorType: 'Error', errorMessage: 'unknown error' }, kind: m.fatal && this.served === 0 ? 'init' : 'handler' };
    pending.fatal = !m.ok && m.fatal;
    if (pending.logsDone) this.complete();
    else pending.grace = setTimeout(() => this.complete(), MARKER_GRACE_MS);
  }

  private onLogsDone(id: number): void {
    const pending = this.pending;
    if (!pending || pending.id !== id) return;
    pending.logsDone = true;
    if (pending.result) this.complete();
  }

  /** Result and logs are both in: hand the outcome over. */
  private complete(): void {
    const pending = this.pending;
    if (!pending?.result) return;
    clearTimeout(pending.grace);
    const fatal = pending.fatal;
    this.settle(pending.result);
    // An init failure or an escaped error leaves the runtime unusable: discard it.
    if (fatal) this.kill();
  }

  private settle(outcome: InvocationOutcome): void {
    const pending = this.pending;
    if (!pending) return;
    clearTimeout(pending.timer);
    clearTimeout(pending.grace);
    this.pending = undefined;
    this.served += 1;
    this.lastUsed = this.opts.now();
    pending.resolve(outcome);
  }

  private onGone(code: number | null, signal: NodeJS.Signals | null, spawnError?: string): void {
    if (this.dead) return;
    this.dead = true;
    if (this.pending?.result) {
      this.settle(this.pending.result);
    } else if (this.pending) {
      const requestId = this.pending.requestId;
      if (spawnError) {
        this.settle({ ok: false, error: startError(requestId, spawnError), kind: 'crash' });
      } else {
        const oom = /heap out of memory|Allocation failed/i.test(this.stderrTail);
        this.settle({ ok: false, error: exitError(requestId, code, signal, oom), kind: 'crash' });
      }
    }
    this.opts.onExit?.();
  }

  /** Runs one invocation. Never rejects: every failure is an outcome. */
  invoke(req: InvocationRequest): Promise<InvocationOutcome> {
    if (!this.alive) {
      return Promise.resolve({ ok: false, error: startError(req.requestId, 'environment is gone'), kind: 'crash' as const });
    }
    if (this.pending) throw new Error('a function instance runs one invocation at a time');
    if (!this.child) this.child = this.spawn();
    const id = this.nextId++;
    const timeoutMs = Math.round(this.opts.timeoutSeconds * 1000);
    return new Promise<InvocationOutcome>((resolve) => {
      const timer = setTimeout(() => {
        // Settle first so the exit that follows is not reported as a crash.
        this.settle({ ok: false, error: timeoutError(req.requestId, this.opts.timeoutSeconds), kind: 'timeout' });
        this.kill();
      }, timeoutMs);
      this.pending = { id, requestId: req.requestId, resolve, timer };
      this.child!.send({
        t: 'invoke',
        id,
        event: req.event,
        env: req.env,
        context: {
          awsRequestId: req.requestId,
          timeoutMs,
          invokedFunctionArn: req.invokedFunctionArn,
          clientContext: req.clientContext,
        },
      }, (err) => {
        if (err && this.pending?.id === id) {
          this.settle({ ok: false, error: startError(req.requestId, err.message), kind: 'crash' });
          this.kill();
        }
      });
    });
  }

  /** Ends the process now (SIGKILL: a runtime stuck in a loop ignores anything gentler). */
  kill(): void {
    this.retired = true;
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (!child) this.onGone(null, 'SIGKILL');
  }

  /** Resolves once the process has exited. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      this.onGone(null, 'SIGKILL');
      return;
    }
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.kill();
    // SIGKILL cannot be ignored, but a child still being spawned may never report its exit: stop
    // does not wait on it forever.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_WAIT_MS).unref()))]);
    clearTimeout(timer);
  }
}
