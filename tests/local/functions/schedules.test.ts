import { describe, expect, it } from 'vitest';
import type { ScheduleModel } from '../../../src/local/assembly/model.js';
import { ManualClock, type IdSource } from '../../../src/local/core/clock.js';
import type { Logger } from '../../../src/local/core/logger.js';
import { Schedules, type ScheduledRunOutcome } from '../../../src/local/functions/schedules.js';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;

function schedule(over: Partial<ScheduleModel> = {}): ScheduleModel {
  return {
    logicalId: 'TickSchedule',
    stackName: 'amplify-app-function',
    service: 'scheduler',
    name: 'tick-schedule',
    arn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/default/tick-schedule',
    expression: 'cron(*/5 * * * ? *)',
    timeZone: 'UTC',
    enabled: true,
    targets: [{ id: 'Target', arn: 'arn:aws:lambda:us-east-1:123456789012:function:tick', functionLogicalId: 'tickFn' }],
    ...over,
  };
}

interface Harness {
  clock: ManualClock;
  schedules: Schedules;
  calls: { fn: string; event: Record<string, unknown>; at: number }[];
  logs: { level: string; message: string }[];
  /** Ends the oldest pending invocation with this outcome. */
  finish(outcome?: Partial<ScheduledRunOutcome>): Promise<void>;
}

function harness(models: ScheduleModel[], opts: { autoFinish?: boolean } = {}): Harness {
  const clock = new ManualClock(T0);
  let n = 0;
  const ids: IdSource = { uuid: () => `id-${++n}`, bytes: (k) => Buffer.alloc(k), digits: (k) => '0'.repeat(k) };
  const logs: Harness['logs'] = [];
  const log: Logger = {
    info: (m) => logs.push({ level: 'info', message: m }),
    warn: (m) => logs.push({ level: 'warn', message: m }),
    error: (m) => logs.push({ level: 'error', message: m }),
    child: () => log,
  };
  const calls: Harness['calls'] = [];
  const pending: ((o: ScheduledRunOutcome) => void)[] = [];
  const schedules = new Schedules({
    schedules: models,
    clock,
    ids,
    region: 'us-east-1',
    accountId: '123456789012',
    log,
    functionName: (id) => ({ tickFn: 'tick', reportFn: 'report' })[id],
    invoke: (fn, event) => {
      calls.push({ fn, event: event as Record<string, unknown>, at: clock.now() });
      if (opts.autoFinish !== false) return Promise.resolve({ requestId: `req-${calls.length}`, ok: true });
      return new Promise((resolve) => pending.push(resolve));
    },
  });
  return {
    clock,
    schedules,
    calls,
    logs,
    async finish(outcome = {}) {
      pending.shift()!({ requestId: `req-${calls.length}`, ok: true, ...outcome });
      await new Promise((r) => setImmediate(r));
    },
  };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('Schedules', () => {
  it('invokes the target at each fire time with Scheduler’s default notification', async () => {
    const h = harness([schedule()]);
    h.schedules.start();
    expect(h.schedules.list()[0].nextFireTime).toBe('2026-01-01T00:05:00.000Z');
    h.clock.advance(4 * MIN);
    expect(h.calls).toHaveLength(0);
    h.clock.advance(11 * MIN);
    await settle();
    expect(h.calls.map((c) => c.at - T0)).toEqual([5 * MIN, 10 * MIN, 15 * MIN]);
    expect(h.calls[0]).toEqual({
      fn: 'tickFn',
      at: T0 + 5 * MIN,
      event: {
        version: '0',
        id: 'id-1',
        'detail-type': 'Scheduled Event',
        source: 'aws.scheduler',
        account: '123456789012',
        time: '2026-01-01T00:05:00Z',
        region: 'us-east-1',
        resources: ['arn:aws:scheduler:us-east-1:123456789012:schedule/default/tick-schedule'],
        detail: '{}',
      },
    });
    expect(h.schedules.list()[0]).toMatchObject({
      nextFireTime: '2026-01-01T00:20:00.000Z',
      lastRun: { at: '2026-01-01T00:15:00.000Z', outcome: 'success', function: 'tick', manual: false },
    });
  });

  it('sends a rule’s scheduled event from aws.events with an object detail, starting a period after start', async () => {
    const rule = schedule({
      service: 'events',
      name: 'hourly',
      arn: 'arn:aws:events:us-east-1:123456789012:rule/hourly',
      expression: 'rate(1 hour)',
      targets: [{ id: 'Target0', arn: 'arn:aws:lambda:us-east-1:123456789012:function:report', functionLogicalId: 'reportFn' }],
    });
    const h = harness([rule]);
    h.clock.advance(7 * MIN);
    h.schedules.start();
    h.clock.advance(60 * MIN);
    await settle();
    expect(h.calls).toHaveLength(1);
    expect(h.calls[0].event).toMatchObject({
      source: 'aws.events',
      'detail-type': 'Scheduled Event',
      time: '2026-01-01T01:07:00Z',
      resources: ['arn:aws:events:us-east-1:123456789012:rule/hourly'],
      detail: {},
    });
  });

  it('delivers a Scheduler target’s Input with the context attributes filled in, and a rule target’s Input as is', async () => {
    const h = harness([
      schedule({
        targets: [
          {
            id: 'Target',
            arn: 'fn',
            functionLogicalId: 'tickFn',
            input: '{"job":"sweep","at":"<aws.scheduler.scheduled-time>","arn":"<aws.scheduler.schedule-arn>","run":"<aws.scheduler.execution-id>","attempt":"<aws.scheduler.attempt-number>"}',
          },
        ],
      }),
      schedule({
        service: 'events',
        name: 'rule',
        logicalId: 'Rule',
        expression: 'rate(5 minutes)',
        targets: [{ id: 'T', arn: 'fn', functionLogicalId: 'reportFn', input: '{"constant":true}' }],
      }),
    ]);
    h.schedules.start();
    h.clock.advance(5 * MIN);
    await settle();
    expect(h.calls.map((c) => c.event)).toEqual([
      { job: 'sweep', at: '2026-01-01T00:05:00Z', arn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/default/tick-schedule', run: 'id-1', attempt: '1' },
      { constant: true },
    ]);
  });

  it('applies a rule target’s InputPath to the scheduled event', async () => {
    const h = harness([
      schedule({
        service: 'events',
        expression: 'rate(5 minutes)',
        targets: [
          { id: 'A', arn: 'fn', functionLogicalId: 'tickFn', inputPath: '$.detail' },
          { id: 'B', arn: 'fn', functionLogicalId: 'reportFn', inputPath: '$.resources' },
        ],
      }),
    ]);
    h.schedules.start();
    h.clock.advance(5 * MIN);
    await settle();
    expect(h.calls.map((c) => [c.fn, c.event])).toEqual([
      ['tickFn', {}],
      ['reportFn', ['arn:aws:scheduler:us-east-1:123456789012:schedule/default/tick-schedule']],
    ]);
  });

  it('never fires a disabled schedule, but runs it on request', async () => {
    const h = harness([schedule({ enabled: false })]);
    h.schedules.start();
    h.clock.advance(60 * MIN);
    await settle();
    expect(h.calls).toHaveLength(0);
    expect(h.schedules.list()[0]).toMatchObject({ state: 'DISABLED', nextFireTime: null });
    expect(h.schedules.describe()[0]).toMatch(/\(DISABLED\)$/);

    const runs = await h.schedules.runNow('tick-schedule');
    expect(runs).toEqual([expect.objectContaining({ manual: true, outcome: 'success', requestId: 'req-1', at: '2026-01-01T01:00:00.000Z' })]);
    expect(h.calls[0].event).toMatchObject({ time: '2026-01-01T01:00:00Z' });
    expect(h.schedules.runNow('no-such-schedule')).toBeUndefined();
    // By logical id and ARN too.
    await h.schedules.runNow('TickSchedule');
    await h.schedules.runNow('arn:aws:scheduler:us-east-1:123456789012:schedule/default/tick-schedule');
    expect(h.calls).toHaveLength(3);
  });

  it('reports an invalid expression naming the resource, and still runs the other schedules', async () => {
    const h = harness([
      schedule({ logicalId: 'BadRate', name: 'bad-rate', expression: 'rate(5 minute)' }),
      schedule({ logicalId: 'BadZone', name: 'bad-zone', timeZone: 'Mars/Olympus_Mons' }),
      schedule({ name: 'good' }),
    ]);
    h.schedules.start();
    const notes = h.schedules.describe().join('\n');
    expect(notes).toContain(
      'schedule bad-rate (AWS::Scheduler::Schedule BadRate in stack amplify-app-function) has an invalid schedule: rate(5 minute): a value above 1 takes the plural unit',
    );
    expect(notes).toContain('bad-zone (AWS::Scheduler::Schedule BadZone in stack amplify-app-function) has an invalid schedule: "Mars/Olympus_Mons" is not a time zone');
    expect(h.schedules.list().map((s) => [s.name, s.nextFireTime, s.problem?.slice(0, 16)])).toEqual([
      ['bad-rate', null, 'invalid schedule'],
      ['bad-zone', null, 'invalid schedule'],
      ['good', '2026-01-01T00:05:00.000Z', undefined],
    ]);
    h.clock.advance(5 * MIN);
    await settle();
    expect(h.calls).toHaveLength(1);
  });

  it('leaves out targets that are not local functions or whose Input is not JSON, and says so', () => {
    const h = harness([
      schedule({ name: 'queue', targets: [{ id: 'Q', arn: 'arn:aws:sqs:us-east-1:123456789012:jobs' }] }),
      schedule({ name: 'broken-input', targets: [{ id: 'Target', arn: 'fn', functionLogicalId: 'tickFn', input: '{not json' }] }),
    ]);
    h.schedules.start();
    const notes = h.schedules.describe().join('\n');
    expect(notes).toContain('its target arn:aws:sqs:us-east-1:123456789012:jobs is not a function of this backend; that target is not run');
    expect(notes).toContain("its target's Input is not well-formed JSON: {not json");
    expect(h.schedules.list().every((s) => s.nextFireTime === null)).toBe(true);
  });

  it('invokes again when the previous run is still going, as EventBridge does, and logs it', async () => {
    const h = harness([schedule({ expression: 'rate(1 minute)' })], { autoFinish: false });
    h.schedules.start();
    h.clock.advance(2 * MIN);
    await settle();
    expect(h.calls).toHaveLength(2);
    expect(h.logs.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
      'schedule tick-schedule: the previous run of tick is still going; invoking again, as EventBridge does',
    ]);
    expect(h.schedules.list()[0].running).toBe(2);
    await h.finish();
    await h.finish();
    expect(h.schedules.list()[0].running).toBe(0);
  });

  it('logs a failed run with its error and keeps it as the last run', async () => {
    const h = harness([schedule()], { autoFinish: false });
    h.schedules.start();
    h.clock.advance(5 * MIN);
    await h.finish({ ok: false, errorType: 'Error', errorMessage: 'database unreachable' });
    expect(h.logs.find((l) => l.level === 'error')?.message).toBe(
      'schedule tick-schedule → tick (2026-01-01T00:05:00.000Z): req-1 failed: Error: database unreachable',
    );
    expect(h.schedules.list()[0].lastRun).toMatchObject({ outcome: 'error', errorType: 'Error', errorMessage: 'database unreachable' });
    // The schedule goes on.
    expect(h.schedules.list()[0].nextFireTime).toBe('2026-01-01T00:10:00.000Z');
  });

  it('keeps to StartDate and EndDate, a rate firing first at its StartDate', async () => {
    const h = harness([
      schedule({ expression: 'rate(10 minutes)', startDate: '2026-01-01T00:03:00Z', endDate: '2026-01-01T00:30:00Z' }),
    ]);
    h.schedules.start();
    h.clock.advance(60 * MIN);
    await settle();
    expect(h.calls.map((c) => (c.at - T0) / MIN)).toEqual([3, 13, 23]);
    expect(h.schedules.list()[0].nextFireTime).toBeNull();
  });

  it('fires a one-time schedule once, and stops firing after stop()', async () => {
    const h = harness([schedule({ expression: 'at(2026-01-01T00:30:00)', timeZone: 'America/New_York' }), schedule({ name: 'five' })]);
    h.schedules.start();
    h.clock.advance(6 * 60 * MIN);
    await settle();
    expect(h.calls.filter((c) => c.fn === 'tickFn' && c.at === Date.UTC(2026, 0, 1, 5, 30))).toHaveLength(2); // the at() and */5 at 05:30
    const count = h.calls.length;
    h.schedules.stop();
    h.clock.advance(60 * MIN);
    await settle();
    expect(h.calls).toHaveLength(count);
    expect(h.clock.pendingTimers).toBe(0);
  });
});
