import { beforeAll, describe, expect, it } from 'vitest';
import { loadBackendModel } from '../../../src/local/assembly/load_assembly.js';
import type { BackendModel, ScheduleModel } from '../../../src/local/assembly/model.js';
import { getFixtureAssembly } from '../../fixtures/assembly.js';

let model: BackendModel;
const fnId = (friendly: string) => model.functions.find((f) => f.friendlyName === friendly)!.logicalId;
const byExpression = (expression: string): ScheduleModel => model.schedules!.find((s) => s.expression === expression)!;

beforeAll(async () => {
  model = loadBackendModel(await getFixtureAssembly('schedules'));
});

describe('loadSchedules on the schedules fixture backend', () => {
  it('reads what defineFunction({ schedule }) synthesizes: Scheduler schedules in UTC or the given zone', () => {
    const tick = model.schedules!.filter((s) => s.targets[0]?.functionLogicalId === fnId('tick'));
    expect(tick.map((s) => [s.service, s.expression, s.timeZone, s.enabled])).toEqual([
      ['scheduler', 'cron(*/5 * * * ? *)', 'UTC', true],
      ['scheduler', 'cron(30 9 ? * 2-6 *)', 'Europe/Paris', true],
      ['scheduler', 'cron(0 0 * * ? *)', 'UTC', true],
    ]);
    for (const s of tick) {
      expect(s.arn).toBe(`arn:aws:scheduler:us-east-1:123456789012:schedule/default/${s.name}`);
      expect(s.targets[0].input).toBeUndefined();
    }
  });

  it('reads EventBridge rules with a ScheduleExpression, their state and their function targets', () => {
    const hourly = byExpression('rate(1 hour)');
    expect(hourly).toMatchObject({ service: 'events', timeZone: 'UTC', enabled: true, logicalId: expect.stringMatching(/^HourlyReport/) });
    expect(hourly.arn).toBe(`arn:aws:events:us-east-1:123456789012:rule/${hourly.name}`);
    expect(hourly.targets).toEqual([
      expect.objectContaining({ id: 'Target0', functionLogicalId: fnId('report'), arn: model.functions.find((f) => f.friendlyName === 'report')!.arn }),
    ]);
    expect(byExpression('cron(0 * * * ? *)')).toMatchObject({ service: 'events', enabled: false });
  });

  it('reads a one-time schedule with its zone and its target Input', () => {
    const once = byExpression('at(2026-01-01T00:30:00)');
    expect(once).toMatchObject({ service: 'scheduler', timeZone: 'America/New_York' });
    expect(JSON.parse(once.targets[0].input!)).toEqual({
      job: 'new-year',
      scheduledTime: '<aws.scheduler.scheduled-time>',
      schedule: '<aws.scheduler.schedule-arn>',
    });
  });

  it('reads all six schedules of the backend without warnings', () => {
    expect(model.schedules).toHaveLength(6);
    expect(model.warnings).toEqual([]);
  });
});
