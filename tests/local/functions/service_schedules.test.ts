import { afterEach, describe, expect, it } from 'vitest';
import type { ScheduleModel } from '../../../src/local/assembly/model.js';
import { createFunctionsServiceWith, type FunctionsService } from '../../../src/local/functions/index.js';
import { fixtureFunction, testContext, testModel, type TestContext } from './helpers.js';

let t: TestContext;
let service: FunctionsService;

afterEach(async () => {
  await service?.stop();
  t?.cleanup();
});

const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

function schedule(name: string, expression: string, functionLogicalId: string, input?: string): ScheduleModel {
  return {
    logicalId: `${name}Schedule`,
    stackName: 'amplify-test-function',
    service: 'scheduler',
    name,
    arn: `arn:aws:scheduler:us-east-1:123456789012:schedule/default/${name}`,
    expression,
    timeZone: 'UTC',
    enabled: true,
    targets: [{ id: 'Target', arn: `arn:aws:lambda:us-east-1:123456789012:function:${functionLogicalId}`, functionLogicalId, input }],
  };
}

async function start(schedules: ScheduleModel[]) {
  t = testContext(testModel());
  t.ctx.model = testModel({ functions: [fixtureFunction('throw'), fixtureFunction('ok')], schedules });
  service = createFunctionsServiceWith({ asyncRetryDelayMs: () => 0 })(t.ctx);
  t.registry.publish((await service.start()) ?? {});
  service.connect(t.registry);
}

async function until<T>(probe: () => T | undefined | false): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = probe();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('timed out');
}

describe('functions service schedules', () => {
  it('starts with a schedule AWS would reject, says which resource, and runs the others', async () => {
    await start([schedule('broken', 'cron(0 12 * * * *)', 'okLambda'), schedule('every-minute', 'rate(1 minute)', 'okLambda')]);
    expect(service.describe!()).toContain(
      'functions: schedule broken (AWS::Scheduler::Schedule brokenSchedule in stack amplify-test-function) has an invalid schedule: cron(0 12 * * * *): exactly one of day-of-month and day-of-week must be "?" (they cannot both be set, nor both be left out); it will not fire',
    );
    expect(service.describe!()).toContain(`functions: schedule rate(1 minute) → ok (next ${iso(t.clock.now() + MIN)})`);
    t.clock.advance(MIN);
    const [record] = await until(() => service.invocations('ok').length === 1 && service.invocations('ok'));
    expect(record).toMatchObject({ source: 'schedule', outcome: 'success' });
  });

  it('logs a failed run with its error after Lambda’s two async retries, each in the invocation log', async () => {
    await start([schedule('nightly', 'cron(0 0 * * ? *)', 'throwLambda', '{"ok":false}')]);
    const midnight = Math.ceil((t.clock.now() + 1) / (24 * 60 * MIN)) * 24 * 60 * MIN;
    t.clock.advance(midnight - t.clock.now());
    const failure = await until(() => t.log.lines.find((l) => l.level === 'error' && l.prefix === 'schedules'));
    expect(failure.msg).toMatch(new RegExp(`^schedule nightly → throw \\(${iso(midnight)}\\): \\S+ failed: ValidationError: bad input \\{"ok":false\\}$`));
    expect(service.invocations('throw').map((r) => [r.source, r.outcome, r.errorType])).toEqual([
      ['schedule', 'error', 'ValidationError'],
      ['schedule', 'error', 'ValidationError'],
      ['schedule', 'error', 'ValidationError'],
    ]);
    expect(service.schedules()[0].lastRun).toMatchObject({ outcome: 'error', errorType: 'ValidationError', errorMessage: 'bad input {"ok":false}' });
  });

  it('runs a schedule now and returns how it went; an unknown one is undefined', async () => {
    await start([schedule('manual', 'rate(1 day)', 'throwLambda', '{"ok":true}')]);
    const runs = await service.runSchedule('manual');
    expect(runs).toEqual([expect.objectContaining({ outcome: 'success', function: 'throw', manual: true })]);
    expect(service.runSchedule('nope')).toBeUndefined();
  });

  it('serves the schedules view and the run action for the admin API', async () => {
    await start([schedule('manual', 'rate(1 day)', 'okLambda')]);
    expect(service.views!.schedules(new URLSearchParams())).toEqual({ schedules: [expect.objectContaining({ name: 'manual', nextFireTime: iso(t.clock.now() + 24 * 60 * MIN) })] });
    expect(await service.actions!['schedules/run']('manual', new URLSearchParams())).toMatchObject({ schedule: 'manual', runs: [{ outcome: 'success' }] });
    expect(await service.actions!['schedules/run']('nope', new URLSearchParams())).toBeUndefined();
  });

  it('stops its timers when the service stops', async () => {
    await start([schedule('every-minute', 'rate(1 minute)', 'okLambda')]);
    expect(t.clock.pendingTimers).toBe(1);
    await service.stop();
    expect(t.clock.pendingTimers).toBe(0);
  });
});
