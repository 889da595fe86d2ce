/**
 * Wall-clock time in an IANA time zone, through `Intl` (no tz database of our own): what a schedule
 * evaluated "in Europe/Paris" needs, including the hours daylight saving time skips or repeats.
 */

/** A local date and time; `weekday` is 1-7 for Sunday-Saturday (cron's numbering). */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when `Intl` knows the zone (`UTC`, `America/New_York`...). */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall time at instant `ms` in `timeZone`. */
export function wallTimeAt(ms: number, timeZone: string): WallTime {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) parts[p.type] = p.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: WEEKDAYS.indexOf(parts.weekday) + 1,
  };
}

/** UTC offset of `timeZone` at instant `ms`, in ms (east of Greenwich is positive). */
export function offsetAt(ms: number, timeZone: string): number {
  const w = wallTimeAt(ms, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - (ms - (((ms % 1000) + 1000) % 1000));
}

/**
 * The instants at which the clocks of `timeZone` show this wall time, earliest first: none in the
 * hour a spring-forward skips, two in the hour a fall-back repeats, one otherwise.
 */
export function instantsOf(year: number, month: number, day: number, hour: number, minute: number, second: number, timeZone: string): number[] {
  const naive = Date.UTC(year, month - 1, day, hour, minute, second);
  if (timeZone === 'UTC') return [naive];
  // Offsets a day either side cover any transition near this wall time.
  const offsets = new Set([offsetAt(naive - 86_400_000, timeZone), offsetAt(naive, timeZone), offsetAt(naive + 86_400_000, timeZone)]);
  const out: number[] = [];
  for (const offset of offsets) {
    const t = naive - offset;
    const w = wallTimeAt(t, timeZone);
    if (w.year === year && w.month === month && w.day === day && w.hour === hour && w.minute === minute && w.second === second && !out.includes(t)) {
      out.push(t);
    }
  }
  return out.sort((a, b) => a - b);
}

/** Days in a month of the proleptic Gregorian calendar (`month` 1-12). */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Weekday (1-7 = Sunday-Saturday) of a calendar date; the same in every zone. */
export function weekdayOf(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
}
