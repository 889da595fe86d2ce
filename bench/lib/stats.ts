/** Summary of latency samples (ms): nearest-rank percentiles, as every benchmark here reports them. */
export interface Stats {
  n: number;
  mean: number;
  /** Operations per second for sequential samples (1000 / mean). */
  perSecond: number;
  p50: number;
  p99: number;
}

/** The sample at percentile `p` of an ascending list (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function stats(samples: readonly number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return { n: s.length, mean, perSecond: 1000 / mean, p50: percentile(s, 50), p99: percentile(s, 99) };
}

export function median(samples: readonly number[]): number {
  return percentile([...samples].sort((a, b) => a - b), 50);
}
