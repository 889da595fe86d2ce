/**
 * Parsed and validated operations, cached by query text: clients send the same few documents
 * over and over, and validation costs more than executing a simple query.
 */
import { GraphQLError, Kind, type DocumentNode, type FieldNode, type FragmentDefinitionNode, type GraphQLSchema, type SelectionSetNode } from 'graphql';
import { parseBounded, validateBounded } from './bounded_parse.js';
import { formatRequestError } from './graphql_errors.js';
import type { GraphqlError } from './types.js';

export interface PreparedDocument {
  document?: DocumentNode;
  errors?: GraphqlError[];
  fragments: Record<string, FragmentDefinitionNode>;
  /** Deepest field nesting of any operation. */
  depth: number;
}

const MAX_ENTRIES = 1000;

export class DocumentCache {
  private readonly entries = new Map<string, PreparedDocument>();

  constructor(private readonly schema: GraphQLSchema) {}

  get(query: string): PreparedDocument {
    const hit = this.entries.get(query);
    if (hit) return hit;
    const prepared = this.prepare(query);
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(query, prepared);
    return prepared;
  }

  private prepare(query: string): PreparedDocument {
    let document: DocumentNode;
    try {
      document = parseBounded(query);
    } catch (e) {
      return { errors: [formatRequestError(e as GraphQLError)], fragments: {}, depth: 0 };
    }
    const errors = validateBounded(this.schema, document);
    if (errors.length) return { errors: errors.map(formatRequestError), fragments: {}, depth: 0 };
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
    let depth = 0;
    for (const d of document.definitions) if (d.kind === Kind.OPERATION_DEFINITION) depth = Math.max(depth, depthOf(d.selectionSet, fragments, new Set()));
    return { document, fragments, depth };
  }
}

function depthOf(set: SelectionSetNode | undefined, fragments: Record<string, FragmentDefinitionNode>, seen: Set<string>): number {
  if (!set) return 0;
  let max = 0;
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) max = Math.max(max, 1 + depthOf(sel.selectionSet, fragments, seen));
    else if (sel.kind === Kind.INLINE_FRAGMENT) max = Math.max(max, depthOf(sel.selectionSet, fragments, seen));
    else {
      const f = fragments[sel.name.value];
      if (f && !seen.has(f.name.value)) max = Math.max(max, depthOf(f.selectionSet, fragments, new Set([...seen, f.name.value])));
    }
  }
  return max;
}

/** The fields of a selection set with fragments flattened (type conditions not applied). */
export function collectFields(set: SelectionSetNode | undefined, fragments: Record<string, FragmentDefinitionNode>, out: FieldNode[] = [], seen = new Set<string>()): FieldNode[] {
  if (!set) return out;
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) out.push(sel);
    else if (sel.kind === Kind.INLINE_FRAGMENT) collectFields(sel.selectionSet, fragments, out, seen);
    else {
      const f = fragments[sel.name.value];
      if (f && !seen.has(f.name.value)) {
        seen.add(f.name.value);
        collectFields(f.selectionSet, fragments, out, seen);
      }
    }
  }
  return out;
}
