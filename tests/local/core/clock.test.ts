import { describe, expect, it } from 'vitest';
import { ManualClock, setTimer, type Clock } from '../../../src/local/core/clock.js';

describe('ManualClock timers', () => {
  it('fire when advance reaches them, in time order, with now() at their time', () => {
    const clock = new ManualClock(1000);
    const seen: [string, number][] = [];
    setTimer(clock, 3000, () => seen.push(['b', clock.now()]));
    setTimer(clock, 2000, () => seen.push(['a', clock.now()]));
    setTimer(clock, 9000, () => seen.push(['c', clock.now()]));
    clock.advance(500);
    expect(seen).toEqual([]);
    clock.advance(2000);
    expect(seen).toEqual([
      ['a', 2000],
      ['b', 3000],
    ]);
    expect(clock.now()).toBe(3500);
    expect(clock.pendingTimers).toBe(1);
  });

  it('run timers that fire during the same advance when a callback arms them', () => {
    const clock = new ManualClock(0);
    const fired: number[] = [];
    const every = (at: number) =>
      setTimer(clock, at, () => {
        fired.push(clock.now());
        every(at + 100);
      });
    every(100);
    clock.advance(350);
    expect(fired).toEqual([100, 200, 300]);
    expect(clock.now()).toBe(350);
  });

  it('never fire a cancelled timer', () => {
    const clock = new ManualClock(0);
    let fired = false;
    const timer = setTimer(clock, 10, () => (fired = true));
    timer.cancel();
    clock.advance(100);
    expect(fired).toBe(false);
    expect(clock.pendingTimers).toBe(0);
  });

  it('fire a timer set in the past at the next advance', () => {
    const clock = new ManualClock(1000);
    let at: number | undefined;
    setTimer(clock, 10, () => (at = clock.now()));
    expect(at).toBeUndefined();
    clock.advance(0);
    expect(at).toBe(1000);
  });
});

describe('setTimer on a clock without timers of its own', () => {
  it('falls back to a real timer against the clock, which fires once the clock has passed the time', async () => {
    const clock: Clock = { now: () => Date.now() + 60_000 };
    const fired = await new Promise<boolean>((resolve) => {
      setTimer(clock, Date.now(), () => resolve(true));
    });
    expect(fired).toBe(true);
  });
});
