/**
 * `$util.time.*`: the clock comes from the engine (injected), formats follow java.time's
 * DateTimeFormatter patterns (the letters templates use: y M d H h m s S a E Z X x z and 'quoted').
 */
import { isTimeZone, offsetAt } from '../../../core/zoned_time.js';

export class TimeFormatError extends Error {}

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
  weekday: number;
  offsetMinutes: number;
  zone: string;
}

function zoneOffsetMinutes(epochMs: number, zone: string): number {
  if (zone === 'UTC' || zone === 'Z' || zone === 'GMT') return 0;
  const fixed = /^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(zone);
  if (fixed) return (fixed[1] === '-' ? -1 : 1) * (Number(fixed[2]) * 60 + Number(fixed[3] ?? 0));
  if (!isTimeZone(zone)) throw new TimeFormatError(`Unknown time-zone ID: ${zone}`);
  return Math.round(offsetAt(epochMs, zone) / 60000);
}

function partsOf(epochMs: number, zone: string): Parts {
  const offsetMinutes = zoneOffsetMinutes(epochMs, zone);
  const d = new Date(epochMs + offsetMinutes * 60000);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    ms: d.getUTCMilliseconds(),
    weekday: d.getUTCDay(),
    offsetMinutes,
    zone,
  };
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function pad(n: number, w: number): string {
  return String(Math.abs(n)).padStart(w, '0');
}

function offset(mins: number, colon: boolean, zForZero: boolean): string {
  if (mins === 0 && zForZero) return 'Z';
  const sign = mins < 0 ? '-' : '+';
  const a = Math.abs(mins);
  return `${sign}${pad(Math.floor(a / 60), 2)}${colon ? ':' : ''}${pad(a % 60, 2)}`;
}

type Token = { lit: string } | { letter: string; width: number };

const tokenCache = new Map<string, Token[]>();

function tokenize(pattern: string): Token[] {
  const cached = tokenCache.get(pattern);
  if (cached) return cached;
  const out: Token[] = [];
  for (let i = 0; i < pattern.length; ) {
    const c = pattern[i];
    if (c === "'") {
      const end = pattern.indexOf("'", i + 1);
      if (end === i + 1) {
        out.push({ lit: "'" });
        i += 2;
        continue;
      }
      const stop = end < 0 ? pattern.length : end;
      out.push({ lit: pattern.slice(i + 1, stop) });
      i = stop + 1;
    } else if (/[A-Za-z]/.test(c)) {
      let j = i;
      while (j < pattern.length && pattern[j] === c) j++;
      if (!/[yuMdHhmsSaEeZXxzVGkK]/.test(c)) throw new TimeFormatError(`Unknown pattern letter: ${c}`);
      out.push({ letter: c, width: j - i });
      i = j;
    } else {
      out.push({ lit: c });
      i++;
    }
  }
  tokenCache.set(pattern, out);
  return out;
}

export function formatEpoch(epochMs: number, pattern: string, zone = 'UTC'): string {
  const p = partsOf(epochMs, zone);
  let s = '';
  for (const t of tokenize(pattern)) {
    if ('lit' in t) {
      s += t.lit;
      continue;
    }
    const w = t.width;
    switch (t.letter) {
      case 'y':
      case 'u':
        s += w === 2 ? pad(p.year % 100, 2) : pad(p.year, w);
        break;
      case 'M':
        s += w >= 4 ? MONTHS[p.month - 1] : w === 3 ? MONTHS[p.month - 1].slice(0, 3) : pad(p.month, w);
        break;
      case 'd':
        s += pad(p.day, w);
        break;
      case 'H':
      case 'k':
        s += pad(p.hour, w);
        break;
      case 'h':
      case 'K':
        s += pad(p.hour % 12 === 0 && t.letter === 'h' ? 12 : p.hour % 12, w);
        break;
      case 'm':
        s += pad(p.minute, w);
        break;
      case 's':
        s += pad(p.second, w);
        break;
      case 'S':
        s += pad(p.ms, 3).slice(0, w).padEnd(w, '0');
        break;
      case 'a':
        s += p.hour < 12 ? 'AM' : 'PM';
        break;
      case 'E':
      case 'e':
        s += w >= 4 ? DAYS[p.weekday] : DAYS[p.weekday].slice(0, 3);
        break;
      case 'Z':
        s += w >= 4 ? (p.offsetMinutes === 0 ? 'GMT' : `GMT${offset(p.offsetMinutes, true, false)}`) : offset(p.offsetMinutes, w === 5, false);
        break;
      case 'X':
        s += w === 1 ? (p.offsetMinutes === 0 ? 'Z' : offset(p.offsetMinutes, false, true).slice(0, 3)) : offset(p.offsetMinutes, w >= 3, true);
        break;
      case 'x':
        s += offset(p.offsetMinutes, w >= 3, false);
        break;
      case 'z':
      case 'V':
        s += p.zone === 'UTC' ? 'UTC' : p.zone;
        break;
      case 'G':
        s += 'AD';
        break;
    }
  }
  return s;
}

/** Parses `value` with `pattern` (numeric fields, offsets, month names, literals). */
export function parseFormatted(value: string, pattern: string, zone = 'UTC'): number {
  const tokens = tokenize(pattern);
  let i = 0;
  const f = { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0, ms: 0, pm: undefined as boolean | undefined, offset: undefined as number | undefined };
  const fail = (): never => {
    throw new TimeFormatError(`Text '${value}' could not be parsed at index ${i}`);
  };
  const num = (min: number, max: number): number => {
    const m = new RegExp(`^[+-]?\\d{${min},${max}}`).exec(value.slice(i));
    if (!m) fail();
    i += m![0].length;
    return Number(m![0]);
  };
  for (const t of tokens) {
    if ('lit' in t) {
      if (value.slice(i, i + t.lit.length) !== t.lit) fail();
      i += t.lit.length;
      continue;
    }
    const w = t.width;
    switch (t.letter) {
      case 'y':
      case 'u':
        f.year = w === 2 ? 2000 + num(2, 2) : num(w, 9);
        break;
      case 'M':
        if (w >= 3) {
          const idx = MONTHS.findIndex((m) => value.slice(i).toLowerCase().startsWith((w === 3 ? m.slice(0, 3) : m).toLowerCase()));
          if (idx < 0) fail();
          i += w === 3 ? 3 : MONTHS[idx].length;
          f.month = idx + 1;
        } else f.month = num(w, 2);
        break;
      case 'd':
        f.day = num(w, 2);
        break;
      case 'H':
      case 'k':
      case 'h':
      case 'K':
        f.hour = num(w, 2);
        break;
      case 'm':
        f.minute = num(w, 2);
        break;
      case 's':
        f.second = num(w, 2);
        break;
      case 'S': {
        const digits = value.slice(i, i + w);
        if (!/^\d+$/.test(digits)) fail();
        i += w;
        f.ms = Math.round(Number(`0.${digits}`) * 1000);
        break;
      }
      case 'a': {
        const ap = value.slice(i, i + 2).toUpperCase();
        if (ap !== 'AM' && ap !== 'PM') fail();
        f.pm = ap === 'PM';
        i += 2;
        break;
      }
      case 'E': {
        const idx = DAYS.findIndex((d) => value.slice(i).toLowerCase().startsWith((w >= 4 ? d : d.slice(0, 3)).toLowerCase()));
        if (idx < 0) fail();
        i += w >= 4 ? DAYS[idx].length : 3;
        break;
      }
      case 'Z':
      case 'X':
      case 'x': {
        if (value[i] === 'Z') {
          f.offset = 0;
          i++;
          break;
        }
        const m = /^([+-])(\d{2}):?(\d{2})?/.exec(value.slice(i));
        if (!m) fail();
        f.offset = (m![1] === '-' ? -1 : 1) * (Number(m![2]) * 60 + Number(m![3] ?? 0));
        i += m![0].length;
        break;
      }
      default:
        fail();
    }
  }
  if (i !== value.length) fail();
  if (f.pm !== undefined) f.hour = (f.hour % 12) + (f.pm ? 12 : 0);
  const local = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second, f.ms);
  const off = f.offset ?? zoneOffsetMinutes(local, zone);
  return local - off * 60000;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/** ISO-8601 date-time (offset optional: UTC). */
export function parseIso8601(value: string): number {
  const m = ISO.exec(value);
  if (!m) throw new TimeFormatError(`Text '${value}' could not be parsed at index 0`);
  const ms = m[7] ? Math.round(Number(`0.${m[7]}`) * 1000) : 0;
  const local = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), ms);
  let off = 0;
  if (m[8] && m[8].toUpperCase() !== 'Z') {
    const o = /([+-])(\d{2}):?(\d{2})?/.exec(m[8])!;
    off = (o[1] === '-' ? -1 : 1) * (Number(o[2]) * 60 + Number(o[3] ?? 0));
  }
  return local - off * 60000;
}

export function iso8601(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
