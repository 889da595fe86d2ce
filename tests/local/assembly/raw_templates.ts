import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface RawResource {
  file: string;
  logicalId: string;
  Type: string;
  Properties: Record<string, unknown>;
}

/** Every resource of every template in an assembly, read without the loader (the tests' ground truth). */
export function rawResources(assemblyDir: string, type?: string): RawResource[] {
  const out: RawResource[] = [];
  for (const file of readdirSync(assemblyDir).filter((f) => f.endsWith('.template.json'))) {
    const template = JSON.parse(readFileSync(path.join(assemblyDir, file), 'utf8')) as {
      Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
    };
    for (const [logicalId, def] of Object.entries(template.Resources ?? {})) {
      if (!type || def.Type === type) out.push({ file, logicalId, Type: def.Type, Properties: def.Properties ?? {} });
    }
  }
  return out;
}

/** Every string anywhere inside a value. */
export function allStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) allStrings(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) allStrings(v, out);
  return out;
}
