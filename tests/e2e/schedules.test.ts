import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBackendModel } from '../../src/local/assembly/load_assembly.js';
import type { BackendModel } from '../../src/local/assembly/model.js';
import { ManualClock } from '../../src/local/core/clock.js';
import type { Logger } from '../../src/local/core/logger.js';
import type { InvocationRecord } from '../../src/local/functions/invocation_log.js';
import type { ScheduledRun, ScheduleView } from '../../src/local/functions/schedules.js';
import { getFixtureAssembly } from '../fixtures/assembly.js';
import { startLocalCloud, type TestLocalCloud } from '../helpers/local_cloud.js';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;

let cloud: TestLocalCloud;
let model: BackendModel;
const clock = new ManualClock(T0);
const lines: { prefix: string; level: string; message: string }[] = [];

/** Keeps every line (the functions' console output included) and shows only problems. */
function capturingLogger(prefix = 'local-cloud'): Logger {
  return {
    info: (m) => void lines.push({ prefix, level: 'info', message: m }),
    warn: (m) => void lines.push({ prefix, level: 'warn', message: m }),
    error: (m) => {
      lines.push({ prefix, level: 'error', message: m });
      console.error(`[${prefix}] ${m}`);
    },
    child: (c) => capturingLogger(`${prefix}:${c}`),
  };
}

/** The events a fixture function logged (`received {...}`), oldest first. */
function received(fn: string): Record<string, unknown>[] {
  return lines
    .filter((l) => l.prefix.endsWith(`:${fn}`) && l.message.startsWith('received '))
    .map((l) => JSON.parse(l.message.slice('received '.length)) as Record<string, unknown>);
}

async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const value = await probe();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function schedules(): Promise<ScheduleView[]> {
  const res = await fetch(`${cloud.endpoint}/_local/functions/schedules`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { schedules: ScheduleView[] }).schedules;
}

async function invocations(fn: string): Promise<InvocationRecord[]> {
  const res = await fetch(`${cloud.endpoint}/_local/functions/invocations?function=${fn}`);
  return ((await res.json()) as { invocations: InvocationRecord[] }).invocations;
}

const nameOf = (expression: string) => model.schedules!.find((s) => s.expression === expression)!;

beforeAll(async () => {
  model = loadBackendModel(await getFixtureAssembly('schedules'));
  cloud = await startLocalCloud({ model, clock, log: capturingLogger() });
});
afterAll(async () => {
  await cloud?.stop();
});

describe('scheduled functions (schedules fixture backend, ManualClock)', () => {
  it('lists every schedule with its next fire time, and the banner shows them', async () => {
    const list = await schedules();
    const brief = list.map((s) => [s.type, s.expression, s.timeZone, s.state, s.functions, s.nextFireTime]);
    expect(brief).toEqual([
      ['AWS::Scheduler::Schedule', 'cron(*/5 * * * ? *)', 'UTC', 'ENABLED', ['tick'], '2026-01-01T00:05:00.000Z'],
      // Thursday 09:30 in Paris (UTC+1 in winter).
      ['AWS::Scheduler::Schedule', 'cron(30 9 ? * 2-6 *)', 'Europe/Paris', 'ENABLED', ['tick'], '2026-01-01T08:30:00.000Z'],
      ['AWS::Scheduler::Schedule', 'cron(0 0 * * ? *)', 'UTC', 'ENABLED', ['tick'], '2026-01-02T00:00:00.000Z'],
      ['AWS::Events::Rule', 'rate(1 hour)', 'UTC', 'ENABLED', ['report'], '2026-01-01T01:00:00.000Z'],
      ['AWS::Events::Rule', 'cron(0 * * * ? *)', 'UTC', 'DISABLED', ['report'], null],
      ['AWS::Scheduler::Schedule', 'at(2026-01-01T00:30:00)', 'America/New_York', 'ENABLED', ['report'], '2026-01-01T05:30:00.000Z'],
    ]);
    expect(cloud.cloud.describe()).toContain('functions: schedule cron(*/5 * * * ? *) → tick (next 2026-01-01T00:05:00.000Z)');
    expect(cloud.cloud.describe()).toContain('functions: schedule cron(0 * * * ? *) → report (DISABLED)');
  });

  it('invokes the function when the clock reaches the fire time, with Scheduler’s event', async () => {
    clock.advance(4 * MIN);
    await new Promise((r) => setTimeout(r, 100));
    expect(received('tick')).toEqual([]);

    clock.advance(1 * MIN);
    const [event] = await until('tick to run', () => received('tick').length === 1 && received('tick'));
    const schedule = nameOf('cron(*/5 * * * ? *)');
    expect(event).toEqual({
      version: '0',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      'detail-type': 'Scheduled Event',
      source: 'aws.scheduler',
      account: model.accountId,
      time: '2026-01-01T00:05:00Z',
      region: 'us-east-1',
      resources: [schedule.arn],
      detail: '{}',
    });
    const record = await until('the invocation record', async () => (await invocations('tick')).find((r) => r.outcome === 'success'));
    expect(record).toMatchObject({ source: 'schedule', startedAt: '2026-01-01T00:05:00.000Z' });
    const listed = (await schedules()).find((s) => s.name === schedule.name)!;
    expect(listed).toMatchObject({ nextFireTime: '2026-01-01T00:10:00.000Z', lastRun: { at: '2026-01-01T00:05:00.000Z', function: 'tick' } });
  });

  it('runs a rule now through the admin API, with EventBridge’s scheduled event', async () => {
    const rule = nameOf('rate(1 hour)');
    const res = await fetch(`${cloud.endpoint}/_local/functions/schedules/${encodeURIComponent(rule.name)}/run`, { method: 'POST' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { schedule: string; runs: ScheduledRun[] };
    expect(body.runs).toEqual([expect.objectContaining({ function: 'report', outcome: 'success', manual: true, requestId: expect.any(String) })]);
    expect(received('report')).toEqual([
      {
        version: '0',
        id: expect.any(String),
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        account: model.accountId,
        time: '2026-01-01T00:05:00Z',
        region: 'us-east-1',
        resources: [rule.arn],
        detail: {},
      },
    ]);
    // Running by hand does not move the schedule.
    expect((await schedules()).find((s) => s.name === rule.name)!.nextFireTime).toBe('2026-01-01T01:00:00.000Z');
  });

  it('answers an unknown schedule with 404 and a GET on the run path with 405', async () => {
    const missing = await fetch(`${cloud.endpoint}/_local/functions/schedules/no-such-schedule/run`, { method: 'POST' });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ __type: 'ResourceNotFoundException' });
    const get = await fetch(`${cloud.endpoint}/_local/functions/schedules/${nameOf('rate(1 hour)').name}/run`);
    expect(get.status).toBe(405);
  });

  it('delivers a one-time schedule’s Input with Scheduler’s context attributes, and never fires a disabled rule', async () => {
    const before = received('report').length;
    clock.advance(5 * 60 * MIN + 25 * MIN); // to 05:30 UTC = 00:30 in New York
    const once = nameOf('at(2026-01-01T00:30:00)');
    const events = await until('the at() schedule to run', () => {
      const all = received('report').slice(before);
      return all.some((e) => e.job === 'new-year') && all;
    });
    expect(events.find((e) => e.job === 'new-year')).toEqual({ job: 'new-year', scheduledTime: '2026-01-01T05:30:00Z', schedule: once.arn });
    // The hourly rule ran at 01:00 … 05:00; the disabled hourly cron would have doubled those.
    await until('every run to end', async () => (await schedules()).every((s) => s.running === 0));
    const hourly = received('report')
      .slice(before)
      .filter((e) => e.source === 'aws.events');
    // Runs are concurrent, as EventBridge's deliveries are: compare them in time order.
    expect(hourly.map((e) => e.time).sort()).toEqual(['01', '02', '03', '04', '05'].map((h) => `2026-01-01T${h}:00:00Z`));
    expect(hourly.every((e) => (e.resources as string[])[0] === nameOf('rate(1 hour)').arn)).toBe(true);
    expect((await schedules()).find((s) => s.name === once.name)!.nextFireTime).toBeNull();
  });
});
