/**
 * The warm synthesis process (spawned by synth_worker.ts with an IPC channel). It keeps the CDK and
 * Amplify packages loaded and runs the backend entry once per request in a fresh tsx namespace, so
 * every file under `amplify/` is evaluated anew while node_modules stay in memory: a re-synthesis
 * costs well under a second instead of a new process that loads everything again.
 *
 * What `tsx amplify/backend.ts` does at exit (App auto-synth on `beforeExit`) is done here
 * explicitly: CDK's App init hook hands us each App the entry creates, and its auto-synth listener
 * is removed so that a long-lived process does not synthesize stale apps when it finally exits.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';

export interface SynthRequest {
  id: number;
  /** The entry file (`amplify/backend.ts`...). */
  entry: string;
  projectDir: string;
  outDir: string;
  context: Record<string, unknown>;
}

export type SynthReply =
  | { id: number; ok: true; millis: number; heapUsed: number }
  | { id: number; ok: false; message: string; stack?: string; heapUsed: number }
  | { id: -1; ready: true; millis: number };

const APP_INIT_HOOK = Symbol.for('@aws-cdk/core.App#initHook');

interface SynthesizableApp {
  synth(options?: { errorOnDuplicateSynth?: boolean }): unknown;
}

function send(reply: SynthReply): void {
  process.send?.(reply);
}

/** Loads the heavy packages once, from the project's tools folder (argv[2]). */
async function preload(toolsDir: string): Promise<void> {
  const started = performance.now();
  const require = createRequire(path.join(toolsDir, 'package.json'));
  for (const pkg of ['aws-cdk-lib', '@aws-amplify/backend']) {
    try {
      await import(pathToFileURL(require.resolve(pkg)).href);
    } catch {
      // Not resolvable from here: the entry's own imports will say so.
    }
  }
  send({ id: -1, ready: true, millis: performance.now() - started });
}

let queue: Promise<void> = Promise.resolve();

async function synthesize(req: SynthRequest): Promise<void> {
  const started = performance.now();
  const apps: SynthesizableApp[] = [];
  const before = { exit: new Set(process.listeners('beforeExit')), message: new Set(process.listeners('message')) };
  const g = globalThis as Record<symbol, unknown>;
  try {
    process.env.CDK_OUTDIR = req.outDir;
    process.env.CDK_CONTEXT_JSON = JSON.stringify(req.context);
    process.chdir(req.projectDir);
    g[APP_INIT_HOOK] = (app: SynthesizableApp) => apps.push(app);
    forgetProjectModules(req.projectDir);
    await tsImport(pathToFileURL(req.entry).href, { parentURL: import.meta.url });
    dropNewListeners(before);
    if (apps.length === 0) throw new Error(`${path.basename(req.entry)} created no CDK app: does it call defineBackend()?`);
    for (const app of apps) app.synth({ errorOnDuplicateSynth: false });
    send({ id: req.id, ok: true, millis: performance.now() - started, heapUsed: process.memoryUsage().heapUsed });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    send({ id: req.id, ok: false, message: e.message, stack: e.stack, heapUsed: process.memoryUsage().heapUsed });
  } finally {
    dropNewListeners(before);
    delete g[APP_INIT_HOOK];
  }
}

/**
 * A backend compiled as CommonJS (no `"type": "module"` above it) is loaded through `require`, whose
 * cache the tsx namespace does not cover: its project files are dropped from it so they run anew.
 */
function forgetProjectModules(projectDir: string): void {
  const cache = createRequire(import.meta.url).cache;
  const root = path.resolve(projectDir) + path.sep;
  for (const file of Object.keys(cache)) {
    if (file.startsWith(root) && !file.includes(`${path.sep}node_modules${path.sep}`)) delete cache[file];
  }
}

/** The entry's App registered an auto-synth on `beforeExit` and Amplify an IPC `amplifySynth` hook. */
function dropNewListeners(before: { exit: Set<unknown>; message: Set<unknown> }): void {
  for (const l of process.listeners('beforeExit')) if (!before.exit.has(l)) process.removeListener('beforeExit', l);
  for (const l of process.listeners('message')) if (!before.message.has(l)) process.removeListener('message', l as () => void);
}

const onMessage = (msg: SynthRequest) => {
  queue = queue.then(() => synthesize(msg));
};
process.on('message', onMessage);
// The parent went away: nothing to serve any more.
process.on('disconnect', () => process.exit(0));
await preload(process.argv[2] ?? process.cwd());
