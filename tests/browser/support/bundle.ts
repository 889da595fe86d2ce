import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const PAGE_ENTRY = path.resolve(import.meta.dirname, '../page/app.ts');

/**
 * Bundles tests/browser/page/app.ts for the browser into `outDir` (app.js + index.html). The
 * `browser` conditions matter: they select aws-amplify's browser runtime (XHR uploads with progress).
 */
export async function bundlePage(outDir: string): Promise<{ dir: string; files: string[] }> {
  await build({
    entryPoints: { app: PAGE_ENTRY },
    outdir: outDir,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    sourcemap: 'inline',
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  writeFileSync(
    path.join(outDir, 'index.html'),
    '<!doctype html><html><head><meta charset="utf-8"><title>local cloud browser test</title>' +
      '<script type="module" src="/app.js"></script></head><body></body></html>\n',
  );
  return { dir: outDir, files: ['index.html', 'app.js'] };
}
