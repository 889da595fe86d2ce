import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

interface Template {
  Resources?: Record<string, { Type: string }>;
}

/** Lists every template in a cloud assembly with its resource count and the most common types. */
export function summarizeAssembly(outDir: string): string {
  const files = readdirSync(outDir).filter((f) => f.endsWith('.template.json')).sort();
  const lines: string[] = [];
  let total = 0;
  for (const file of files) {
    const template = JSON.parse(readFileSync(path.join(outDir, file), 'utf8')) as Template;
    const resources = Object.values(template.Resources ?? {});
    total += resources.length;
    const byType = new Map<string, number>();
    for (const r of resources) byType.set(r.Type, (byType.get(r.Type) ?? 0) + 1);
    const top = [...byType.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 4)
      .map(([t, n]) => `${t.replace(/^AWS::/, '')}×${n}`)
      .join(', ');
    lines.push(`${file.replace(/\.template\.json$/, '').padEnd(72)} ${String(resources.length).padStart(4)}  ${top}`);
  }
  lines.push(`${files.length} templates, ${total} resources`);
  return `${lines.join('\n')}\n`;
}
