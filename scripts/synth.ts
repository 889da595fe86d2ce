/**
 * Synthesizes the backend offline into a cloud assembly and prints a summary of its stacks.
 * Usage: npm run synth [-- --out <dir>] [--type sandbox|branch] [--name <name>]
 */
import { BackendEntryError } from '../src/local/assembly/backend_entry.js';
import { SynthError, synthesizeBackend } from '../src/local/assembly/synth.js';
import { summarizeAssembly } from '../src/local/assembly/summary.js';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const started = Date.now();
const result = await synthesizeBackend({
  projectDir: process.cwd(),
  outDir: flag('out') ?? '.amplify/artifacts/cdk.out',
  backendType: (flag('type') as 'sandbox' | 'branch' | undefined) ?? 'sandbox',
  backendName: flag('name'),
  onProgress: (line) => process.stderr.write(`${line}\n`),
}).catch((err: unknown) => {
  if (err instanceof SynthError || err instanceof BackendEntryError) {
    process.stderr.write(`\n${err.message}\nResolution: ${err.resolution}\n`);
    process.exit(1);
  }
  throw err;
});
process.stdout.write(summarizeAssembly(result.outDir));
process.stdout.write(`\nSynthesized in ${((Date.now() - started) / 1000).toFixed(1)} s → ${result.outDir}\n`);
