import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeFileAtomic } from './core/persist.js';
import type { AmplifyOutputs } from './outputs.js';

/**
 * The outputs files `npx ampx generate outputs --format …` writes, from the same document:
 * - `json`: amplify_outputs.json (schema 1.5; Gen 2 JS, Swift, Android and Flutter libraries);
 * - `json-mobile`: amplifyconfiguration.json, the legacy shape Amplify v1 mobile libraries read
 *   (`--outputs-version 0`, since the 1.5 formatter has no mobile shape);
 * - `dart`: amplify_outputs.dart, the 1.5 JSON as the Dart const `amplifyConfig` (Gen 2 Flutter).
 *
 * The text comes from @aws-amplify/client-config's own formatters, so it is byte for byte what ampx
 * writes. They are not exported (the package only exports generators that read a deployed stack),
 * so they are loaded by file next to the package's entry point; the lockfile pins the version.
 */
export const OUTPUTS_FORMATS = ['json', 'json-mobile', 'dart'] as const;
export type OutputsFormat = (typeof OUTPUTS_FORMATS)[number];

/** The file name ampx gives each format. */
export const OUTPUTS_FILE_NAMES: Record<OutputsFormat, string> = {
  json: 'amplify_outputs.json',
  'json-mobile': 'amplifyconfiguration.json',
  dart: 'amplify_outputs.dart',
};

interface Formatter {
  format(config: unknown, format: string): string;
}

interface Formatters {
  unified: Formatter;
  legacy: Formatter;
}

let formatters: Promise<Formatters> | undefined;

function loadFormatters(): Promise<Formatters> {
  formatters ??= (async () => {
    const require = createRequire(import.meta.url);
    const lib = path.dirname(require.resolve('@aws-amplify/client-config'));
    const load = async <T>(file: string): Promise<T> => (await import(pathToFileURL(path.join(lib, 'client-config-writer', file)).href)) as T;
    const [{ ClientConfigFormatterDefault }, { ClientConfigFormatterLegacy }, { ClientConfigMobileConverter }] = await Promise.all([
      load<{ ClientConfigFormatterDefault: new () => Formatter }>('client_config_formatter_default.js'),
      load<{ ClientConfigFormatterLegacy: new (converter: unknown) => Formatter }>('client_config_formatter_legacy.js'),
      load<{ ClientConfigMobileConverter: new (name: string, version: string) => unknown }>('client_config_to_mobile_legacy_converter.js'),
    ]);
    // ampx stamps the mobile file's UserAgent with client-config's own name and version.
    const pkg = JSON.parse(readFileSync(path.join(lib, '..', 'package.json'), 'utf8')) as { name: string; version: string };
    return {
      unified: new ClientConfigFormatterDefault(),
      legacy: new ClientConfigFormatterLegacy(new ClientConfigMobileConverter(pkg.name, pkg.version)),
    };
  })();
  formatters.catch(() => (formatters = undefined));
  return formatters;
}

/** The file content of `outputs` in `format`, as ampx writes it. */
export async function formatOutputs(outputs: AmplifyOutputs, format: OutputsFormat): Promise<string> {
  // amplify_outputs.json keeps the local cloud's own layout (2-space JSON and a final newline).
  if (format === 'json') return `${JSON.stringify(outputs, null, 2)}\n`;
  const f = await loadFormatters();
  return format === 'dart' ? f.unified.format(outputs, 'dart') : f.legacy.format(outputs, 'json-mobile');
}

/**
 * Writes `outputs` in each format: `json` to `jsonPath`, the others next to it under ampx's names.
 * Returns the files written, in the order of `formats`.
 */
export async function writeOutputsFormats(jsonPath: string, outputs: AmplifyOutputs, formats: readonly OutputsFormat[]): Promise<string[]> {
  const written: string[] = [];
  for (const format of new Set(formats)) {
    const file = format === 'json' ? jsonPath : path.join(path.dirname(jsonPath), OUTPUTS_FILE_NAMES[format]);
    writeFileAtomic(file, await formatOutputs(outputs, format));
    written.push(file);
  }
  return written;
}

/** Parses `--outputs-format` values (repeatable, or a comma list); throws naming the bad one. */
export function parseOutputsFormats(values: readonly string[]): OutputsFormat[] {
  const formats: OutputsFormat[] = [];
  for (const part of values.flatMap((v) => v.split(','))) {
    const f = part.trim();
    if (!(OUTPUTS_FORMATS as readonly string[]).includes(f)) {
      throw new RangeError(`unknown outputs format "${f}" (known: ${OUTPUTS_FORMATS.join(', ')})`);
    }
    if (!formats.includes(f as OutputsFormat)) formats.push(f as OutputsFormat);
  }
  return formats;
}
