import type { ScheduleModel, ScheduleTargetModel } from '../assembly/model.js';

export interface FireInfo {
  /** The fire time (the scheduled minute, or now for a manual run). */
  time: number;
  /** The event's `id` (rules) or Scheduler's execution id. */
  id: string;
  region: string;
  account: string;
  attempt?: number;
}

/** EventBridge's `time`: ISO 8601 to the second, `2026-01-01T00:05:00Z`. */
const isoSeconds = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;

/** Scheduler's context attributes, replaced in a target's Input before delivery. */
function withContextAttributes(input: string, schedule: ScheduleModel, fire: FireInfo): string {
  return input
    .split('<aws.scheduler.schedule-arn>').join(schedule.arn)
    .split('<aws.scheduler.scheduled-time>').join(isoSeconds(fire.time))
    .split('<aws.scheduler.execution-id>').join(fire.id)
    .split('<aws.scheduler.attempt-number>').join(String(fire.attempt ?? 1));
}

/** A JSONPath of the simple `$.a.b` kind (what InputPath is used for in practice). */
function select(value: unknown, path: string): unknown {
  if (path === '$') return value;
  let out = value;
  for (const key of path.replace(/^\$\.?/, '').split('.')) {
    out = out && typeof out === 'object' ? (out as Record<string, unknown>)[key] : undefined;
  }
  return out;
}

/**
 * What the target function receives, as EventBridge delivers it. A rule sends its scheduled event
 * (`source: aws.events`, `detail: {}`) unless the target sets Input or InputPath. A Scheduler
 * schedule sends the target's Input (context attributes replaced) or, without one, its default
 * notification: the same envelope with `source: aws.scheduler` and `detail` the string "{}".
 */
export function scheduledEvent(schedule: ScheduleModel, target: ScheduleTargetModel, fire: FireInfo): unknown {
  if (schedule.service === 'scheduler' && target.input !== undefined) {
    return JSON.parse(withContextAttributes(target.input, schedule, fire));
  }
  if (target.input !== undefined) return JSON.parse(target.input);
  const event = {
    version: '0',
    id: fire.id,
    'detail-type': 'Scheduled Event',
    source: schedule.service === 'events' ? 'aws.events' : 'aws.scheduler',
    account: fire.account,
    time: isoSeconds(fire.time),
    region: fire.region,
    resources: [schedule.arn],
    detail: schedule.service === 'events' ? {} : '{}',
  };
  return target.inputPath ? select(event, target.inputPath) : event;
}

/** Why a target's Input cannot be delivered (Lambda targets need well-formed JSON), or undefined. */
export function inputProblem(schedule: ScheduleModel, target: ScheduleTargetModel): string | undefined {
  if (target.input === undefined) return undefined;
  const probe = schedule.service === 'scheduler' ? withContextAttributes(target.input, schedule, { time: 0, id: 'x', region: '', account: '' }) : target.input;
  try {
    JSON.parse(probe);
    return undefined;
  } catch {
    return `its target's Input is not well-formed JSON: ${target.input}`;
  }
}
