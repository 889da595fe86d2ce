/**
 * Hot reload for a running local cloud: a save under `amplify/` re-synthesizes (through the
 * content-keyed assembly cache, with a warm synthesis worker) and the cloud swaps the changed
 * services (swap.ts). A broken edit leaves the last good backend serving and is reported in the
 * terminal and at `GET /_local/reload`.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LocalCloud } from '../app.js';
import { assemblyKey, ensureAssembly } from '../assembly/cache.js';
import { loadBackendModel } from '../assembly/load_assembly.js';
import { formatDuration } from '../core/duration.js';
import type { Logger } from '../core/logger.js';
import type { SwapReport } from './swap.js';
import { SynthWorker } from './synth_worker.js';
import { watchTree, type Watcher } from './watcher.js';

export interface HotReloadOptions {
  /** Quiet time after the last save (default 150 ms). */
  debounceMs?: number;
  /**
   * Synthesize in a warm worker process (default). False: a fresh `tsx amplify/backend.ts` per
   * change, as the first synthesis does (slower; for comparison).
   */
  warmWorker?: boolean;
  /** The assembly cache (default `.amplify/local-assembly`, as `npm start`). */
  cacheDir?: string;
}

interface StartOptions extends HotReloadOptions {
  projectDir: string;
  region: string;
  log: Logger;
}

export interface ReloadError {
  message: string;
  resolution?: string;
  /** The synthesis output (the backend's own error and stack). */
  output?: string;
}

export interface ReloadStatus {
  /** `idle` (serving the last good backend), `reloading`, or `failed` (the last save did not apply). */
  state: 'idle' | 'reloading' | 'failed';
  /** The folder watched. */
  watching: string;
  lastError: ReloadError | null;
  /** ISO time the last reload attempt finished. */
  lastReloadAt: string | null;
  /** How long it took, from the save being noticed to the new backend serving. */
  durationMs: number | null;
  /** Where that time went: synthesis (0 on a cache hit), loading the assembly, swapping services. */
  timings: { synthMs: number; loadMs: number; swapMs: number } | null;
  /** Reloads applied since start. */
  reloads: number;
  /** What the last applied reload did. */
  lastReport: (Omit<SwapReport, 'changes'> & { changes: { name: string; parts: string[] }[] }) | null;
}

export interface HotReload {
  status(): ReloadStatus;
  /** Re-synthesize now, as a save would (resolves when done). */
  trigger(): Promise<void>;
  /** Resolves once the synthesis worker has loaded the packages and synthesized once (benchmarks). */
  warmedUp(): Promise<void>;
  close(): Promise<void>;
}

export function startHotReload(cloud: LocalCloud, opts: StartOptions): HotReload {
  const { log, projectDir } = opts;
  const amplifyDir = path.join(projectDir, 'amplify');
  const worker = opts.warmWorker === false ? undefined : new SynthWorker({ projectDir, onOutput: () => {} });
  const status: ReloadStatus = { state: 'idle', watching: amplifyDir, lastError: null, lastReloadAt: null, durationMs: null, timings: null, reloads: 0, lastReport: null };
  /** The assembly each service's model came from: those folders hold code still running. */
  const inUse = new Map<string, string>(cloud.services.map((s) => [s.name, cloud.model.assemblyDir]));
  let running: Promise<void> | undefined;
  /** The content that failed last: saving it again (or an editor's second write) is not retried. */
  let failedKey: string | undefined;
  let again = false;
  let closed = false;

  const warmUp = worker?.warmUp(mkdtempSync(path.join(tmpdir(), 'amplify-warmup-')));

  async function reloadOnce(): Promise<void> {
    const started = performance.now();
    let key: string;
    try {
      key = assemblyKey(projectDir);
    } catch (err) {
      return fail(err, undefined, started);
    }
    // The content that failed last, saved again (or an editor's second write): same error.
    if (key === failedKey) return;
    const before = status.state;
    status.state = 'reloading';
    try {
      const assembly = await ensureAssembly({
        projectDir,
        cacheDir: opts.cacheDir,
        synthesize: worker && ((args) => worker.synthesize(args)),
        keep: [...new Set(inUse.values())],
      });
      const synthMs = performance.now() - started;
      if (closed) return;
      if (assembly.assemblyDir === cloud.model.assemblyDir) {
        // The content being served (a save without a change, or an edit undone): nothing to swap.
        status.state = before === 'failed' ? 'idle' : before;
        failedKey = undefined;
        status.lastError = null;
        return;
      }
      const next = loadBackendModel(assembly.assemblyDir, { region: opts.region });
      const loaded = performance.now();
      const report = await cloud.reload(next);
      for (const name of [...report.reloaded, ...report.replaced]) inUse.set(name, next.assemblyDir);
      Object.assign(status, {
        state: 'idle',
        lastError: null,
        reloads: status.reloads + 1,
        lastReport: report,
        durationMs: Math.round(performance.now() - started),
        lastReloadAt: new Date().toISOString(),
        timings: { synthMs: Math.round(synthMs), loadMs: Math.round(loaded - started - synthMs), swapMs: Math.round(performance.now() - loaded) },
      } satisfies Partial<ReloadStatus>);
      failedKey = undefined;
      log.info(summary(report, status.durationMs!));
    } catch (err) {
      fail(err, key, started);
    }
  }

  function fail(err: unknown, key: string | undefined, started: number): void {
    const e = err as Error & { resolution?: string; output?: string };
    failedKey = key;
    Object.assign(status, {
      state: 'failed',
      lastError: { message: e.message ?? String(err), resolution: e.resolution, output: e.output },
      durationMs: Math.round(performance.now() - started),
      lastReloadAt: new Date().toISOString(),
      timings: null,
    } satisfies Partial<ReloadStatus>);
    log.error(`${e.message ?? String(err)}${e.output ? `\n${tail(e.output)}` : ''}\n  The last good backend keeps running.${e.resolution ? ` ${e.resolution}` : ''}`);
  }

  function run(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await reloadOnce();
      } while (again && !closed);
    })().finally(() => {
      running = undefined;
    });
    return running;
  }

  const watcher: Watcher = watchTree(amplifyDir, {
    debounceMs: opts.debounceMs ?? 150,
    onChange: (files) => {
      const named = files.filter((f) => existsSync(path.join(amplifyDir, f)));
      const shown = named.length ? named : files;
      log.info(`${shown.slice(0, 3).join(', ')}${shown.length > 3 ? ` and ${shown.length - 3} more` : ''} changed: reloading`);
      void run();
    },
    onError: (message) => log.warn(message),
  });

  return {
    status: () => structuredClone(status),
    trigger: run,
    warmedUp: () => warmUp ?? Promise.resolve(),
    async close() {
      closed = true;
      watcher.close();
      await running;
      await warmUp;
      await worker?.close();
    },
  };
}

function summary(report: SwapReport, ms: number): string {
  const parts = [
    ...report.reloaded.map((n) => `${n} (in place)`),
    ...report.replaced.map((n) => `${n} (restarted)`),
  ];
  const head = parts.length ? `reloaded in ${formatDuration(ms)}: ${parts.join(', ')}` : `rebuilt in ${formatDuration(ms)}: no service changed`;
  return [head, ...report.notes.map((n) => `  ${n}`)].join('\n');
}

/** The end of a long synthesis output: where the error is. */
function tail(output: string, lines = 25): string {
  const all = output.trimEnd().split('\n');
  return all.slice(-lines).map((l) => `  | ${l}`).join('\n');
}
