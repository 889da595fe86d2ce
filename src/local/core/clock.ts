import { randomBytes, randomInt, randomUUID } from 'node:crypto';

/** A pending `setTimer` call. */
export interface Timer {
  cancel(): void;
}

/** Injected time source so expiry and schedules are testable. */
export interface Clock {
  now(): number;
  /**
   * Calls `fn` once, when the clock reaches `at` (epoch ms; at once if that is past). Clocks without
   * it get real timers through `setTimer(clock, …)`.
   */
  setTimer?(at: number, fn: () => void): Timer;
}

/** Node's setTimeout takes at most about 24.8 days; longer waits are re-armed. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * A real timer for a time on `clock`: a setTimeout that does not keep the process alive, re-armed
 * until the clock has reached `at` (long delays, or a clock that runs ahead of or behind Date.now).
 */
function realTimer(clock: Clock, at: number, fn: () => void): Timer {
  let handle: NodeJS.Timeout | undefined;
  let cancelled = false;
  const arm = () => {
    const delay = at - clock.now();
    if (delay <= 0) {
      handle = undefined;
      if (!cancelled) fn();
      return;
    }
    handle = setTimeout(arm, Math.min(delay, MAX_TIMEOUT_MS));
    handle.unref();
  };
  arm();
  return {
    cancel: () => {
      cancelled = true;
      if (handle) clearTimeout(handle);
    },
  };
}

/** `clock.setTimer` when the clock has one, else a real timer against `clock.now()`. */
export function setTimer(clock: Clock, at: number, fn: () => void): Timer {
  return clock.setTimer ? clock.setTimer(at, fn) : realTimer(clock, at, fn);
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(at, fn) {
    return realTimer(systemClock, at, fn);
  },
};

interface ManualTimer {
  at: number;
  seq: number;
  fn: () => void;
}

/** A clock tests can move; `advance` runs the timers that fall due, in time order, synchronously. */
export class ManualClock implements Clock {
  private timers: ManualTimer[] = [];
  private seq = 0;

  constructor(private t = Date.UTC(2026, 0, 1)) {}

  now(): number {
    return this.t;
  }

  advance(ms: number): void {
    const target = this.t + ms;
    for (let fired = 0; ; fired++) {
      if (fired > 100_000) throw new Error('ManualClock.advance: timers keep re-arming without time passing');
      const next = this.timers[0];
      if (!next || next.at > target) break;
      this.timers.shift();
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.t = Math.max(this.t, target);
  }

  setTimer(at: number, fn: () => void): Timer {
    const timer: ManualTimer = { at, seq: this.seq++, fn };
    this.timers.push(timer);
    this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    return { cancel: () => void (this.timers = this.timers.filter((x) => x !== timer)) };
  }

  /** Timers waiting to fire (tests). */
  get pendingTimers(): number {
    return this.timers.length;
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
