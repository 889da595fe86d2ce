import { build, mergeConfig } from 'vite';
import { demoConfig } from '../../../examples/demo/vite.config.js';

/**
 * Builds examples/demo with Vite into `outDir`, against the outputs file of a running local cloud:
 * the same config `npx vite examples/demo` uses, with only the outputs path and the folder chosen.
 */
export async function buildDemo(outputsPath: string, outDir: string): Promise<void> {
  await build({
    ...mergeConfig(demoConfig({ outputsPath }), { build: { outDir, emptyOutDir: true, sourcemap: true } }),
    configFile: false,
    logLevel: 'warn',
  });
}
