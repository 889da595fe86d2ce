import path from 'node:path';
import { build } from 'esbuild';

const ENTRY = path.join(import.meta.dirname, 'client', 'main.ts');

/**
 * The console's browser script: client/*.ts bundled by esbuild (a direct dependency) on the first
 * request, in memory. One small file, nothing fetched from elsewhere.
 */
export async function bundleClient(): Promise<string> {
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    logLevel: 'silent',
    legalComments: 'none',
  });
  return result.outputFiles[0].text;
}
