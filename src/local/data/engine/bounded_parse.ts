/**
 * graphql-js parses and validates recursively, so a hostile document (thousands of nested
 * selections, a fragment that spreads itself) would exhaust the stack. These wrappers bound both
 * and turn the failure into the request error a client can read.
 */
import { GraphQLError, NoFragmentCyclesRule, parse, specifiedRules, validate, type DocumentNode, type GraphQLSchema } from 'graphql';

/** Deeper nesting of `{`, `(` and `[` than any real operation uses; far below the stack's limit. */
export const MAX_DOCUMENT_NESTING = 250;

/** The deepest bracket nesting of a GraphQL document, skipping strings, block strings and comments. */
export function nestingDepth(source: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '#') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === '"') {
      if (source.startsWith('"""', i)) {
        const end = source.indexOf('"""', i + 3);
        i = end < 0 ? source.length : end + 2;
      } else {
        for (i++; i < source.length && source[i] !== '"' && source[i] !== '\n'; i++) if (source[i] === '\\') i++;
      }
    } else if (c === '{' || c === '(' || c === '[') {
      max = Math.max(max, ++depth);
    } else if (c === '}' || c === ')' || c === ']') {
      depth--;
    }
  }
  return max;
}

/** `parse`, refusing documents nested deeper than MAX_DOCUMENT_NESTING with a syntax error. */
export function parseBounded(query: string, options?: Parameters<typeof parse>[1]): DocumentNode {
  const depth = nestingDepth(query);
  if (depth > MAX_DOCUMENT_NESTING) {
    throw new GraphQLError(`Syntax Error: the document nests ${depth} levels deep ((local: the parser accepts at most ${MAX_DOCUMENT_NESTING}))`);
  }
  return parse(query, options);
}

/**
 * `validate` with fragment cycles checked first: the other rules (overlapping fields) follow
 * spreads without a cycle guard in this graphql version.
 */
export function validateBounded(schema: GraphQLSchema, document: DocumentNode): readonly GraphQLError[] {
  const cycles = validate(schema, document, [NoFragmentCyclesRule]);
  if (cycles.length) return cycles;
  return validate(schema, document, specifiedRules);
}
