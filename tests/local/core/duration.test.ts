import { describe, expect, it } from 'vitest';
import { formatDuration } from '../../../src/local/core/duration.js';

describe('formatDuration', () => {
  it('prints whole milliseconds below ten seconds', () => {
    expect(formatDuration(839.751953125)).toBe('840 ms');
    expect(formatDuration(0.4)).toBe('0 ms');
    expect(formatDuration(1000)).toBe('1000 ms');
    expect(formatDuration(9999.4)).toBe('9999 ms');
  });

  it('prints seconds with one decimal from ten seconds on', () => {
    expect(formatDuration(9999.6)).toBe('10.0 s');
    expect(formatDuration(10_000)).toBe('10.0 s');
    expect(formatDuration(12_437.2)).toBe('12.4 s');
    expect(formatDuration(125_960)).toBe('126.0 s');
  });

  it('prints 0 ms for a negative or non-finite span (a clock stepped back)', () => {
    expect(formatDuration(-3)).toBe('0 ms');
    expect(formatDuration(Number.NaN)).toBe('0 ms');
  });
});
