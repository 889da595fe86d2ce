import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export type BackendType = 'sandbox' | 'branch' | 'standalone';

export interface SynthOptions {
  projectDir: string;
  outDir: string;
  backendType?: BackendType;
  /** Defaults to the package name (namespace) and `local` (name). */
  backendNamespace?: string;
  backendName?: string;
  /** Skip esbuild bundling of functions (templates only). */
  skipBundling?: boolean;
  onProgress?: (line: string) => void;
}

export interface SynthResult {
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

/** The context keys `ampx` sets when it synthesizes a backend. */
export function backendContext(opts: SynthOptions): Record<string, unknown> {
  const pkg = JSON.parse(readFileSync(path.join(opts.projectDir, 'package.json'), 'utf8')) as { name?: string };
  const ctx: Record<string, unknown> = {
    'amplify-backend-namespace': opts.backendNamespace ?? (pkg.name ?? 'app').replace(/[^A-Za-z0-9-]/g, '-'),
    'amplify-backend-name': opts.backendName ?? 'local',
    'amplify-backend-type': opts.backendType ?? 'sandbox',
  };
  if (opts.skipBundling) ctx['aws:cdk:bundling-stacks'] = [];
  return ctx;
}

/**
 * Runs `amplify/backend.ts` in a child process with the CDK output directory and context set,
 * exactly as `ampx` does in-process, without touching AWS.
 */
export async function synthesizeBackend(opts: SynthOptions): Promise<SynthResult> {
  const started = Date.now();
  const outDir = path.resolve(opts.projectDir, opts.outDir);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const require = createRequire(path.join(opts.projectDir, 'package.json'));
  const tsxCli = path.join(path.dirname(require.resolve('tsx/package.json')), 'dist', 'cli.mjs');
  const entry = path.join(opts.projectDir, 'amplify', 'backend.ts');

  const child = spawn(process.execPath, [tsxCli, entry], {
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
  const onData = (chunk: Buffer) => {
    const text = chunk.toString();
    output += text;
    for (const line of text.split('\n')) if (line.trim()) opts.onProgress?.(line);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) {
    throw new SynthError(
      `Synthesizing amplify/backend.ts failed (exit ${code})`,
      'Fix the error above in amplify/ and run again; `npm run typecheck` points at type errors.',
      output,
    );
  }
  return { outDir, millis: Date.now() - started };
}
