import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { findBackendEntry } from '../assembly/backend_entry.js';
import { backendContext, findPackageRoot, SynthError } from '../assembly/synth.js';
import type { SynthReply, SynthRequest } from './synth_worker_main.js';

/** A worker is replaced after this many syntheses or this much heap: each run leaves its module graph behind. */
const MAX_RUNS = 25;
const MAX_HEAP_BYTES = 1.5 * 1024 ** 3;

export interface SynthWorkerOptions {
  projectDir: string;
  /** Where tsx and the Amplify packages are resolved from (default: the nearest package.json folder). */
  toolsDir?: string;
  /** Output of the worker (the backend's console output, CDK warnings). */
  onOutput?: (line: string) => void;
}

interface Pending {
  resolve(millis: number): void;
  reject(err: Error): void;
  output: string[];
  onProgress?: (line: string) => void;
}

/**
 * A long-lived synthesis process for one project (see synth_worker_main.ts). `synthesize` has the
 * signature `ensureAssembly` takes, so the content-keyed cache stays the one place that decides
 * whether to synthesize. Failures are `SynthError`s, as with the cold path.
 */
export class SynthWorker {
  /**
   * Whether one process may synthesize again and again. Only an ES-module backend can: each run
   * imports it in a fresh tsx namespace, Amplify's packages included. A CommonJS backend loads them
   * through `require(esm)`, shared across runs, and their one-`defineAuth`-per-process counters
   * refuse a second run; it gets a fresh preloaded process per synthesis instead (spawned ahead).
   */
  readonly reusable: boolean;
  private child: ChildProcess | undefined;
  private ready: Promise<void> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private runs = 0;
  private heapUsed = 0;
  private current: Pending | undefined;
  private closed = false;

  constructor(private readonly opts: SynthWorkerOptions) {
    this.reusable = backendIsEsm(opts.projectDir);
  }

  /** Starts the process and loads the packages (idempotent). */
  start(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the synthesis worker is closed'));
    if (this.ready) return this.ready;
    const toolsDir = this.opts.toolsDir ?? findPackageRoot(this.opts.projectDir) ?? this.opts.projectDir;
    const require = createRequire(path.join(toolsDir, 'package.json'));
    const tsxLoader = pathToFileURL(require.resolve('tsx')).href;
    const main = path.join(import.meta.dirname, 'synth_worker_main.ts');
    const child = spawn(process.execPath, ['--import', tsxLoader, main, toolsDir], {
      cwd: this.opts.projectDir,
      env: { ...process.env, AMPLIFY_DISABLE_TELEMETRY: '1', CDK_DISABLE_CLI_TELEMETRY: 'true' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child = child;
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (!line.trim()) continue;
        this.current?.output.push(line);
        this.current?.onProgress?.(line);
        if (!this.current) this.opts.onOutput?.(line);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    this.ready = new Promise<void>((resolve, reject) => {
      child.on('message', (msg: SynthReply) => {
        if ('ready' in msg) return resolve();
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        this.heapUsed = msg.heapUsed;
        if (msg.ok) p.resolve(msg.millis);
        else p.reject(synthError(msg.message, msg.stack, p.output));
      });
      child.once('exit', (code, signal) => {
        const err = new Error(`the synthesis worker exited (${signal ?? `code ${code}`})`);
        reject(err);
        for (const p of this.pending.values()) p.reject(synthError(err.message, undefined, p.output));
        this.pending.clear();
        if (this.child === child) {
          this.child = undefined;
          this.ready = undefined;
        }
      });
    });
    // An unhandled rejection here would be noise: callers of synthesize() get the error.
    this.ready.catch(() => {});
    return this.ready;
  }

  /** Synthesizes the project into `outDir` (emptied first), as `synthesizeBackend` does. */
  async synthesize(args: { projectDir: string; outDir: string; onProgress?: (line: string) => void }): Promise<{ millis: number }> {
    if (this.runs >= MAX_RUNS || this.heapUsed > MAX_HEAP_BYTES) await this.recycle();
    const started = performance.now();
    await this.start();
    const entry = findBackendEntry(args.projectDir);
    rmSync(args.outDir, { recursive: true, force: true });
    mkdirSync(args.outDir, { recursive: true });
    const id = this.nextId++;
    const req: SynthRequest = { id, entry: entry.file, projectDir: args.projectDir, outDir: path.resolve(args.outDir), context: backendContext({ projectDir: args.projectDir }) };
    this.runs++;
    await new Promise<number>((resolve, reject) => {
      const p: Pending = { resolve, reject, output: [], onProgress: args.onProgress };
      this.pending.set(id, p);
      this.current = p;
      this.child!.send(req);
    }).finally(() => {
      this.current = undefined;
    });
    if (!this.reusable) {
      // Used once: replace it now, so the next save finds a preloaded process.
      await this.recycle();
      if (!this.closed) void this.start().catch(() => {});
    }
    return { millis: performance.now() - started };
  }

  /**
   * Loads the packages and (when the process is reusable) runs one synthesis into a throw-away
   * folder, so the first real one is warm.
   */
  async warmUp(scratchDir: string): Promise<void> {
    if (!this.reusable) {
      await this.start().catch(() => {});
      return;
    }
    try {
      await this.synthesize({ projectDir: this.opts.projectDir, outDir: scratchDir });
    } catch {
      // A broken backend warms up nothing; the real synthesis reports the error.
    } finally {
      rmSync(scratchDir, { recursive: true, force: true });
    }
  }

  private async recycle(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    this.ready = undefined;
    this.runs = 0;
    this.heapUsed = 0;
    if (child) await stopChild(child);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.recycle();
  }
}

/** True when Node loads the backend entry as an ES module (what `npm create amplify` sets up). */
export function backendIsEsm(projectDir: string): boolean {
  const entry = findBackendEntry(projectDir);
  if (entry.name === 'backend.mjs') return true;
  if (entry.name === 'backend.cjs') return false;
  for (let dir = path.dirname(entry.file); ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        return (JSON.parse(readFileSync(pkg, 'utf8')) as { type?: string }).type === 'module';
      } catch {
        return false;
      }
    }
    if (path.dirname(dir) === dir) return false;
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function synthError(message: string, stack: string | undefined, output: string[]): SynthError {
  return new SynthError(
    `Synthesizing amplify/ failed: ${message}`,
    'Fix the error in amplify/ and save again (`npm run typecheck` points at type errors).',
    [...output, stack ?? message].join('\n'),
  );
}
