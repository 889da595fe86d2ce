import { GraphQLError, Kind, type OperationDefinitionNode } from 'graphql';
import { parseBounded } from './engine/bounded_parse.js';

/**
 * What the wire layer needs to know about a GraphQL document before the engine runs it: is it
 * syntactically valid, which operation runs, its type and top-level fields (for the request log,
 * AppSync's per-field IAM policy check and subscription routing). Parsed once per distinct
 * document: clients send the same few queries over and over.
 */

export interface TopLevelField {
  name: string;
  /** The response key (alias or name). */
  responseKey: string;
  line: number;
  column: number;
}

export interface OperationSummary {
  name: string | null;
  type: 'query' | 'mutation' | 'subscription';
  /** Fields directly under the operation (fragments spread at the top level are not expanded). */
  fields: TopLevelField[];
}

export type DocumentSummary =
  | { ok: true; operations: OperationSummary[] }
  | { ok: false; message: string; locations: { line: number; column: number }[] };

const CACHE_LIMIT = 500;
const cache = new Map<string, DocumentSummary>();

export function summarizeDocument(query: string): DocumentSummary {
  const hit = cache.get(query);
  if (hit) return hit;
  const summary = summarize(query);
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(query, summary);
  return summary;
}

function summarize(query: string): DocumentSummary {
  let doc;
  try {
    doc = parseBounded(query, { noLocation: false });
  } catch (err) {
    if (err instanceof GraphQLError) {
      return { ok: false, message: err.message, locations: (err.locations ?? []).map((l) => ({ line: l.line, column: l.column })) };
    }
    throw err;
  }
  const operations: OperationSummary[] = [];
  for (const def of doc.definitions) {
    if (def.kind !== Kind.OPERATION_DEFINITION) continue;
    operations.push(summarizeOperation(def, query));
  }
  return { ok: true, operations };
}

function summarizeOperation(def: OperationDefinitionNode, query: string): OperationSummary {
  const fields: TopLevelField[] = [];
  for (const sel of def.selectionSet.selections) {
    if (sel.kind !== Kind.FIELD) continue;
    const { line, column } = position(query, sel.loc?.start ?? 0);
    fields.push({ name: sel.name.value, responseKey: sel.alias?.value ?? sel.name.value, line, column });
  }
  return { name: def.name?.value ?? null, type: def.operation, fields };
}

function position(source: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (source.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** The operation that runs: the named one, or the only one. Undefined leaves the error to the engine. */
export function selectOperation(summary: Extract<DocumentSummary, { ok: true }>, operationName?: string | null): OperationSummary | undefined {
  if (operationName) return summary.operations.find((o) => o.name === operationName);
  return summary.operations.length === 1 ? summary.operations[0] : undefined;
}

/** A short label for logs: the operation name, else its top-level fields. */
export function operationLabel(op: OperationSummary | undefined): string | null {
  if (!op) return null;
  return op.name ?? (op.fields.map((f) => f.name).join(',') || null);
}
