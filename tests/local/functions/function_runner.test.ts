import { afterEach, describe, expect, it } from 'vitest';
import { cryptoIds, ManualClock } from '../../../src/local/core/clock.js';
import { FunctionRunner } from '../../../src/local/functions/function_runner.js';
import { fixtureFunction, RecordingLogger } from './helpers.js';

let runner: FunctionRunner | undefined;

afterEach(async () => {
  await runner?.stop();
  runner = undefined;
});

let clock: ManualClock;

function make(idleMs: number): FunctionRunner {
  clock = new ManualClock();
  return new FunctionRunner({
    fn: fixtureFunction('ok'),
    region: 'us-east-1',
    endpoint: () => 'https://127.0.0.1:20002',
    caCertPath: () => undefined,
    credentials: () => undefined,
    log: new RecordingLogger(),
    clock,
    ids: cryptoIds,
    maxConcurrency: 2,
    idleMs,
  });
}

describe('warm environments', () => {
  it('stops environments idle longer than the idle limit (on the injected clock) and starts cold afterwards', async () => {
    runner = make(60_000);
    const first = await runner.invoke({}, { source: 'invoker' });
    expect(first.coldStart).toBe(true);
    clock.advance(59_000);
    runner.reapIdle();
    expect(runner.environments).toBe(1);
    clock.advance(2_000);
    runner.reapIdle();
    expect(runner.environments).toBe(0);
    const again = await runner.invoke({}, { source: 'invoker' });
    expect(again.coldStart).toBe(true);
    const warm = await runner.invoke({}, { source: 'invoker' });
    expect(warm.coldStart).toBe(false);
  });

  it('refuses new invocations once stopped', async () => {
    runner = make(60_000);
    await runner.stop();
    await expect(runner.invoke({}, { source: 'invoker' })).rejects.toThrow(/stopped/);
  });

  it('fails callers still queued for an environment when stopped', async () => {
    runner = make(60_000);
    const running = [1, 2, 3].map(() => runner!.invoke({ wait: 300 }, { source: 'invoker' }).then((r) => r.outcome.ok, () => 'rejected'));
    await new Promise((r) => setTimeout(r, 50));
    await runner.stop();
    const outcomes = await Promise.all(running);
    // Two were running (their processes were killed), the third never got an environment.
    expect(outcomes.filter((o) => o === 'rejected')).toHaveLength(1);
    expect(outcomes.filter((o) => o === false)).toHaveLength(2);
  });
});
