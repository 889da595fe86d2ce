import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/local/core/clock.js';
import { MetricTimeline } from '../../../src/local/core/metric_timeline.js';

const key = { namespace: 'AWS/AppSync', metricName: 'Latency', dimensions: { GraphQLAPIId: 'api1' } };

describe('MetricTimeline', () => {
  it('sums per interval and fills quiet intervals with 0 for counts only', () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const m = new MetricTimeline(clock, 10_000, 10);
    m.record(key, 10);
    m.record(key, 30);
    clock.advance(20_000);
    m.record(key, 5);
    const sums = m.query(key, 'Sum', 3);
    expect(sums.map((p) => p.value)).toEqual([40, 0, 5]);
    expect(m.query(key, 'SampleCount', 3).map((p) => p.value)).toEqual([2, 0, 1]);
    // Averages have no datapoint where nothing happened, as CloudWatch draws them.
    expect(m.query(key, 'Average', 3).map((p) => p.value)).toEqual([20, 5]);
    expect(m.query(key, 'Maximum', 3).map((p) => p.value)).toEqual([30, 5]);
  });

  it('computes percentiles from the interval\'s samples', () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const m = new MetricTimeline(clock);
    for (let i = 1; i <= 100; i++) m.record(key, i);
    expect(m.query(key, 'p99', 1)[0].value).toBe(99);
    expect(m.query(key, 'p50', 1)[0].value).toBe(50);
  });

  it('keeps series apart by dimensions, whatever their order', () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const m = new MetricTimeline(clock);
    m.record({ namespace: 'AWS/Lambda', metricName: 'Errors', dimensions: { FunctionName: 'a', Resource: 'x' } }, 1);
    m.record({ namespace: 'AWS/Lambda', metricName: 'Errors', dimensions: { Resource: 'x', FunctionName: 'a' } }, 1);
    m.record({ namespace: 'AWS/Lambda', metricName: 'Errors', dimensions: { FunctionName: 'b' } }, 1);
    expect(m.query({ namespace: 'AWS/Lambda', metricName: 'Errors', dimensions: { FunctionName: 'a', Resource: 'x' } }, 'Sum', 1)[0].value).toBe(2);
    expect(m.query({ namespace: 'AWS/Lambda', metricName: 'Errors', dimensions: { FunctionName: 'c' } }, 'Sum', 1)[0].value).toBe(0);
    expect(m.keys()).toHaveLength(2);
  });

  it('forgets intervals older than it keeps, and everything on clear', () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const m = new MetricTimeline(clock, 10_000, 3);
    for (let i = 0; i < 5; i++) {
      m.record(key, 1);
      clock.advance(10_000);
    }
    expect(m.query(key, 'Sum', 6).map((p) => p.value)).toEqual([0, 0, 1, 1, 1, 0]);
    m.clear();
    expect(m.keys()).toEqual([]);
  });
});
