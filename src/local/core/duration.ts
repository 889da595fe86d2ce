/**
 * How the local cloud prints a duration to people (banner, logs): whole milliseconds below 10 s
 * ("840 ms"), seconds with one decimal from there ("12.4 s"). Timers hand us fractions
 * (`performance.now()`), which read as noise ("839.751953125 ms").
 *
 * Not for AWS's own formats: a Lambda `REPORT` line keeps AWS's two decimals.
 */
export function formatDuration(ms: number): string {
  const t = Number.isFinite(ms) && ms > 0 ? ms : 0;
  const whole = Math.round(t);
  return whole < 10_000 ? `${whole} ms` : `${(t / 1000).toFixed(1)} s`;
}
