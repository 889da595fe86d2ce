/** Default list used when BLOCKED_TERMS is unset. Kept short and obvious; teams override it per branch. */
export const DEFAULT_BLOCKED_TERMS: readonly string[] = ['forbidden', 'spam', 'scam', 'malware'];

export type ModerationVerdict =
  | { status: 'PUBLISHED'; reason: null }
  | { status: 'FLAGGED'; reason: string };

/** Parses a comma separated list (blank entries dropped, case folded). Falls back to the default list. */
export function parseBlockedTerms(raw: string | undefined): string[] {
  const terms = (raw ?? '')
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t.length > 0);
  return terms.length > 0 ? terms : [...DEFAULT_BLOCKED_TERMS];
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Whole-word, case-insensitive matching. "Word" boundaries are Unicode letters/digits, so
 * "forbiddenfruit" and "unforbidden" do not match "forbidden" but "FORBIDDEN!" does.
 */
export function findBlockedTerms(text: string, terms: readonly string[]): string[] {
  const found: string[] = [];
  for (const term of terms) {
    const re = new RegExp(`(?<![\\p{L}\\p{N}_])${escapeRegExp(term)}(?![\\p{L}\\p{N}_])`, 'iu');
    if (re.test(text)) found.push(term);
  }
  return found;
}

export function moderate(post: { title: string; content: string }, terms: readonly string[]): ModerationVerdict {
  const hits = [...new Set([...findBlockedTerms(post.title, terms), ...findBlockedTerms(post.content, terms)])];
  if (hits.length === 0) return { status: 'PUBLISHED', reason: null };
  return { status: 'FLAGGED', reason: `Contains blocked term${hits.length > 1 ? 's' : ''}: ${hits.join(', ')}` };
}
