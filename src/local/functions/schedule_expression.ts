import { CronSyntaxError, nextCronTime, parseCron, type CronSpec } from './schedule_cron.js';
import { instantsOf, isTimeZone, offsetAt } from '../core/zoned_time.js';

/**
 * Schedule expressions as EventBridge accepts them: `rate(value unit)` and `cron(six fields)` for
 * rules and Scheduler schedules, `at(yyyy-mm-ddThh:mm:ss)` for Scheduler's one-time schedules.
 */
export type ScheduleExpression =
  | { kind: 'rate'; expression: string; periodMs: number }
  | { kind: 'cron'; expression: string; cron: CronSpec }
  | { kind: 'at'; expression: string; wall: [number, number, number, number, number, number] };

/** Which API owns the expression: `at()` and time zones are Scheduler's only. */
export type ScheduleService = 'events' | 'scheduler';

/** An expression AWS would reject with a ValidationException; the message says why. */
export class ScheduleExpressionError extends Error {}

const UNITS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

function parseRate(expression: string, body: string): ScheduleExpression {
  const m = /^(\d+) ([a-z]+)$/.exec(body.trim());
  if (!m) throw new ScheduleExpressionError(`${expression}: a rate is rate(<value> <unit>), e.g. rate(5 minutes)`);
  const n = Number(m[1]);
  const unit = m[2];
  const singular = unit.endsWith('s') ? unit.slice(0, -1) : unit;
  if (!Object.hasOwn(UNITS, singular)) throw new ScheduleExpressionError(`${expression}: the unit must be minute(s), hour(s) or day(s); got "${unit}"`);
  if (n < 1) throw new ScheduleExpressionError(`${expression}: the value must be a positive whole number`);
  // AWS's own rule: 1 takes the singular unit, anything else the plural.
  if (n === 1 && unit !== singular) throw new ScheduleExpressionError(`${expression}: a value of 1 takes the singular unit (rate(1 ${singular}))`);
  if (n > 1 && unit === singular) throw new ScheduleExpressionError(`${expression}: a value above 1 takes the plural unit (rate(${n} ${singular}s))`);
  return { kind: 'rate', expression, periodMs: n * UNITS[singular] };
}

function parseAt(expression: string, body: string): ScheduleExpression {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(body.trim());
  if (!m) throw new ScheduleExpressionError(`${expression}: a one-time schedule is at(yyyy-mm-ddThh:mm:ss)`);
  const wall = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const [y, mo, d, h, mi, s] = wall;
  const check = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    throw new ScheduleExpressionError(`${expression}: ${body} is not a date and time`);
  }
  return { kind: 'at', expression, wall };
}

/** Parses an expression of `service`; throws ScheduleExpressionError naming what is wrong. */
export function parseScheduleExpression(expression: string, service: ScheduleService): ScheduleExpression {
  const m = /^(rate|cron|at)\((.*)\)$/s.exec(expression.trim());
  if (!m) {
    const forms = service === 'scheduler' ? 'rate(...), cron(...) or at(...)' : 'rate(...) or cron(...)';
    throw new ScheduleExpressionError(`"${expression}" is not a schedule expression: use ${forms}`);
  }
  const [, kind, body] = m;
  if (kind === 'rate') return parseRate(expression, body);
  if (kind === 'at') {
    if (service !== 'scheduler') throw new ScheduleExpressionError(`${expression}: at(...) is for EventBridge Scheduler schedules, not rules`);
    return parseAt(expression, body);
  }
  try {
    return { kind: 'cron', expression, cron: parseCron(body) };
  } catch (err) {
    if (err instanceof CronSyntaxError) throw new ScheduleExpressionError(`${expression}: ${err.message}`);
    throw err;
  }
}

/** Throws unless `timeZone` is an IANA zone name `Intl` knows. */
export function checkTimeZone(timeZone: string): void {
  if (!isTimeZone(timeZone)) throw new ScheduleExpressionError(`"${timeZone}" is not a time zone (use an IANA name such as UTC or America/New_York)`);
}

export interface FireContext {
  /** IANA zone the cron or at() is evaluated in (rules: always UTC). */
  timeZone: string;
  /** When a rate schedule started counting (its StartDate, or when the local cloud armed it). */
  anchor: number;
  /** True when the anchor is itself a fire time (a StartDate is a rate schedule's first occurrence). */
  anchorFires?: boolean;
}

/**
 * The first fire time strictly after `after`, or undefined when the schedule never fires again.
 * Rates are fixed durations from the anchor (a "day" is 24 hours even across a DST change).
 */
export function nextFireTime(expr: ScheduleExpression, after: number, ctx: FireContext): number | undefined {
  switch (expr.kind) {
    case 'rate': {
      const k = Math.floor((after - ctx.anchor) / expr.periodMs) + 1;
      return ctx.anchor + Math.max(ctx.anchorFires ? 0 : 1, k) * expr.periodMs;
    }
    case 'cron':
      return nextCronTime(expr.cron, after, ctx.timeZone);
    case 'at': {
      // A wall time that a spring-forward skips is read with the offset in force before the gap.
      const [y, mo, d, h, mi, s] = expr.wall;
      const naive = Date.UTC(y, mo - 1, d, h, mi, s);
      const t = instantsOf(y, mo, d, h, mi, s, ctx.timeZone)[0] ?? naive - offsetAt(naive - 86_400_000, ctx.timeZone);
      return t !== undefined && t > after ? t : undefined;
    }
  }
}
