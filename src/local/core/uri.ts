/**
 * `decodeURIComponent` for request input: a malformed escape (`%zz`, a lone `%`, percent-encoded
 * bytes that are not UTF-8) is the client's error, answered by each service in its own words, so
 * this returns undefined instead of throwing.
 */
export function decodeUriComponentSafe(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
