import { errors } from './errors.js';
import type { UserRecord } from './user_store.js';

/**
 * Cognito's sign-in throttling: after 5 failed password attempts the user is locked out for 1 s,
 * doubling with each further failure up to about 15 minutes; while locked out every attempt — even
 * with the right password — gets `NotAuthorizedException: Password attempts exceeded`. A success
 * resets the count, and so does 15 minutes without failures.
 */
const FREE_ATTEMPTS = 5;
const MAX_LOCKOUT_MS = 15 * 60 * 1000;
const FORGET_AFTER_MS = 15 * 60 * 1000;

export function assertNotLockedOut(user: UserRecord, now: number): void {
  const f = user.failedSignIns;
  if (f?.lockedUntil !== undefined && now < f.lockedUntil) throw errors.notAuthorized('Password attempts exceeded');
}

/** Records a wrong password; returns true when this failure starts (or extends) a lockout. */
export function recordFailure(user: UserRecord, now: number): boolean {
  const prev = user.failedSignIns;
  const count = prev && now - prev.lastFailureAt < FORGET_AFTER_MS ? prev.count + 1 : 1;
  const over = count - FREE_ATTEMPTS;
  const lockedUntil = over >= 0 ? now + Math.min(1000 * 2 ** over, MAX_LOCKOUT_MS) : undefined;
  user.failedSignIns = { count, lastFailureAt: now, lockedUntil };
  return lockedUntil !== undefined;
}

/** Clears the failure count; true when there was one to clear (the record changed). */
export function recordSuccess(user: UserRecord): boolean {
  if (!user.failedSignIns) return false;
  delete user.failedSignIns;
  return true;
}
