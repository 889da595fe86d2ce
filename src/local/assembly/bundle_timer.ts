/**
 * Per-function bundling times during a synthesis. The CDK prints only "Bundling asset <path>..."
 * (the Gen 2 function construct keeps esbuild quiet), so the end of a bundle is read from the
 * output folder instead: the CDK bundles into `<outDir>/bundling-temp-<hash>` and renames it to
 * `asset.<hash>` when esbuild is done. Bundles run one after the other, so the folder that goes away
 * is the one the last "Bundling asset" line named.
 */
import { watch, type FSWatcher } from 'node:fs';
import { formatDuration } from '../core/duration.js';

const BUNDLING_LINE = /^Bundling asset (.+?)\/Code\/Stage\.\.\.$/;

/** `amplify-app-local-sandbox-abc/data/post-processor-lambda` → `post-processor (data)`. */
export function bundleLabel(constructPath: string): string {
  const parts = constructPath.split('/');
  const name = (parts[parts.length - 1] ?? constructPath).replace(/-lambda$/, '');
  const group = parts.length > 2 ? parts[parts.length - 2] : undefined;
  return group ? `${name} (${group})` : name;
}

export interface BundleTimer {
  /** Feed every output line of the synthesis; returns the line to show instead (or the line itself). */
  line(text: string): string;
  /** Stops watching; reports a bundle still open (the synthesis failed inside it). */
  close(): void;
}

/**
 * Watches `outDir` (which must exist) and reports `bundled <function> in <time>` through `report`.
 * Where the platform cannot watch the folder, bundling lines are still relabelled, without times.
 */
export function bundleTimer(outDir: string, report: (line: string) => void, now: () => number = () => performance.now()): BundleTimer {
  let current: { label: string; startedAt: number } | undefined;
  let watcher: FSWatcher | undefined;
  const finish = () => {
    if (!current) return;
    report(`bundled ${current.label} in ${formatDuration(now() - current.startedAt)}`);
    current = undefined;
  };
  try {
    watcher = watch(outDir, (_event, name) => {
      // `asset.<hash>` appears when the bundle's temp folder is renamed into place.
      if (current && typeof name === 'string' && name.startsWith('asset.')) finish();
    });
    watcher.on('error', () => watcher?.close());
  } catch {
    watcher = undefined;
  }
  return {
    line(text) {
      const m = BUNDLING_LINE.exec(text.trim());
      if (!m) return text;
      finish();
      current = { label: bundleLabel(m[1]), startedAt: now() };
      return `bundling function ${current.label} ...`;
    },
    close() {
      watcher?.close();
      current = undefined;
    },
  };
}
