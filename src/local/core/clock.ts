import { randomBytes, randomInt, randomUUID } from 'node:crypto';

/** Injected time source so expiry is testable. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests can move. */
export class ManualClock implements Clock {
  constructor(private t = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

/** Injected randomness so ids and codes are testable. */
export interface IdSource {
  uuid(): string;
  /** `n` random bytes. */
  bytes(n: number): Buffer;
  /** A string of `length` decimal digits (verification codes). */
  digits(length: number): string;
}

export const cryptoIds: IdSource = {
  uuid: () => randomUUID(),
  bytes: (n) => randomBytes(n),
  digits: (length) => Array.from({ length }, () => randomInt(10)).join(''),
};
