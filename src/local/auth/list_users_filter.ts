import { errors } from './errors.js';
import type { UserRecord } from './user_store.js';

/**
 * ListUsers `Filter`: `attribute = "value"` (exact) or `attribute ^= "value"` (prefix), on the
 * attributes Cognito allows searching. An empty filter matches everyone.
 */
const SEARCHABLE = new Set([
  'username', 'email', 'phone_number', 'name', 'given_name', 'family_name', 'preferred_username', 'cognito:user_status', 'status', 'sub',
]);

export type UserFilter = (user: UserRecord) => boolean;

export function parseUserFilter(filter: string | undefined, opts: { caseSensitiveUsernames: boolean }): UserFilter {
  if (filter === undefined || filter.trim() === '') return () => true;
  const m = /^\s*"?([\w:]+)"?\s*(=|\^=)\s*"((?:[^"\\]|\\.)*)"\s*$/.exec(filter);
  if (!m) throw errors.invalidParameter('Error while parsing filter.');
  const [, attribute, op, raw] = m;
  if (!SEARCHABLE.has(attribute)) throw errors.invalidParameter(`Invalid search attribute: ${attribute} ((local: searchable: ${[...SEARCHABLE].join(', ')}))`);
  const value = raw.replace(/\\(.)/g, '$1');
  const fold = (s: string) => (attribute === 'username' || attribute === 'email') && !opts.caseSensitiveUsernames ? s.toLowerCase() : s;
  const wanted = fold(value);
  const read = (u: UserRecord): string | undefined => {
    switch (attribute) {
      case 'username':
        return u.username;
      case 'cognito:user_status':
        return u.status;
      case 'status':
        return u.enabled ? 'Enabled' : 'Disabled';
      default:
        return u.attributes[attribute];
    }
  };
  return (u) => {
    const v = read(u);
    if (v === undefined) return false;
    return op === '=' ? fold(v) === wanted : fold(v).startsWith(wanted);
  };
}
