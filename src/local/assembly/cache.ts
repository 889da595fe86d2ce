import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { findBackendEntry } from './backend_entry.js';
import { findPackageRoot, synthesizeBackend } from './synth.js';
import { formatDuration } from '../core/duration.js';
import { processAlive } from '../core/process_alive.js';

interface EnsureAssemblyOptions {
  /** The folder holding `amplify/`. */
  projectDir: string;
  /** Where synthesized assemblies are kept, relative to `projectDir` (or absolute). */
  cacheDir?: string;
  /** Synth output lines, plus one line saying whether the cache was used. */
  onProgress?: (line: string) => void;
  /**
   * Anything else the synthesized templates depend on (for example environment variables that
   * `backend.ts` reads); it becomes part of the cache key.
   */
  extraKey?: string;
  /** Where tsx and the Amplify packages are resolved from (see SynthOptions.toolsDir). */
  toolsDir?: string;
  /**
   * Synthesizes into `outDir` instead of a fresh tsx process (the hot reloader's warm worker).
   * Must produce what `synthesizeBackend` produces.
   */
  synthesize?: (args: { projectDir: string; outDir: string; onProgress?: (line: string) => void }) => Promise<{ millis: number }>;
  /** Assemblies still in use (a running local cloud's code folders): never pruned. */
  keep?: readonly string[];
}

interface EnsuredAssembly {
  assemblyDir: string;
  fromCache: boolean;
}

/** Bumped when the layout of a cached assembly (or how it is synthesized) changes. */
const CACHE_FORMAT = 'local-assembly-v1';
/** A lock whose owner is gone, or older than this, is taken over. */
const STALE_LOCK_MS = 10 * 60_000;
const POLL_MS = 150;
/** Assemblies kept besides the current one, so a running local cloud keeps its code folders. */
const KEEP_PREVIOUS = 2;

/**
 * The cache key: the entry file ampx would run, every file under `amplify/` (sorted relative paths
 * and contents), the lockfile that pins the Amplify/CDK versions, and the cache format. Function code is under `amplify/`, so a
 * handler edit re-synthesizes (the functions service runs the bundled output, not the source).
 */
export function assemblyKey(projectDir: string, extraKey = ''): string {
  const hash = createHash('sha256');
  hash.update(`${CACHE_FORMAT}\0${extraKey}\0`);
  const amplifyDir = path.join(projectDir, 'amplify');
  if (!existsSync(amplifyDir)) {
    throw new Error(`No amplify/ folder in ${projectDir}: it is not a Gen 2 backend project.`);
  }
  // No entry file: say so now, before any lock or temporary folder exists.
  hash.update(`entry:${findBackendEntry(projectDir).name}\0`);
  for (const rel of listFiles(amplifyDir)) {
    hash.update(`${rel}\0`);
    hash.update(readFileSync(path.join(amplifyDir, rel)));
    hash.update('\0');
  }
  const lockRoot = existsSync(path.join(projectDir, 'package-lock.json')) ? projectDir : findPackageRoot(projectDir);
  const lockFile = lockRoot ? path.join(lockRoot, 'package-lock.json') : undefined;
  hash.update('package-lock.json\0');
  if (lockFile && existsSync(lockFile)) hash.update(readFileSync(lockFile));
  return hash.digest('hex');
}

/** Relative paths of every file below `dir`, sorted, skipping node_modules and dot folders. */
function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      out.push(...listFiles(dir, rel));
    } else if (entry.isFile()) {
      out.push(rel);
    }
  }
  return out.sort();
}

/**
 * Returns a synthesized cloud assembly for `projectDir`, synthesizing only when no cached assembly
 * has the current key. Safe to call from several processes at once: one synthesizes under a lock
 * file, the others wait for it. A synthesis is written to a temporary folder and renamed into place
 * only when complete, so a crash never leaves a half assembly that looks valid.
 */
export async function ensureAssembly(opts: EnsureAssemblyOptions): Promise<EnsuredAssembly> {
  const projectDir = path.resolve(opts.projectDir);
  const cacheRoot = path.resolve(projectDir, opts.cacheDir ?? '.amplify/local-assembly');
  const key = assemblyKey(projectDir, opts.extraKey);
  const assemblyDir = path.join(cacheRoot, key.slice(0, 24));
  await mkdir(cacheRoot, { recursive: true });

  if (isComplete(assemblyDir)) {
    opts.onProgress?.(`assembly cache hit (${path.basename(assemblyDir)})`);
    return { assemblyDir, fromCache: true };
  }

  const lockPath = `${assemblyDir}.lock`;
  for (;;) {
    const lock = await tryLock(lockPath);
    if (lock) {
      try {
        // Another process may have finished between our check and taking the lock.
        if (isComplete(assemblyDir)) return { assemblyDir, fromCache: true };
        await synthesizeInto(projectDir, cacheRoot, assemblyDir, opts);
        await pruneOld(cacheRoot, assemblyDir, opts.keep ?? []);
        return { assemblyDir, fromCache: false };
      } finally {
        await lock.release();
      }
    }
    opts.onProgress?.('waiting for another process synthesizing the same backend');
    await waitForLock(lockPath, assemblyDir);
    if (isComplete(assemblyDir)) return { assemblyDir, fromCache: true };
    // The other process failed or died: try to take the lock ourselves.
  }
}

/** A finished assembly has its manifest and our completion marker (written last, before the rename). */
function isComplete(dir: string): boolean {
  return existsSync(path.join(dir, 'manifest.json')) && existsSync(path.join(dir, '.complete'));
}

async function synthesizeInto(projectDir: string, cacheRoot: string, assemblyDir: string, opts: EnsureAssemblyOptions): Promise<void> {
  const { onProgress } = opts;
  const tmpDir = path.join(cacheRoot, `.tmp-${path.basename(assemblyDir)}-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    // Bundling stays on: the functions service runs the bundled `asset.<hash>/index.mjs`.
    const result = opts.synthesize
      ? await opts.synthesize({ projectDir, outDir: tmpDir, onProgress })
      : await synthesizeBackend({ projectDir, outDir: tmpDir, onProgress, toolsDir: opts.toolsDir });
    await writeFile(path.join(tmpDir, '.complete'), JSON.stringify({ millis: result.millis, at: new Date().toISOString() }));
    await rm(assemblyDir, { recursive: true, force: true });
    await rename(tmpDir, assemblyDir);
    onProgress?.(`synthesized in ${formatDuration(result.millis)} → ${assemblyDir}`);
  } finally {
    await rm(tmpDir, { recursive: true, force: true });
  }
}

interface HeldLock {
  release(): Promise<void>;
}

async function tryLock(lockPath: string): Promise<HeldLock | undefined> {
  try {
    const handle = await open(lockPath, 'wx');
    await handle.writeFile(JSON.stringify({ pid: process.pid, at: Date.now() }));
    await handle.close();
    return { release: () => rm(lockPath, { force: true }) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    if (await isStale(lockPath)) {
      await rm(lockPath, { force: true });
      return tryLock(lockPath);
    }
    return undefined;
  }
}

async function isStale(lockPath: string): Promise<boolean> {
  try {
    const info = JSON.parse(await readFile(lockPath, 'utf8')) as { pid?: number; at?: number };
    if (typeof info.at === 'number' && Date.now() - info.at > STALE_LOCK_MS) return true;
    if (typeof info.pid === 'number' && !processAlive(info.pid)) return true;
    return false;
  } catch {
    // Unreadable: either being written right now or garbage; judge by age.
    try {
      return Date.now() - (await stat(lockPath)).mtimeMs > STALE_LOCK_MS;
    } catch {
      return false;
    }
  }
}

async function waitForLock(lockPath: string, assemblyDir: string): Promise<void> {
  while (existsSync(lockPath) && !isComplete(assemblyDir)) {
    if (await isStale(lockPath)) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Removes leftover temp folders and all but the newest few finished assemblies. */
async function pruneOld(cacheRoot: string, current: string, keep: readonly string[]): Promise<void> {
  const kept = new Set(keep.map((k) => path.resolve(k)));
  const entries = await readdir(cacheRoot, { withFileTypes: true });
  const finished: { dir: string; mtime: number }[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const dir = path.join(cacheRoot, entry.name);
    if (dir === current || kept.has(dir)) continue;
    if (entry.name.startsWith('.tmp-')) {
      // A temp folder of a live synthesis is young; an old one belongs to a crashed process.
      if (Date.now() - statSync(dir).mtimeMs > STALE_LOCK_MS) await rm(dir, { recursive: true, force: true });
      continue;
    }
    if (isComplete(dir)) finished.push({ dir, mtime: statSync(path.join(dir, '.complete')).mtimeMs });
  }
  finished.sort((a, b) => b.mtime - a.mtime);
  for (const { dir } of finished.slice(KEEP_PREVIOUS)) await rm(dir, { recursive: true, force: true });
}
