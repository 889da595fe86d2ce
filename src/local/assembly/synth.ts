import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { findBackendEntry } from './backend_entry.js';
import { bundleTimer } from './bundle_timer.js';
import { synthFailureResolution } from './synth_hints.js';

type BackendType = 'sandbox' | 'branch' | 'standalone';

/** Which backend a synthesis is: what ampx puts in the CDK context, and what SSM paths are built from. */
export interface BackendIdentifier {
  namespace: string;
  name: string;
  type: BackendType;
}

interface SynthOptions {
  /** The folder holding `amplify/` (its entry found as ampx finds it). It need not have a package.json of its own. */
  projectDir: string;
  outDir: string;
  /**
   * Where `tsx` and the Amplify packages are resolved from (a folder with node_modules).
   * Defaults to the nearest folder at or above `projectDir` that has a package.json.
   */
  toolsDir?: string;
  backendType?: BackendType;
  /** Defaults to the package name (namespace) and `local` (name). */
  backendNamespace?: string;
  backendName?: string;
  /** Skip esbuild bundling of functions (templates only). */
  skipBundling?: boolean;
  onProgress?: (line: string) => void;
}

interface SynthResult {
  outDir: string;
  millis: number;
}

export class SynthError extends Error {
  override readonly name = 'SynthError';
  constructor(
    message: string,
    readonly resolution: string,
    readonly output: string,
  ) {
    super(message);
  }
}

/** The nearest folder at or above `dir` holding a package.json (undefined at the root). */
export function findPackageRoot(dir: string): string | undefined {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    if (existsSync(path.join(current, 'package.json'))) return current;
    if (path.dirname(current) === current) return undefined;
  }
}

/**
 * The namespace ampx would use: the project's package name. A backend folder without a package.json
 * of its own (a fixture inside another project) is named after its folder so its stacks differ.
 */
function defaultNamespace(projectDir: string): string {
  const pkgPath = path.join(projectDir, 'package.json');
  const name = existsSync(pkgPath)
    ? ((JSON.parse(readFileSync(pkgPath, 'utf8')) as { name?: string }).name ?? 'app')
    : path.basename(path.resolve(projectDir));
  return name.replace(/[^A-Za-z0-9-]/g, '-');
}

/** The backend the local cloud synthesizes for a project: a sandbox named `local` in the package's namespace. */
export function backendIdentifier(opts: Pick<SynthOptions, 'projectDir' | 'backendNamespace' | 'backendName' | 'backendType'>): BackendIdentifier {
  return {
    namespace: opts.backendNamespace ?? defaultNamespace(opts.projectDir),
    name: opts.backendName ?? 'local',
    type: opts.backendType ?? 'sandbox',
  };
}

/** The context keys `ampx` sets when it synthesizes a backend. */
export function backendContext(
  opts: Pick<SynthOptions, 'projectDir' | 'backendNamespace' | 'backendName' | 'backendType' | 'skipBundling'>,
): Record<string, unknown> {
  const id = backendIdentifier(opts);
  const ctx: Record<string, unknown> = {
    'amplify-backend-namespace': id.namespace,
    'amplify-backend-name': id.name,
    'amplify-backend-type': id.type,
  };
  if (opts.skipBundling) ctx['aws:cdk:bundling-stacks'] = [];
  return ctx;
}

/**
 * Runs the backend entry (`amplify/backend.ts`, or the `.js`/`.mjs`/`.cjs` ampx prefers to it) in a
 * child process with the CDK output directory and context set, exactly as `ampx` does in-process,
 * without touching AWS.
 */
export async function synthesizeBackend(opts: SynthOptions): Promise<SynthResult> {
  const started = Date.now();
  const entry = findBackendEntry(opts.projectDir);
  const outDir = path.resolve(opts.projectDir, opts.outDir);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const toolsDir = opts.toolsDir ?? findPackageRoot(opts.projectDir) ?? opts.projectDir;
  const require = createRequire(path.join(toolsDir, 'package.json'));
  const tsxCli = path.join(path.dirname(require.resolve('tsx/package.json')), 'dist', 'cli.mjs');

  opts.onProgress?.(`running ${entry.relative} (CDK synthesis${opts.skipBundling ? ', no bundling' : ', functions bundled with esbuild'}) ...`);
  const child = spawn(process.execPath, [tsxCli, entry.file], {
    cwd: opts.projectDir,
    env: {
      ...process.env,
      CDK_OUTDIR: outDir,
      CDK_CONTEXT_JSON: JSON.stringify(backendContext(opts)),
      AMPLIFY_DISABLE_TELEMETRY: '1',
      CDK_DISABLE_CLI_TELEMETRY: 'true',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const bundles = bundleTimer(outDir, (line) => opts.onProgress?.(line));
  const onData = (chunk: Buffer) => {
    const text = chunk.toString();
    output += text;
    for (const line of text.split('\n')) if (line.trim()) opts.onProgress?.(bundles.line(line));
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  bundles.close();
  if (code !== 0) {
    throw new SynthError(
      `Synthesizing ${entry.relative} failed (exit ${code})`,
      synthFailureResolution(output),
      output,
    );
  }
  return { outDir, millis: Date.now() - started };
}
