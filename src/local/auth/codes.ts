import { timingSafeEqual } from 'node:crypto';
import type { IdSource } from '../core/clock.js';
import { errors } from './errors.js';
import type { CodeRecord } from './user_store.js';

/** Cognito's code lifetimes: sign-up and attribute verification 24 h, password reset 1 h. */
export const VERIFICATION_CODE_TTL_MS = 24 * 60 * 60 * 1000;
export const FORGOT_PASSWORD_CODE_TTL_MS = 60 * 60 * 1000;

export function newCode(ids: IdSource, now: number, ttlMs: number, sentTo?: string): CodeRecord {
  return { code: ids.digits(6), expiresAt: now + ttlMs, sentTo };
}

/**
 * Checks a submitted code the way Cognito words it: a wrong code is a CodeMismatchException, a
 * right code past its lifetime (or no code outstanding) an ExpiredCodeException.
 */
export function checkCode(record: CodeRecord | undefined, submitted: string, now: number): void {
  if (!record) throw errors.expiredCode('Invalid code provided, please request a code again.');
  const a = Buffer.from(record.code);
  const b = Buffer.from(submitted);
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw errors.codeMismatch('Invalid verification code provided, please try again.');
  }
  if (now > record.expiresAt) throw errors.expiredCode('Invalid code provided, please request a code again.');
}

export interface CodeDeliveryDetails {
  Destination: string;
  DeliveryMedium: 'EMAIL' | 'SMS';
  AttributeName: string;
}

/** Cognito masks destinations: `j***@e***` for an email, `+*******1234` for a phone number. */
export function maskDestination(medium: 'EMAIL' | 'SMS', value: string): string {
  if (medium === 'EMAIL') {
    const [local, domain = ''] = value.split('@');
    return `${local.charAt(0)}***@${domain.charAt(0)}***`;
  }
  return `+${'*'.repeat(Math.max(0, value.length - 5))}${value.slice(-4)}`;
}

export function deliveryDetails(attribute: 'email' | 'phone_number', value: string): CodeDeliveryDetails {
  const medium = attribute === 'email' ? 'EMAIL' : 'SMS';
  return { Destination: maskDestination(medium, value), DeliveryMedium: medium, AttributeName: attribute };
}
