import type { PasswordPolicy } from '../assembly/model.js';
import { errors } from './errors.js';

/** The special characters Cognito counts as symbols (its documented set, plus the space). */
const SYMBOLS = new Set('^$*.[]{}()?"!@#%&/\\,><\':;|_~`=+- '.split(''));

/**
 * Cognito's password-policy check, in its order and words, e.g.
 * `InvalidPasswordException: Password did not conform with policy: Password not long enough`.
 */
export function checkPasswordPolicy(password: string, policy: PasswordPolicy): void {
  const fail = (why: string) => errors.invalidPassword(`Password did not conform with policy: ${why}`);
  if (password.length < policy.minimumLength) throw fail('Password not long enough');
  if (password.length > 256) throw fail('Password is too long');
  if (policy.requireLowercase && !/\p{Ll}/u.test(password)) throw fail('Password must have lowercase characters');
  if (policy.requireUppercase && !/\p{Lu}/u.test(password)) throw fail('Password must have uppercase characters');
  if (policy.requireNumbers && !/[0-9]/.test(password)) throw fail('Password must have numeric characters');
  if (policy.requireSymbols && ![...password].some((c) => SYMBOLS.has(c))) throw fail('Password must have symbol characters');
}

/** A temporary password that satisfies the policy (AdminCreateUser without TemporaryPassword). */
export function generateTemporaryPassword(policy: PasswordPolicy, randomBytes: (n: number) => Buffer): string {
  const pick = (alphabet: string, n: number) => {
    const bytes = randomBytes(n);
    return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
  };
  const length = Math.max(policy.minimumLength, 12);
  const core = pick('ABCDEFGHJKLMNPQRSTUVWXYZ', 2) + pick('abcdefghijkmnpqrstuvwxyz', 2) + pick('23456789', 2) + pick('!#%&*+-=?', 2);
  return core + pick('abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789', length - core.length);
}
