import { buildSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { MAX_DOCUMENT_NESTING, nestingDepth, parseBounded, validateBounded } from '../../../../src/local/data/engine/bounded_parse.js';
import { DocumentCache } from '../../../../src/local/data/engine/documents.js';

const schema = buildSchema('type Query { a: Query, n: Int }');

describe('bounded GraphQL parsing', () => {
  it('measures nesting outside strings, block strings and comments', () => {
    expect(nestingDepth('{ a { a { n } } }')).toBe(3);
    expect(nestingDepth('{ a(x: "{{{{") # {{{{\n { n } }')).toBe(2);
    expect(nestingDepth('{ a(x: """ {{{ " """) { n } }')).toBe(2);
  });

  it('refuses a document nested past the bound with a syntax error instead of overflowing the stack', () => {
    const deep = `query ${'{ a '.repeat(5000)}${'}'.repeat(5000)}`;
    expect(() => parseBounded(deep)).toThrow(/Syntax Error: the document nests 5000 levels deep/);
    const ok = `query ${'{ a '.repeat(MAX_DOCUMENT_NESTING - 1)}{ n }${'}'.repeat(MAX_DOCUMENT_NESTING - 1)}`;
    expect(() => parseBounded(ok)).not.toThrow();
  });

  it('reports a fragment that spreads itself before the rules that would recurse forever', () => {
    const errors = validateBounded(schema, parseBounded('fragment F on Query { a { ...F } } query { ...F }'));
    expect(errors.map((e) => e.message)).toEqual(['Cannot spread fragment "F" within itself.']);
  });

  it('answers both as request errors through the document cache', () => {
    const cache = new DocumentCache(schema);
    expect(cache.get(`{${'a{'.repeat(3000)}n${'}'.repeat(3001)}`).errors?.[0].message).toMatch(/^Invalid Syntax : the document nests/);
    expect(cache.get('fragment F on Query { ...F } query { ...F }').errors?.[0].message).toMatch(/within itself/);
  });
});
