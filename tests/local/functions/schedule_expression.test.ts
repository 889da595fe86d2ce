import { describe, expect, it } from 'vitest';
import {
  checkTimeZone,
  nextFireTime,
  parseScheduleExpression,
  ScheduleExpressionError,
  type ScheduleService,
} from '../../../src/local/functions/schedule_expression.js';

const utc = (text: string) => Date.parse(`${text}Z`);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString().replace('.000Z', 'Z'));

/** The next fire time of `expression` after `after` (UTC wall text), as ISO text. */
function next(expression: string, after: string, opts: { timeZone?: string; anchor?: string; service?: ScheduleService } = {}) {
  const expr = parseScheduleExpression(expression, opts.service ?? 'scheduler');
  return iso(nextFireTime(expr, utc(after), { timeZone: opts.timeZone ?? 'UTC', anchor: utc(opts.anchor ?? after) }));
}

/** The first `n` fire times after `after`. */
function series(expression: string, after: string, n: number, timeZone = 'UTC') {
  const expr = parseScheduleExpression(expression, 'scheduler');
  const out: string[] = [];
  let t = utc(after);
  for (let i = 0; i < n; i++) {
    const f = nextFireTime(expr, t, { timeZone, anchor: utc(after) });
    if (f === undefined) break;
    out.push(iso(f)!);
    t = f;
  }
  return out;
}

function rejects(expression: string, pattern: RegExp, service: ScheduleService = 'scheduler') {
  expect(() => parseScheduleExpression(expression, service)).toThrow(ScheduleExpressionError);
  expect(() => parseScheduleExpression(expression, service)).toThrow(pattern);
}

describe('rate expressions', () => {
  it('fire every period from the anchor, strictly after the given time', () => {
    expect(next('rate(5 minutes)', '2026-01-01T00:00:00')).toBe('2026-01-01T00:05:00Z');
    expect(next('rate(5 minutes)', '2026-01-01T00:05:00', { anchor: '2026-01-01T00:00:00' })).toBe('2026-01-01T00:10:00Z');
    expect(next('rate(5 minutes)', '2026-01-01T00:07:30', { anchor: '2026-01-01T00:00:00' })).toBe('2026-01-01T00:10:00Z');
    expect(next('rate(1 hour)', '2026-01-01T00:00:00')).toBe('2026-01-01T01:00:00Z');
    expect(next('rate(2 days)', '2026-01-01T06:00:00')).toBe('2026-01-03T06:00:00Z');
    expect(next('rate(1 minute)', '2026-01-01T00:00:00', { anchor: '2026-01-01T00:00:30' })).toBe('2026-01-01T00:01:30Z');
    // A StartDate is the first occurrence itself.
    const rate = parseScheduleExpression('rate(10 minutes)', 'scheduler');
    expect(iso(nextFireTime(rate, utc('2026-01-01T00:00:00'), { timeZone: 'UTC', anchor: utc('2026-01-01T00:03:00'), anchorFires: true }))).toBe('2026-01-01T00:03:00Z');
    expect(iso(nextFireTime(rate, utc('2026-01-01T00:03:00'), { timeZone: 'UTC', anchor: utc('2026-01-01T00:03:00'), anchorFires: true }))).toBe('2026-01-01T00:13:00Z');
  });

  it('count a day as 24 hours across a daylight saving change', () => {
    expect(next('rate(1 day)', '2026-03-07T12:00:00', { timeZone: 'America/New_York' })).toBe('2026-03-08T12:00:00Z');
  });

  it('take the singular unit with 1 and the plural otherwise, as AWS validates them', () => {
    rejects('rate(1 minutes)', /singular unit/);
    rejects('rate(1 hours)', /rate\(1 hour\)/);
    rejects('rate(5 minute)', /plural unit \(rate\(5 minutes\)\)/);
    rejects('rate(2 day)', /plural/);
  });

  it('reject zero, fractions, unknown units and other shapes', () => {
    rejects('rate(0 minutes)', /positive whole number/);
    rejects('rate(1.5 hours)', /rate\(<value> <unit>\)/);
    rejects('rate(5 weeks)', /minute\(s\), hour\(s\) or day\(s\)/);
    rejects('rate(five minutes)', /rate\(<value> <unit>\)/);
    rejects('rate(5)', /rate\(<value> <unit>\)/);
    rejects('every 5m', /not a schedule expression/);
    rejects('', /not a schedule expression/);
  });
});

describe('cron expressions', () => {
  it('fire on matching minutes: steps, lists and ranges', () => {
    expect(series('cron(*/5 * * * ? *)', '2026-01-01T00:02:00', 3)).toEqual(['2026-01-01T00:05:00Z', '2026-01-01T00:10:00Z', '2026-01-01T00:15:00Z']);
    expect(next('cron(*/5 * * * ? *)', '2026-01-01T00:05:00')).toBe('2026-01-01T00:10:00Z');
    expect(series('cron(0/15 * * * ? *)', '2026-01-01T00:50:00', 2)).toEqual(['2026-01-01T01:00:00Z', '2026-01-01T01:15:00Z']);
    expect(series('cron(10-40/15 * * * ? *)', '2026-01-01T00:00:00', 4)).toEqual([
      '2026-01-01T00:10:00Z',
      '2026-01-01T00:25:00Z',
      '2026-01-01T00:40:00Z',
      '2026-01-01T01:10:00Z',
    ]);
    expect(series('cron(0,30 8-9 * * ? *)', '2026-01-01T00:00:00', 5)).toEqual([
      '2026-01-01T08:00:00Z',
      '2026-01-01T08:30:00Z',
      '2026-01-01T09:00:00Z',
      '2026-01-01T09:30:00Z',
      '2026-01-02T08:00:00Z',
    ]);
  });

  it('fire daily, monthly and in given years only', () => {
    expect(next('cron(0 12 * * ? *)', '2026-01-01T12:00:00')).toBe('2026-01-02T12:00:00Z');
    expect(next('cron(0 8 1 * ? *)', '2026-01-15T00:00:00')).toBe('2026-02-01T08:00:00Z');
    expect(next('cron(0 0 1 JAN ? 2028)', '2026-06-01T00:00:00')).toBe('2028-01-01T00:00:00Z');
    expect(next('cron(0 0 1 1 ? 2025)', '2026-01-01T00:00:00')).toBeUndefined();
    expect(next('cron(0 0 29 2 ? *)', '2026-01-01T00:00:00')).toBe('2028-02-29T00:00:00Z');
    expect(series('cron(0 0 1 */4 ? *)', '2026-01-01T00:00:00', 3)).toEqual(['2026-05-01T00:00:00Z', '2026-09-01T00:00:00Z', '2027-01-01T00:00:00Z']);
  });

  it('number days of the week 1-7 from Sunday and accept SUN-SAT names', () => {
    // 2026-01-01 is a Thursday.
    expect(next('cron(0 0 ? * 1 *)', '2026-01-01T00:00:00')).toBe('2026-01-04T00:00:00Z');
    expect(next('cron(0 0 ? * SUN *)', '2026-01-01T00:00:00')).toBe('2026-01-04T00:00:00Z');
    expect(next('cron(0 0 ? * 7 *)', '2026-01-01T00:00:00')).toBe('2026-01-03T00:00:00Z');
    expect(series('cron(0 18 ? * MON-FRI *)', '2026-01-02T18:00:00', 2)).toEqual(['2026-01-05T18:00:00Z', '2026-01-06T18:00:00Z']);
    expect(series('cron(0 18 ? * mon,wed *)', '2026-01-01T00:00:00', 2)).toEqual(['2026-01-05T18:00:00Z', '2026-01-07T18:00:00Z']);
    // A range that wraps past Saturday.
    expect(series('cron(0 0 ? * FRI-MON *)', '2026-01-01T00:00:00', 5)).toEqual([
      '2026-01-02T00:00:00Z',
      '2026-01-03T00:00:00Z',
      '2026-01-04T00:00:00Z',
      '2026-01-05T00:00:00Z',
      '2026-01-09T00:00:00Z',
    ]);
  });

  it('read L, W and # as AWS does', () => {
    expect(series('cron(0 0 L * ? *)', '2026-01-15T00:00:00', 3)).toEqual(['2026-01-31T00:00:00Z', '2026-02-28T00:00:00Z', '2026-03-31T00:00:00Z']);
    expect(next('cron(0 0 L 2 ? 2028)', '2026-01-01T00:00:00')).toBe('2028-02-29T00:00:00Z');
    // 2026-02-15 is a Sunday → Monday the 16th; 2026-08-15 a Saturday → Friday the 14th.
    expect(next('cron(0 0 15W 2 ? *)', '2026-01-01T00:00:00')).toBe('2026-02-16T00:00:00Z');
    expect(next('cron(0 0 15W 8 ? *)', '2026-01-01T00:00:00')).toBe('2026-08-14T00:00:00Z');
    // 2026-08-01 is a Saturday: 1W does not leave the month, so Monday the 3rd.
    expect(next('cron(0 0 1W 8 ? *)', '2026-01-01T00:00:00')).toBe('2026-08-03T00:00:00Z');
    // 2026-05-31 is a Sunday: the last weekday is Friday the 29th.
    expect(next('cron(0 0 LW 5 ? *)', '2026-01-01T00:00:00')).toBe('2026-05-29T00:00:00Z');
    expect(next('cron(0 0 ? * L *)', '2026-01-01T00:00:00')).toBe('2026-01-03T00:00:00Z');
    expect(series('cron(15 10 ? * 6L *)', '2026-01-01T00:00:00', 2)).toEqual(['2026-01-30T10:15:00Z', '2026-02-27T10:15:00Z']);
    expect(series('cron(0 9 ? * 2#1 *)', '2026-01-01T00:00:00', 2)).toEqual(['2026-01-05T09:00:00Z', '2026-02-02T09:00:00Z']);
    expect(next('cron(0 9 ? * MON#5 *)', '2026-01-01T00:00:00')).toBe('2026-03-30T09:00:00Z');
  });

  it('reject what AWS rejects, saying which field is wrong', () => {
    rejects('cron(0 12 * * ?)', /six fields.*got 5/);
    rejects('cron(0 12 * * * *)', /exactly one of day-of-month and day-of-week must be "\?"/);
    rejects('cron(0 12 ? * ? *)', /exactly one of day-of-month and day-of-week/);
    rejects('cron(60 * * * ? *)', /minutes must be between 0 and 59; got 60/);
    rejects('cron(0 24 * * ? *)', /hours must be between 0 and 23/);
    rejects('cron(0 0 0 * ? *)', /day-of-month must be between 1 and 31/);
    rejects('cron(0 0 1 13 ? *)', /month must be between 1 and 12/);
    rejects('cron(0 0 1 FOO ? *)', /month has "FOO", which is not a number or a name \(JAN-DEC\)/);
    rejects('cron(0 0 ? * 8 *)', /day-of-week must be between 1 and 7/);
    rejects('cron(0 0 ? * */2 *)', /day-of-week does not take "\/" steps/);
    rejects('cron(0 0 1 1 ? 2200)', /year must be between 1970 and 2199/);
    rejects('cron(? 0 1 * ? *)', /"\?" is only for day-of-month or day-of-week, not minutes/);
    rejects('cron(0 0 ? * 2#6 *)', /1 to 5/);
    rejects('cron(0 0 L,15 * ? *)', /day-of-month takes L, LW or <day>W alone/);
    rejects('cron(1,,2 * * * ? *)', /empty list item/);
    rejects('cron(0/0 * * * ? *)', /step must be a positive whole number/);
    rejects('cron(0/5/2 * * * ? *)', /more than one "\/"/);
  });
});

describe('time zones', () => {
  it('evaluate a cron in the zone, following its summer and winter offsets', () => {
    // Weekdays 09:30 in Paris: UTC+1 in January, UTC+2 in July.
    expect(next('cron(30 9 ? * 2-6 *)', '2026-01-01T00:00:00', { timeZone: 'Europe/Paris' })).toBe('2026-01-01T08:30:00Z');
    expect(next('cron(30 9 ? * 2-6 *)', '2026-07-01T00:00:00', { timeZone: 'Europe/Paris' })).toBe('2026-07-01T07:30:00Z');
    // The local date, not the UTC one, decides the day: Friday 00:30 in Tokyo is Thursday 15:30 UTC.
    expect(next('cron(30 0 ? * FRI *)', '2026-01-01T00:00:00', { timeZone: 'Asia/Tokyo' })).toBe('2026-01-01T15:30:00Z');
  });

  it('skip a wall time that the spring-forward removes', () => {
    // New York, 2026-03-08: 02:00 EST jumps to 03:00 EDT, so 02:30 does not exist that day.
    expect(series('cron(30 2 * * ? *)', '2026-03-07T00:00:00', 2, 'America/New_York')).toEqual(['2026-03-07T07:30:00Z', '2026-03-09T06:30:00Z']);
    expect(series('cron(0 3 * * ? *)', '2026-03-07T00:00:00', 2, 'America/New_York')).toEqual(['2026-03-07T08:00:00Z', '2026-03-08T07:00:00Z']);
  });

  it('run a repeated wall time once, at its first occurrence, when clocks fall back', () => {
    // New York, 2026-11-01: 01:00-02:00 happens twice (EDT, then EST).
    expect(series('cron(30 1 * * ? *)', '2026-10-31T12:00:00', 3, 'America/New_York')).toEqual([
      '2026-11-01T05:30:00Z',
      '2026-11-02T06:30:00Z',
      '2026-11-03T06:30:00Z',
    ]);
    // Asked from inside the repeated hour, the second 01:30 is not a fire time.
    expect(next('cron(30 1 * * ? *)', '2026-11-01T06:00:00', { timeZone: 'America/New_York' })).toBe('2026-11-02T06:30:00Z');
  });

  it('names an unknown zone', () => {
    expect(() => checkTimeZone('Mars/Olympus_Mons')).toThrow(/"Mars\/Olympus_Mons" is not a time zone/);
    expect(() => checkTimeZone('America/New_York')).not.toThrow();
  });
});

describe('at expressions', () => {
  it('fire once, at the wall time in the zone', () => {
    expect(next('at(2026-01-01T00:30:00)', '2026-01-01T00:00:00', { timeZone: 'America/New_York' })).toBe('2026-01-01T05:30:00Z');
    expect(next('at(2026-01-01T00:30:00)', '2026-01-01T05:30:00', { timeZone: 'America/New_York' })).toBeUndefined();
    expect(next('at(2025-06-01T00:00:00)', '2026-01-01T00:00:00')).toBeUndefined();
  });

  it('read a wall time the spring-forward skips with the offset before the gap', () => {
    expect(next('at(2026-03-08T02:30:00)', '2026-03-01T00:00:00', { timeZone: 'America/New_York' })).toBe('2026-03-08T07:30:00Z');
  });

  it('are Scheduler only and must be a real date and time', () => {
    rejects('at(2026-01-01T00:00:00)', /at\(\.\.\.\) is for EventBridge Scheduler schedules, not rules/, 'events');
    rejects('at(2026-02-30T00:00:00)', /is not a date and time/);
    rejects('at(2026-01-01T24:00:00)', /is not a date and time/);
    rejects('at(2026-01-01 00:00:00)', /at\(yyyy-mm-ddThh:mm:ss\)/);
    expect(() => parseScheduleExpression('rate(5 minutes)', 'events')).not.toThrow();
    rejects('nonsense', /use rate\(\.\.\.\) or cron\(\.\.\.\)$/, 'events');
  });
});
