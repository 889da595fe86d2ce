/**
 * The source text of references and macro calls, which Velocity renders in place of a null value
 * (`$missing` renders as `$missing`): cut from the template when the node has a one-line position,
 * rebuilt from the AST otherwise.
 */
import type { Expr, Pos, RangeBound, Reference } from './ast.js';

/** The node's text from the template's lines, when its position spans one line and it starts with `$` or `#`. */
export function nodeText(lines: readonly string[], n: { pos?: Pos }): string | null {
  const pos = n.pos;
  if (!pos || pos.first_line !== pos.last_line) return null;
  const line = lines[pos.first_line - 1];
  if (line === undefined) return null;
  const text = line.slice(pos.first_column, pos.last_column);
  return text.startsWith('$') || text.startsWith('#') ? text : null;
}

/** Rebuilds `$a.b("x")[0]` text for references without a usable position. */
export function refText(n: Reference): string {
  let s = n.leader ?? '$';
  if (n.isWraped) s += '{';
  s += n.id;
  for (const p of n.path ?? []) {
    if (p.type === 'property') s += `.${p.id}`;
    else if (p.type === 'method') s += `.${p.id}(${(p.args || []).map(literalText).join(', ')})`;
    else if (p.type === 'index') s += `[${literalText(p.id)}]`;
  }
  if (n.isWraped) s += '}';
  return s;
}

function literalText(n: Expr | RangeBound | undefined): string {
  if (!n || typeof n !== 'object') return String(n);
  switch (n.type) {
    case 'references':
      return refText(n);
    case 'string':
      return n.isEval ? `"${n.value}"` : `'${n.value}'`;
    case 'integer':
    case 'decimal':
    case 'bool':
      return String(n.value);
    case 'array':
      return n.isRange ? `[${n.value.map(literalText).join('..')}]` : `[${n.value.map(literalText).join(', ')}]`;
    case 'map':
      return `{${Object.entries(n.value ?? {})
        .map(([k, v]) => `"${k}": ${literalText(v)}`)
        .join(', ')}}`;
    default:
      return '';
  }
}
