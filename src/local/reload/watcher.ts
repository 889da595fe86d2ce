import { readdirSync, watch, type Dirent, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { assemblyKey } from '../assembly/cache.js';

export interface WatchOptions {
  /** Quiet time after the last event before `onChange` (editors write a file in several steps). */
  debounceMs: number;
  onChange(files: string[]): void;
  onError(message: string): void;
  /** Poll interval when folders cannot be watched (default 1 s). */
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
 * Watches `dir` and every folder below it, calling `onChange` once per burst of saves. Each folder
 * gets its own (non-recursive) watch: Node 20's `recursive` option on Linux watches files, and loses
 * a file that an editor saves by writing a temporary file and renaming it over the original (vim,
 * JetBrains, `sed -i`); a folder's watch sees those. Folders created or removed later are picked up
 * by a rescan after any rename event. Where watching fails the folder's content key is polled.
 */
export function watchTree(dir: string, opts: WatchOptions): Watcher {
  let timer: NodeJS.Timeout | undefined;
  let changed = new Set<string>();
  const watchers = new Map<string, FSWatcher>();
  let poller: NodeJS.Timeout | undefined;
  let closed = false;
  let scanned = false;

  const fire = () => {
    timer = undefined;
    rescan();
    const files = [...changed];
    changed = new Set();
    if (!closed && files.length) opts.onChange(files);
  };
  const note = (rel: string) => {
    if (isIgnored(rel)) return;
    changed.add(rel);
    if (timer) clearTimeout(timer);
    timer = setTimeout(fire, opts.debounceMs);
  };

  /** Watches every folder of the tree not yet watched; stops watching folders that are gone. */
  function rescan(): void {
    if (closed || poller) return;
    const present = new Set<string>();
    const walk = (rel: string) => {
      present.add(rel);
      let entries: Dirent[];
      try {
        entries = readdirSync(path.join(dir, rel), { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const child = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory() && !isIgnored(child)) walk(child);
        // Files of a folder that appeared since the last scan were written before it was watched.
        else if (scanned && !watchers.has(rel) && !isIgnored(child)) changed.add(child);
      }
    };
    walk('');
    scanned = true;
    for (const [rel, w] of watchers) {
      if (!present.has(rel)) {
        w.close();
        watchers.delete(rel);
      }
    }
    for (const rel of present) {
      if (watchers.has(rel)) continue;
      try {
        const w = watch(path.join(dir, rel), (event, file) => {
          const name = file ? String(file) : '';
          note(name ? (rel ? `${rel}/${name}` : name) : rel || '.');
          // A folder may have appeared or gone: look again once the burst is over.
          if (event === 'rename' && !timer) timer = setTimeout(fire, opts.debounceMs);
        });
        w.on('error', () => {
          w.close();
          watchers.delete(rel);
          if (!timer) timer = setTimeout(fire, opts.debounceMs);
        });
        watchers.set(rel, w);
      } catch (err) {
        if (rel === '' && (err as NodeJS.ErrnoException).code !== 'ENOENT') {
          opts.onError(`cannot watch ${dir} (${(err as Error).message}); polling it instead`);
          for (const w of watchers.values()) w.close();
          watchers.clear();
          poll();
          return;
        }
      }
    }
    if (!watchers.has('') && !closed) {
      // The folder itself is gone (a branch switch): try again shortly.
      setTimeout(rescan, 500).unref();
    }
  }

  function poll(): void {
    const projectDir = path.dirname(dir);
    let last = safeKey(projectDir);
    poller = setInterval(() => {
      const key = safeKey(projectDir);
      if (key !== last) {
        last = key;
        changed.add('.');
        fire();
      }
    }, opts.pollMs ?? 1000);
    poller.unref();
  }

  rescan();
  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      if (poller) clearInterval(poller);
      for (const w of watchers.values()) w.close();
      watchers.clear();
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
