import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { defineConfig, type Plugin, type UserConfig } from 'vite';

const repoRoot = path.resolve(import.meta.dirname, '../..');

/** The module id the app imports its backend outputs from (declared in src/outputs.d.ts). */
export const OUTPUTS_MODULE = 'virtual:amplify-outputs';

/**
 * The demo's Vite config. The outputs file is chosen at build time: AMPLIFY_OUTPUTS when set
 * (e.g. the file `npm start -- --outputs <file>` wrote), else the repository's amplify_outputs.json,
 * which `npm start` keeps pointing at the local cloud. Tests call this with their own file.
 */
export function demoConfig(options: { outputsPath?: string } = {}): UserConfig {
  const outputsPath = path.resolve(options.outputsPath ?? path.join(repoRoot, 'amplify_outputs.json'));
  if (!existsSync(outputsPath)) {
    throw new Error(`No outputs at ${outputsPath}. Resolution: run \`npm start\` first, or set AMPLIFY_OUTPUTS to an amplify_outputs.json.`);
  }
  return {
    root: import.meta.dirname,
    plugins: [outputsModule(outputsPath)],
    // The page talks to the local cloud cross-origin (https://127.0.0.1:20002); it needs no proxy.
    server: { host: '127.0.0.1', port: 5173 },
    build: { target: 'es2022' },
  };
}

export default defineConfig(() => demoConfig({ outputsPath: process.env.AMPLIFY_OUTPUTS || undefined }));

/**
 * Serves the outputs file as `virtual:amplify-outputs`, without the local cloud's developer keys
 * (`custom.local.developer_credentials`): an app never needs them, and a bundle is not where keys go.
 */
function outputsModule(outputsPath: string): Plugin {
  const resolved = `\0${OUTPUTS_MODULE}`;
  return {
    name: 'amplify-outputs',
    resolveId: (id) => (id === OUTPUTS_MODULE ? resolved : undefined),
    load(id) {
      if (id !== resolved) return undefined;
      this.addWatchFile(outputsPath);
      const outputs = JSON.parse(readFileSync(outputsPath, 'utf8')) as { custom?: { local?: Record<string, unknown> } };
      if (outputs.custom?.local) delete outputs.custom.local.developer_credentials;
      return `export default ${JSON.stringify(outputs)};`;
    },
  };
}
