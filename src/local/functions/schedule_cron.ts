import { daysInMonth, instantsOf, wallTimeAt, weekdayOf } from '../core/zoned_time.js';

/**
 * AWS's six-field cron (`cron(minutes hours day-of-month month day-of-week year)`), as EventBridge
 * rules and EventBridge Scheduler accept it: `, - * /` everywhere but day-of-week's `/`, `?` in
 * exactly one of the two day fields, `L` and `W` in day-of-month, `L` and `#` in day-of-week,
 * JAN-DEC and SUN-SAT names, day-of-week 1-7 = SUN-SAT, years 1970-2199.
 */
export interface CronSpec {
  minutes: Set<number>;
  hours: Set<number>;
  months: Set<number>;
  /** Undefined: every year. */
  years?: Set<number>;
  dayOfMonth: DayOfMonth;
  dayOfWeek: DayOfWeek;
}

type DayOfMonth =
  | { kind: 'none' }
  | { kind: 'days'; days: Set<number> }
  | { kind: 'last' }
  | { kind: 'lastWeekday' }
  | { kind: 'nearestWeekday'; day: number };

type DayOfWeek =
  | { kind: 'none' }
  | { kind: 'days'; days: Set<number> }
  /** `5L`: the last Thursday of the month. */
  | { kind: 'lastOf'; weekday: number }
  /** `2#1`: the first Monday of the month. */
  | { kind: 'nth'; weekday: number; nth: number };

/** A cron field AWS would reject; the message says which field and why. */
export class CronSyntaxError extends Error {}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldRule {
  name: string;
  min: number;
  max: number;
  names?: string[];
  step: boolean;
}

const FIELDS = {
  minutes: { name: 'minutes', min: 0, max: 59, step: true },
  hours: { name: 'hours', min: 0, max: 23, step: true },
  dayOfMonth: { name: 'day-of-month', min: 1, max: 31, step: true },
  month: { name: 'month', min: 1, max: 12, names: MONTHS, step: true },
  dayOfWeek: { name: 'day-of-week', min: 1, max: 7, names: WEEKDAYS, step: false },
  year: { name: 'year', min: 1970, max: 2199, step: true },
} satisfies Record<string, FieldRule>;

function value(text: string, rule: FieldRule): number {
  const named = rule.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return named + 1;
  if (!/^\d+$/.test(text)) throw new CronSyntaxError(`${rule.name} has "${text}", which is not a number${rule.names ? ` or a name (${rule.names[0]}-${rule.names.at(-1)})` : ''}`);
  const n = Number(text);
  if (n < rule.min || n > rule.max) throw new CronSyntaxError(`${rule.name} must be between ${rule.min} and ${rule.max}; got ${n}`);
  return n;
}

/** Values from `start` to `end` every `step`, wrapping past the maximum (`FRI-MON`, `22-2`). */
function span(start: number, end: number, step: number, rule: FieldRule, out: Set<number>): void {
  const size = rule.max - rule.min + 1;
  const length = ((end - start + size) % size) + 1;
  for (let i = 0; i < length; i += step) out.add(((start - rule.min + i) % size) + rule.min);
}

/** A field of values: `*`, `5`, `1-5`, `MON-FRI`, `0/15`, `*\/10`, `10-40/5`, and lists of them. */
function values(text: string, rule: FieldRule): Set<number> {
  const out = new Set<number>();
  for (const item of text.split(',')) {
    if (item === '') throw new CronSyntaxError(`${rule.name} has an empty list item in "${text}"`);
    const [range, stepText, extra] = item.split('/');
    if (extra !== undefined) throw new CronSyntaxError(`${rule.name} has more than one "/" in "${item}"`);
    let step = 1;
    if (stepText !== undefined) {
      if (!rule.step) throw new CronSyntaxError(`${rule.name} does not take "/" steps ("${item}")`);
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1) throw new CronSyntaxError(`${rule.name} step must be a positive whole number; got "${stepText}"`);
      step = Number(stepText);
    }
    if (range === '*') {
      span(rule.min, rule.max, step, rule, out);
      continue;
    }
    const dash = range.indexOf('-', 1);
    if (dash > 0) {
      span(value(range.slice(0, dash), rule), value(range.slice(dash + 1), rule), step, rule, out);
    } else if (stepText !== undefined) {
      span(value(range, rule), rule.max, step, rule, out);
    } else {
      out.add(value(range, rule));
    }
  }
  return out;
}

function dayOfMonth(text: string): DayOfMonth {
  if (text === '?') return { kind: 'none' };
  const upper = text.toUpperCase();
  if (upper === 'L') return { kind: 'last' };
  if (upper === 'LW') return { kind: 'lastWeekday' };
  const w = /^(\d+)W$/.exec(upper);
  if (w) return { kind: 'nearestWeekday', day: value(w[1], FIELDS.dayOfMonth) };
  if (/[LW]/.test(upper)) throw new CronSyntaxError(`day-of-month takes L, LW or <day>W alone; got "${text}"`);
  return { kind: 'days', days: values(text, FIELDS.dayOfMonth) };
}

function dayOfWeek(text: string): DayOfWeek {
  if (text === '?') return { kind: 'none' };
  const upper = text.toUpperCase();
  // `L` alone is the last day of the week: Saturday.
  if (upper === 'L') return { kind: 'days', days: new Set([7]) };
  const last = /^(\w+)L$/.exec(upper);
  if (last) return { kind: 'lastOf', weekday: value(last[1], FIELDS.dayOfWeek) };
  const nth = /^(\w+)#(\d+)$/.exec(upper);
  if (nth) {
    const n = Number(nth[2]);
    if (n < 1 || n > 5) throw new CronSyntaxError(`day-of-week "#" takes 1 to 5 (the nth weekday of the month); got "${text}"`);
    return { kind: 'nth', weekday: value(nth[1], FIELDS.dayOfWeek), nth: n };
  }
  if (/[L#]/.test(upper)) throw new CronSyntaxError(`day-of-week takes L, <day>L or <day>#<n> alone; got "${text}"`);
  return { kind: 'days', days: values(text, FIELDS.dayOfWeek) };
}

/** Parses the six fields inside `cron(...)`. */
export function parseCron(fields: string): CronSpec {
  const parts = fields.trim().split(/\s+/);
  if (parts.length !== 6) {
    throw new CronSyntaxError(`a cron expression has six fields (minutes hours day-of-month month day-of-week year); got ${parts.length}`);
  }
  const [min, hour, dom, month, dow, year] = parts;
  if ((dom === '?') === (dow === '?')) {
    throw new CronSyntaxError('exactly one of day-of-month and day-of-week must be "?" (they cannot both be set, nor both be left out)');
  }
  for (const [i, name] of [min, hour, month, year].entries()) {
    if (name === '?') throw new CronSyntaxError(`"?" is only for day-of-month or day-of-week, not ${['minutes', 'hours', 'month', 'year'][i]}`);
  }
  return {
    minutes: values(min, FIELDS.minutes),
    hours: values(hour, FIELDS.hours),
    dayOfMonth: dayOfMonth(dom),
    months: values(month, FIELDS.month),
    dayOfWeek: dayOfWeek(dow),
    years: year === '*' ? undefined : values(year, FIELDS.year),
  };
}

function isWeekday(year: number, month: number, day: number): boolean {
  const wd = weekdayOf(year, month, day);
  return wd >= 2 && wd <= 6;
}

/** Quartz's `W`: the weekday nearest `day`, never crossing into another month. */
function nearestWeekday(year: number, month: number, day: number): number {
  const last = daysInMonth(year, month);
  const d = Math.min(day, last);
  const wd = weekdayOf(year, month, d);
  if (wd === 7) return d === 1 ? 3 : d - 1; // Saturday → Friday (or Monday the 3rd)
  if (wd === 1) return d === last ? d - 2 : d + 1; // Sunday → Monday (or Friday before)
  return d;
}

function dayMatches(spec: CronSpec, year: number, month: number, day: number): boolean {
  const dom = spec.dayOfMonth;
  switch (dom.kind) {
    case 'days':
      return dom.days.has(day);
    case 'last':
      return day === daysInMonth(year, month);
    case 'lastWeekday': {
      let d = daysInMonth(year, month);
      while (!isWeekday(year, month, d)) d--;
      return day === d;
    }
    case 'nearestWeekday':
      return day === nearestWeekday(year, month, dom.day);
    case 'none':
      break;
  }
  const dow = spec.dayOfWeek;
  const wd = weekdayOf(year, month, day);
  switch (dow.kind) {
    case 'days':
      return dow.days.has(wd);
    case 'lastOf':
      return wd === dow.weekday && day + 7 > daysInMonth(year, month);
    case 'nth':
      return wd === dow.weekday && Math.ceil(day / 7) === dow.nth;
    case 'none':
      return false;
  }
}

const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);

/**
 * The first instant after `after` (exclusive) at which the cron fires in `timeZone`, or undefined
 * when it never fires again. A wall time that daylight saving skips does not fire; one it repeats
 * fires once, at its first occurrence (EventBridge Scheduler's rules).
 */
export function nextCronTime(spec: CronSpec, after: number, timeZone: string): number | undefined {
  const hours = sorted(spec.hours);
  const minutes = sorted(spec.minutes);
  const start = wallTimeAt(after, timeZone);
  const lastYear = spec.years ? Math.max(...spec.years) : FIELDS.year.max;
  for (let year = start.year; year <= lastYear; year++) {
    if (spec.years && !spec.years.has(year)) continue;
    for (let month = year === start.year ? start.month : 1; month <= 12; month++) {
      if (!spec.months.has(month)) continue;
      const firstDay = year === start.year && month === start.month ? start.day : 1;
      for (let day = firstDay; day <= daysInMonth(year, month); day++) {
        if (!dayMatches(spec, year, month, day)) continue;
        const startDay = year === start.year && month === start.month && day === start.day;
        for (const hour of hours) {
          if (startDay && hour < start.hour) continue;
          for (const minute of minutes) {
            // Earlier wall times of the first day are never after `after`, whatever DST does.
            if (startDay && hour === start.hour && minute < start.minute) continue;
            const [first] = instantsOf(year, month, day, hour, minute, 0, timeZone);
            if (first !== undefined && first > after) return first;
          }
        }
      }
    }
  }
  return undefined;
}
