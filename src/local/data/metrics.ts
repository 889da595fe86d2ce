import type { AppSyncAuthMode } from '../assembly/model.js';
import type { MetricTimeline } from '../core/metric_timeline.js';

/**
 * What the data service saw: a bounded ring of recent requests (for the console) and counters
 * named like AppSync's CloudWatch metrics (for the dashboard), so a dashboard built against the
 * real `AWS/AppSync` namespace reads the same names locally.
 */

export type OperationType = 'query' | 'mutation' | 'subscription' | 'connect' | 'dynamodb' | 'unknown';

export interface RequestRecord {
  /** `x-amzn-RequestId` of the response (or the subscription id for realtime events). */
  id: string;
  /** Epoch ms when the request arrived. */
  at: number;
  transport: 'http' | 'realtime';
  operationType: OperationType;
  /** GraphQL operation name, or the top-level field(s) when the operation is anonymous. */
  operationName: string | null;
  authMode: AppSyncAuthMode | null;
  /** User-pool `sub`, the IAM role name (with session), `api-key`, or null when unauthenticated. */
  principal: string | null;
  /** HTTP status, or 200/4xx-equivalent for realtime messages. */
  status: number;
  latencyMs: number;
  /** Up to five errors, AppSync-shaped. */
  errors: { errorType: string | null; message: string }[];
}

/** Counters, as sums since start (or `reset`). `Latency` is exposed as summary statistics. */
export interface DataMetrics {
  RequestCount: number;
  '4XXError': number;
  '5XXError': number;
  Latency: { count: number; sum: number; min: number; max: number; p50: number; p90: number; p99: number };
  ConnectSuccess: number;
  ConnectClientError: number;
  ConnectServerError: number;
  DisconnectSuccess: number;
  SubscribeSuccess: number;
  SubscribeClientError: number;
  SubscribeServerError: number;
  UnsubscribeSuccess: number;
  PublishDataMessageSuccess: number;
  PublishDataMessageClientError: number;
  PublishDataMessageServerError: number;
  /** Gauges. */
  ActiveConnections: number;
  ActiveSubscriptions: number;
}

type CounterName = Exclude<keyof DataMetrics, 'Latency' | 'ActiveConnections' | 'ActiveSubscriptions'>;

const LATENCY_WINDOW = 2048;

export class DataRecorder {
  private readonly ring: (RequestRecord | undefined)[];
  private next = 0;
  private size = 0;
  private counters = DataRecorder.zeroCounters();
  /** Recent latencies for percentiles (a window, not the whole history: memory stays bounded). */
  private readonly latencies = new Float64Array(LATENCY_WINDOW);
  private latencyCount = 0;
  private latencySum = 0;
  private latencyMin = Infinity;
  private latencyMax = 0;
  private gauges = { ActiveConnections: 0, ActiveSubscriptions: 0 };

  /** `timeline`: where the same requests are counted per interval, dimensioned by the API id. */
  constructor(
    readonly capacity = 1000,
    private readonly timeline?: { metrics: MetricTimeline; apiId: string },
  ) {
    this.ring = new Array<RequestRecord | undefined>(capacity);
  }

  private static zeroCounters(): Record<CounterName, number> {
    return {
      RequestCount: 0,
      '4XXError': 0,
      '5XXError': 0,
      ConnectSuccess: 0,
      ConnectClientError: 0,
      ConnectServerError: 0,
      DisconnectSuccess: 0,
      SubscribeSuccess: 0,
      SubscribeClientError: 0,
      SubscribeServerError: 0,
      UnsubscribeSuccess: 0,
      PublishDataMessageSuccess: 0,
      PublishDataMessageClientError: 0,
      PublishDataMessageServerError: 0,
    };
  }

  /** Records an HTTP GraphQL request: counts it (RequestCount, 4XX/5XX, Latency) and keeps it in the ring. */
  recordRequest(record: RequestRecord): void {
    this.counters.RequestCount++;
    if (record.status >= 500) this.counters['5XXError']++;
    else if (record.status >= 400) this.counters['4XXError']++;
    this.latencies[this.latencyCount % LATENCY_WINDOW] = record.latencyMs;
    this.latencyCount++;
    this.latencySum += record.latencyMs;
    if (record.latencyMs < this.latencyMin) this.latencyMin = record.latencyMs;
    if (record.latencyMs > this.latencyMax) this.latencyMax = record.latencyMs;
    if (this.timeline) {
      const at = (metricName: string, value: number) =>
        this.timeline!.metrics.record({ namespace: 'AWS/AppSync', metricName, dimensions: { GraphQLAPIId: this.timeline!.apiId } }, value);
      at('RequestCount', 1);
      at('4XXError', record.status >= 400 && record.status < 500 ? 1 : 0);
      at('5XXError', record.status >= 500 ? 1 : 0);
      at('Latency', record.latencyMs);
    }
    this.remember(record);
  }

  /** Keeps a realtime event in the ring without counting it as an HTTP request. */
  remember(record: RequestRecord): void {
    this.ring[this.next] = record;
    this.next = (this.next + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }

  count(name: CounterName, by = 1): void {
    this.counters[name] += by;
  }

  gauge(name: 'ActiveConnections' | 'ActiveSubscriptions', delta: number): void {
    this.gauges[name] = Math.max(0, this.gauges[name] + delta);
  }

  /** Newest first, at most `limit`. */
  recent(limit = this.capacity): RequestRecord[] {
    const out: RequestRecord[] = [];
    for (let i = 0; i < Math.min(limit, this.size); i++) {
      const idx = (this.next - 1 - i + this.capacity) % this.capacity;
      const r = this.ring[idx];
      if (r) out.push(r);
    }
    return out;
  }

  metrics(): DataMetrics {
    const n = Math.min(this.latencyCount, LATENCY_WINDOW);
    const sorted = Array.from(this.latencies.subarray(0, n)).sort((a, b) => a - b);
    const pct = (p: number) => (n === 0 ? 0 : sorted[Math.min(n - 1, Math.floor((p / 100) * n))]);
    return {
      ...this.counters,
      Latency: {
        count: this.latencyCount,
        sum: this.latencySum,
        min: this.latencyCount ? this.latencyMin : 0,
        max: this.latencyMax,
        p50: pct(50),
        p90: pct(90),
        p99: pct(99),
      },
      ...this.gauges,
    };
  }

  /** Clears the ring and the counters; gauges follow live connections and are kept. */
  reset(): void {
    this.ring.fill(undefined);
    this.next = 0;
    this.size = 0;
    this.counters = DataRecorder.zeroCounters();
    this.latencyCount = 0;
    this.latencySum = 0;
    this.latencyMin = Infinity;
    this.latencyMax = 0;
  }
}
