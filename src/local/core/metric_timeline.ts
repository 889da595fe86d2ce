import type { Clock } from './clock.js';

/**
 * Per-interval metric datapoints under CloudWatch's names (`AWS/AppSync` `RequestCount`,
 * `AWS/Lambda` `Duration`, `AWS/Cognito` `SignInSuccesses`…), so the console can draw the synthesized dashboard's widgets from what
 * the local cloud itself served. Memory is bounded: a fixed number of buckets per series, a bounded
 * sample per bucket for percentiles, and a cap on the number of series.
 */

export interface MetricKey {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
}

export interface MetricPoint {
  /** Epoch ms at the start of the bucket. */
  t: number;
  value: number;
}

interface Bucket {
  t: number;
  sum: number;
  count: number;
  min: number;
  max: number;
  samples: number[];
}

const SAMPLES_PER_BUCKET = 256;
const MAX_SERIES = 500;

export class MetricTimeline {
  private readonly series = new Map<string, Bucket[]>();

  /**
   * @param bucketMs width of one datapoint (10 s by default: enough to see a change within a test)
   * @param buckets how many are kept per series (an hour by default)
   */
  constructor(
    private readonly clock: Clock,
    readonly bucketMs = 10_000,
    readonly buckets = 360,
  ) {}

  /** Records one observation (1 for a count, milliseconds for a duration). */
  record(key: MetricKey, value: number): void {
    const id = seriesId(key);
    let list = this.series.get(id);
    if (!list) {
      if (this.series.size >= MAX_SERIES) return;
      list = [];
      this.series.set(id, list);
    }
    const t = Math.floor(this.clock.now() / this.bucketMs) * this.bucketMs;
    let bucket = list[list.length - 1];
    if (!bucket || bucket.t !== t) {
      bucket = { t, sum: 0, count: 0, min: Infinity, max: -Infinity, samples: [] };
      list.push(bucket);
      if (list.length > this.buckets) list.splice(0, list.length - this.buckets);
    }
    bucket.sum += value;
    bucket.count += 1;
    bucket.min = Math.min(bucket.min, value);
    bucket.max = Math.max(bucket.max, value);
    if (bucket.samples.length < SAMPLES_PER_BUCKET) bucket.samples.push(value);
  }

  /**
   * The statistic per bucket for the last `buckets` intervals ending now, oldest first. Counts
   * (`Sum`, `SampleCount`) read 0 where nothing happened; other statistics have no datapoint there,
   * as CloudWatch draws them.
   */
  query(key: MetricKey, stat: string, buckets = 60): MetricPoint[] {
    const list = this.series.get(seriesId(key)) ?? [];
    const end = Math.floor(this.clock.now() / this.bucketMs) * this.bucketMs;
    const start = end - (buckets - 1) * this.bucketMs;
    const byTime = new Map(list.filter((b) => b.t >= start).map((b) => [b.t, b]));
    const zeroFill = stat === 'Sum' || stat === 'SampleCount';
    const out: MetricPoint[] = [];
    for (let t = start; t <= end; t += this.bucketMs) {
      const b = byTime.get(t);
      if (b) out.push({ t, value: statistic(b, stat) });
      else if (zeroFill) out.push({ t, value: 0 });
    }
    return out;
  }

  /** Epoch ms of the first and the last bucket `query(…, buckets)` covers. */
  window(buckets = 60): { start: number; end: number } {
    const end = Math.floor(this.clock.now() / this.bucketMs) * this.bucketMs;
    return { start: end - (buckets - 1) * this.bucketMs, end };
  }

  /** Every series recorded so far (for a view of what is counted). */
  keys(): MetricKey[] {
    return [...this.series.keys()].map((id) => JSON.parse(id) as MetricKey);
  }

  clear(): void {
    this.series.clear();
  }
}

function seriesId(key: MetricKey): string {
  const dims = Object.fromEntries(Object.entries(key.dimensions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return JSON.stringify({ namespace: key.namespace, metricName: key.metricName, dimensions: dims });
}

function statistic(b: Bucket, stat: string): number {
  switch (stat) {
    case 'Sum':
      return b.sum;
    case 'SampleCount':
      return b.count;
    case 'Minimum':
      return b.min;
    case 'Maximum':
      return b.max;
    case 'Average':
      return b.sum / b.count;
    default: {
      const p = /^p(\d+(?:\.\d+)?)$/i.exec(stat);
      if (!p) return b.sum / b.count;
      const sorted = [...b.samples].sort((x, y) => x - y);
      const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((Number(p[1]) / 100) * sorted.length) - 1));
      return sorted[rank];
    }
  }
}
