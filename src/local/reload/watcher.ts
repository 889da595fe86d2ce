import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { assemblyKey } from '../assembly/cache.js';

export interface WatchOptions {
  /** Quiet time after the last event before `onChange` (editors write a file in several steps). */
  debounceMs: number;
  onChange(files: string[]): void;
  onError(message: string): void;
  /** Poll interval when recursive fs.watch is unavailable (default 1 s). */
  pollMs?: number;
}

/** Editors' swap, backup and atomic-save files, and folders that are never backend code. */
export function isIgnored(rel: string): boolean {
  const parts = rel.split(/[\\/]/);
  if (parts.some((p) => p === 'node_modules' || (p.startsWith('.') && p.length > 1))) return true;
  const base = parts[parts.length - 1] ?? '';
  return (
    /\.(swp|swo|swx|tmp|bak|orig)$/i.test(base) ||
    base.endsWith('~') ||
    /^#.*#$/.test(base) ||
    /^\.#/.test(base) ||
    base === '4913' || // vim's write test
    /\.tmp\.\d+$/.test(base) || // atomic writes (e.g. VS Code's `file.ts.tmp.123`)
    /___jb_(tmp|old)___$/.test(base) // JetBrains safe write
  );
}

export interface Watcher {
  close(): void;
}

/**
 * Watches `dir` recursively (Node 20 on Linux supports `recursive`), calling `onChange` once per
 * burst of saves. If the watch fails (the folder was replaced, e.g. by a branch switch) it is set
 * up again; where recursive watching is unavailable the folder's content key is polled instead.
 */
export function watchTree(dir: string, opts: WatchOptions): Watcher {
  let timer: NodeJS.Timeout | undefined;
  let changed = new Set<string>();
  let watcher: FSWatcher | undefined;
  let poller: NodeJS.Timeout | undefined;
  let closed = false;

  const fire = () => {
    timer = undefined;
    const files = [...changed];
    changed = new Set();
    if (!closed) opts.onChange(files);
  };
  const note = (rel: string) => {
    if (isIgnored(rel)) return;
    changed.add(rel);
    if (timer) clearTimeout(timer);
    timer = setTimeout(fire, opts.debounceMs);
  };

  const start = () => {
    if (closed) return;
    try {
      watcher = watch(dir, { recursive: true }, (_event, file) => note(file ? String(file) : '.'));
      watcher.on('error', (err) => {
        watcher?.close();
        watcher = undefined;
        opts.onError(`watching ${dir} failed (${err.message}); watching again`);
        setTimeout(start, 500).unref();
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM') return poll();
      opts.onError(`cannot watch ${dir} (${(err as Error).message}); trying again`);
      setTimeout(start, 1000).unref();
    }
  };

  const poll = () => {
    const projectDir = path.dirname(dir);
    let last = safeKey(projectDir);
    poller = setInterval(() => {
      const key = safeKey(projectDir);
      if (key !== last) {
        last = key;
        note('.');
      }
    }, opts.pollMs ?? 1000);
    poller.unref();
  };

  start();
  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      if (poller) clearInterval(poller);
      watcher?.close();
    },
  };
}

function safeKey(projectDir: string): string {
  try {
    return assemblyKey(projectDir);
  } catch (err) {
    return `error:${(err as Error).message}`;
  }
}
