import { describe, expect, it } from 'vitest';
import {
  DEFAULT_BLOCKED_TERMS,
  findBlockedTerms,
  moderate,
  parseBlockedTerms,
} from '../../../amplify/functions/post-processor/moderation.js';

describe('moderation', () => {
  it('the default list of blocked terms includes "forbidden"', () => {
    expect(DEFAULT_BLOCKED_TERMS).toContain('forbidden');
  });

  it('reads the terms from a comma-separated BLOCKED_TERMS, trimmed and lower-cased', () => {
    expect(parseBlockedTerms(' Spam, EGGS ,,ham ')).toEqual(['spam', 'eggs', 'ham']);
  });

  it('falls back to the default list when BLOCKED_TERMS is unset or blank', () => {
    expect(parseBlockedTerms(undefined)).toEqual([...DEFAULT_BLOCKED_TERMS]);
    expect(parseBlockedTerms(' , ')).toEqual([...DEFAULT_BLOCKED_TERMS]);
  });

  it('matches whole words regardless of case', () => {
    expect(findBlockedTerms('This is FORBIDDEN!', ['forbidden'])).toEqual(['forbidden']);
    expect(findBlockedTerms('forbidden', ['forbidden'])).toEqual(['forbidden']);
    expect(findBlockedTerms('(Forbidden) fruit', ['forbidden'])).toEqual(['forbidden']);
  });

  it('does not match a term inside a longer word', () => {
    expect(findBlockedTerms('unforbidden forbiddenfruit forbidden_x', ['forbidden'])).toEqual([]);
    expect(findBlockedTerms('Scampi and scamper', ['scam'])).toEqual([]);
    expect(findBlockedTerms('verbotenß', ['verboten'])).toEqual([]);
  });

  it('treats terms literally, not as patterns', () => {
    expect(findBlockedTerms('a+b is fine', ['a.b'])).toEqual([]);
    expect(findBlockedTerms('price: a.b', ['a.b'])).toEqual(['a.b']);
  });

  it('matches multi-word terms', () => {
    expect(findBlockedTerms('Get Rich Quick today', ['rich quick'])).toEqual(['rich quick']);
  });

  it('publishes a post without blocked terms', () => {
    expect(moderate({ title: 'Hello', content: 'A sunny day' }, ['forbidden'])).toEqual({ status: 'PUBLISHED', reason: null });
  });

  it('flags a post with a blocked term in its title or its content, and says which terms', () => {
    expect(moderate({ title: 'Forbidden', content: 'ok' }, ['forbidden'])).toEqual({
      status: 'FLAGGED',
      reason: 'Contains blocked term: forbidden',
    });
    expect(moderate({ title: 'ok', content: 'spam and forbidden, spam' }, ['forbidden', 'spam'])).toEqual({
      status: 'FLAGGED',
      reason: 'Contains blocked terms: forbidden, spam',
    });
  });
});
