import { type Calendar, WEEKDAYS, type Weekday } from './types.ts';

/*
 * Business time arithmetic: how much working time lies between two instants, and which instant
 * lies a given amount of working time ahead.
 *
 * Working hours are local wall times in the calendar's IANA time zone, converted to instants with
 * `Intl.DateTimeFormat` alone. Conversion rules, chosen so that business time never counts an hour
 * twice or invents one:
 * - a wall time that does not exist (the spring-forward gap) maps to the first instant after the
 *   gap, so an interval lying inside the gap is empty;
 * - a wall time that exists twice (the fall-back overlap) maps to the earlier instant, so
 *   `00:00-24:00` on such a day lasts 25 hours and `09:00-17:00` keeps its 8 hours.
 *
 * Counting is exact to the millisecond; results are whole seconds, floored once at the end. With
 * that, `addBusinessSeconds` and `businessSecondsBetween` are exact inverses.
 */

const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;
/** About ten years: further than any SLA target, near enough to fail fast on a calendar that hardly works. */
const MAX_DAYS_SEARCHED = 3660;
/** No zone is further ahead of UTC than +14 h: no instant of a local date comes earlier than its midnight-as-UTC minus this. */
const MAX_OFFSET_MS = 14 * 3_600_000;

export function isTwentyFourSeven(calendar: Calendar): boolean {
  return calendar.workingHours === undefined;
}

/** Working seconds in [from, to); 0 when `to` is not after `from`. */
export function businessSecondsBetween(calendar: Calendar, from: Date, to: Date): number {
  return Math.floor(businessMillisecondsBetween(calendar, from.getTime(), to.getTime()) / 1000);
}

/**
 * The earliest instant `t >= from` with `businessSecondsBetween(calendar, from, t) === seconds`.
 * With seconds > 0 on a working-hours calendar the result is inside working time or at the end of
 * a working interval (the due instant of "8 h from 09:00" is 17:00), never in a closed period.
 */
export function addBusinessSeconds(calendar: Calendar, from: Date, seconds: number): Date {
  if (!Number.isInteger(seconds) || seconds < 0) throw new RangeError(`Cannot add ${seconds} business seconds`);
  const start = from.getTime();
  if (seconds === 0) return new Date(start);
  if (isTwentyFourSeven(calendar)) return new Date(start + seconds * 1000);
  let remaining = seconds * 1000;
  for (const [intervalStart, intervalEnd] of workingIntervalsFrom(calendar, start, Number.POSITIVE_INFINITY)) {
    const counted = Math.max(intervalStart, start);
    const available = intervalEnd - counted;
    if (available >= remaining) return new Date(counted + remaining);
    remaining -= available;
  }
  throw new Error('unreachable: the interval walk ends only by throwing');
}

function businessMillisecondsBetween(calendar: Calendar, from: number, to: number): number {
  if (to <= from) return 0;
  if (isTwentyFourSeven(calendar)) return to - from;
  let total = 0;
  for (const [intervalStart, intervalEnd] of workingIntervalsFrom(calendar, from, to)) {
    total += Math.min(intervalEnd, to) - Math.max(intervalStart, from);
  }
  return total;
}

/**
 * Working intervals as instants [start, end), in order, from the one containing or following
 * `from` up to the one containing `until`. Each is non-empty and ends after `from`.
 */
function* workingIntervalsFrom(calendar: Calendar, from: number, until: number): Generator<[number, number]> {
  const rules = compiledCalendar(calendar);
  const zone = zoneOf(calendar.timeZone);
  // Intervals of earlier local dates end by this date's midnight, which is no later than `from`.
  const firstDay = zone.localDayNumber(from);
  for (let day = firstDay; ; day += 1) {
    if (day * MS_PER_DAY - MAX_OFFSET_MS >= until) return;
    if (day - firstDay > MAX_DAYS_SEARCHED) {
      throw new Error(`Calendar ${calendar.name} has no working time within ${MAX_DAYS_SEARCHED} days of ${new Date(from).toISOString()}`);
    }
    const weekday = (new Date(day * MS_PER_DAY).getUTCDay() + 6) % 7;
    const minutes = rules.week[weekday] ?? [];
    if (minutes.length === 0 || rules.holidays.has(day)) continue;
    const toInstant = zone.wallTimesOf(day);
    for (const [startMinute, endMinute] of minutes) {
      const start = toInstant(startMinute);
      if (start >= until) return;
      const end = toInstant(endMinute);
      if (end > start && end > from) yield [start, end];
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The calendar's rules, parsed once per calendar object.

interface CompiledCalendar {
  /** Per weekday (0 = Monday), working intervals as [startMinute, endMinute), ascending. */
  week: [number, number][][];
  /** Holidays as local day numbers (days since 1970-01-01). */
  holidays: Set<number>;
}

/**
 * Compiled once per distinct calendar, by content: every incident read from the table carries its
 * own copy of the same few calendars, so an object-keyed cache would miss on each of them. A copy
 * is matched to the compiled calendars of its name by comparing the rules themselves (a list's
 * page meets 40 copies: cheaper than serializing each to a key, and blind to the order DynamoDB
 * gives a map's members in).
 */
interface CompiledEntry {
  readonly workingHours: Calendar['workingHours'];
  readonly holidays: Calendar['holidays'];
  readonly compiled: CompiledCalendar;
}
const compiledByName = new Map<string, CompiledEntry[]>();
const compiledByObject = new WeakMap<Calendar, CompiledCalendar>();
const MAX_COMPILED = 256;
let compiledCount = 0;

function compiledCalendar(calendar: Calendar): CompiledCalendar {
  const known = compiledByObject.get(calendar);
  if (known !== undefined) return known;
  const entries = compiledByName.get(calendar.name) ?? [];
  const cached = entries.find((entry) => sameWorkingHours(entry.workingHours, calendar.workingHours) && sameHolidayDates(entry.holidays, calendar.holidays));
  if (cached !== undefined) {
    compiledByObject.set(calendar, cached.compiled);
    return cached.compiled;
  }
  const week = WEEKDAYS.map((weekday) =>
    (calendar.workingHours?.[weekday] ?? [])
      .map(({ start, end }): [number, number] => [minuteOfDay(start), minuteOfDay(end)])
      .filter(([start, end]) => end > start)
      .sort((a, b) => a[0] - b[0]),
  );
  if (week.every((intervals) => intervals.length === 0)) {
    throw new Error(`Calendar ${calendar.name} has no working time in any weekday`);
  }
  const holidays = new Set((calendar.holidays ?? []).map(({ date }) => dayNumberOf(date)).filter((day) => day !== undefined));
  const result = { week, holidays };
  if (compiledCount >= MAX_COMPILED) {
    compiledByName.clear();
    compiledCount = 0;
  }
  compiledByName.set(calendar.name, [
    ...(compiledByName.get(calendar.name) ?? []),
    { workingHours: calendar.workingHours, holidays: calendar.holidays, compiled: result },
  ]);
  compiledCount++;
  compiledByObject.set(calendar, result);
  return result;
}

/** The same intervals on every weekday (a weekday absent and one with no interval are alike: closed). */
function sameWorkingHours(a: Calendar['workingHours'], b: Calendar['workingHours']): boolean {
  if (a === b) return true;
  return WEEKDAYS.every((weekday) => {
    const [x, y] = [a?.[weekday] ?? [], b?.[weekday] ?? []];
    return x.length === y.length && x.every((interval, i) => interval.start === y[i]?.start && interval.end === y[i]?.end);
  });
}

/** The same holiday dates in the same order (their names do not change the arithmetic). */
function sameHolidayDates(a: Calendar['holidays'], b: Calendar['holidays']): boolean {
  const [x, y] = [a ?? [], b ?? []];
  return x.length === y.length && x.every((holiday, i) => holiday.date === y[i]?.date);
}

const WALL_TIME = /^(?:([01]\d|2[0-3]):([0-5]\d)|(24):(00))$/;

function parseWallTime(text: string): number | undefined {
  const match = WALL_TIME.exec(text);
  if (match === null) return undefined;
  return Number(match[1] ?? match[3]) * 60 + Number(match[2] ?? match[4]);
}

function minuteOfDay(text: string): number {
  const minute = parseWallTime(text);
  if (minute === undefined) throw new Error(`Not a wall time HH:MM: ${text}`);
  return minute;
}

const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function dayNumberOf(date: string): number | undefined {
  const match = LOCAL_DATE.exec(date);
  if (match === null) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const utc = new Date(Date.UTC(year, month - 1, day));
  // Date.UTC rolls 2026-02-30 over into March: a date is real only if it survives the round trip.
  if (utc.getUTCFullYear() !== year || utc.getUTCMonth() !== month - 1 || utc.getUTCDate() !== day) return undefined;
  return utc.getTime() / MS_PER_DAY;
}

// ---------------------------------------------------------------------------------------------
// Time zones through Intl.DateTimeFormat. An offset is "wall clock as if UTC" minus the instant.

interface Zone {
  /** The local date of an instant, as days since 1970-01-01. */
  localDayNumber(instant: number): number;
  /** Maps minutes since local midnight of that date (0..1440) to instants, by the rules above. */
  wallTimesOf(day: number): (minute: number) => number;
}

// Formatters are costly to build and the set of zones in use is small: one per zone for the process.
const zones = new Map<string, Zone>();

function zoneOf(timeZone: string): Zone {
  let zone = zones.get(timeZone);
  if (zone === undefined) {
    zone = createZone(timeZone);
    zones.set(timeZone, zone);
  }
  return zone;
}

// `format` is about twice as fast as `formatToParts`; en-US with these options is stable: `3/29/2026, 02:30:00`.
const EN_US_WALL_CLOCK = /^(?<month>\d+)\/(?<day>\d+)\/(?<year>\d+),? (?<hour>\d+):(?<minute>\d+):(?<second>\d+)$/;
/** Remembered per-date offsets stay a cache, not a leak, however long a process lives. */
const MAX_REMEMBERED_DATES = 20_000;

function createZone(timeZone: string): Zone {
  const formatter = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });

  /** The wall clock at an instant (to the second), read as if it were UTC. */
  const wallClockAt = (instant: number): number => {
    const text = formatter.format(instant);
    const match = EN_US_WALL_CLOCK.exec(text);
    if (match === null) throw new Error(`Unexpected date format from Intl for ${timeZone}: ${text}`);
    // Every group of the pattern is mandatory, so a match has all six.
    const { month, day, year, hour, minute, second } = match.groups ?? {};
    // Some ICU versions write midnight as 24 even with h23.
    return Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour) % 24, Number(minute), Number(second));
  };
  const offsetAt = (instant: number): number => {
    const second = Math.floor(instant / 1000) * 1000;
    return wallClockAt(second) - second;
  };

  /** Per local date: its one offset, or null when the offset changes around it. */
  const offsetsByDay = new Map<number, number | null>();
  const steadyOffsetOf = (day: number): number | null => {
    const known = offsetsByDay.get(day);
    if (known !== undefined) return known;
    const midnight = day * MS_PER_DAY;
    // Every instant whose wall time falls on this date lies within 14 h before and 36 h after
    // `midnight`-as-UTC (offsets span -12 h..+14 h): offsets sampled outside that window bracket
    // any change the date can see (zones change at most twice a year).
    const before = offsetAt(midnight - MS_PER_DAY);
    const steady = before === offsetAt(midnight + 2 * MS_PER_DAY) && before === offsetAt(midnight + MS_PER_DAY / 2);
    if (offsetsByDay.size >= MAX_REMEMBERED_DATES) offsetsByDay.clear();
    offsetsByDay.set(day, steady ? before : null);
    return steady ? before : null;
  };

  return {
    // Every SLA view asks this for each clock of each record listed: answered from the remembered
    // per-date offsets where they settle it, Intl (a few microseconds a call) only where they do not.
    // A steady date's offset holds from 24 h before its midnight-as-UTC to 48 h after it (see
    // steadyOffsetOf), a span that holds every instant whose wall time, under that offset, falls
    // on the date; so if it does, that is the instant's date. The date lies within a day of the
    // UTC date (offsets span -12 h..+14 h).
    localDayNumber: (instant) => {
      const utcDay = Math.floor(instant / MS_PER_DAY);
      for (const day of [utcDay, utcDay - 1, utcDay + 1]) {
        const offset = steadyOffsetOf(day);
        if (offset !== null && Math.floor((instant + offset) / MS_PER_DAY) === day) return day;
      }
      return Math.floor(wallClockAt(instant) / MS_PER_DAY);
    },
    wallTimesOf(day) {
      const midnight = day * MS_PER_DAY;
      const steady = steadyOffsetOf(day);
      if (steady !== null) return (minute) => midnight + minute * MS_PER_MINUTE - steady;
      const before = offsetAt(midnight - MS_PER_DAY);
      const after = offsetAt(midnight + 2 * MS_PER_DAY);
      return (minute) => wallTimeToInstant(midnight + minute * MS_PER_MINUTE, before, after, offsetAt);
    },
  };
}

/** Resolves a wall time on a date where the offset changes from `before` to `after`. */
function wallTimeToInstant(wall: number, before: number, after: number, offsetAt: (instant: number) => number): number {
  const underBefore = wall - before;
  const underAfter = wall - after;
  const validBefore = offsetAt(underBefore) === before;
  const validAfter = offsetAt(underAfter) === after;
  if (validBefore && validAfter) return Math.min(underBefore, underAfter);
  if (validBefore) return underBefore;
  if (validAfter) return underAfter;
  // In the gap: the offset changed between the two candidates; find the first instant of the new
  // offset. Changes happen on whole seconds, and a gap spans hours at most: a short search.
  let unchanged = Math.min(underBefore, underAfter);
  let changed = Math.max(underBefore, underAfter);
  while (changed - unchanged > 1000) {
    const middle = unchanged + Math.floor((changed - unchanged) / 2000) * 1000;
    if (offsetAt(middle) === before) unchanged = middle;
    else changed = middle;
  }
  return changed;
}

// ---------------------------------------------------------------------------------------------
// Validation

/** One violation in a calendar; `path` leads from the calendar object to the offending field. */
export interface CalendarViolation {
  path: (string | number)[];
  message: string;
}

/** Everything wrong with a calendar, in words, each with the path of its field; empty when valid. */
export function validateCalendar(calendar: Calendar): CalendarViolation[] {
  const violations: CalendarViolation[] = [];
  if (!isKnownTimeZone(calendar.timeZone)) {
    violations.push({ path: ['timeZone'], message: `${calendar.timeZone} is not an IANA time zone` });
  }
  if (calendar.workingHours !== undefined) {
    violations.push(...workingHoursViolations(calendar.workingHours));
  } else if ((calendar.holidays ?? []).length > 0) {
    violations.push({
      path: ['holidays'],
      message: 'A 24x7 calendar (no workingHours) counts every day; holidays apply only with working hours',
    });
  }
  (calendar.holidays ?? []).forEach((holiday, index) => {
    if (dayNumberOf(holiday.date) === undefined) {
      violations.push({ path: ['holidays', index, 'date'], message: `${holiday.date} is not a date YYYY-MM-DD` });
    }
  });
  return violations;
}

function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

function workingHoursViolations(workingHours: Partial<Record<Weekday, { start: string; end: string }[]>>): CalendarViolation[] {
  const violations: CalendarViolation[] = [];
  let workingIntervals = 0;
  for (const [weekday, intervals] of Object.entries(workingHours)) {
    if (!(WEEKDAYS as readonly string[]).includes(weekday)) {
      violations.push({ path: ['workingHours', weekday], message: `${weekday} is not a weekday (${WEEKDAYS.join(', ')})` });
      continue;
    }
    const parsed: { index: number; start: number; end: number }[] = [];
    (intervals ?? []).forEach(({ start, end }, index) => {
      const path = ['workingHours', weekday, index];
      const startMinute = start === '24:00' ? undefined : parseWallTime(start);
      const endMinute = parseWallTime(end);
      if (startMinute === undefined) violations.push({ path: [...path, 'start'], message: `${start} is not a start time HH:MM (00:00 to 23:59)` });
      if (endMinute === undefined) violations.push({ path: [...path, 'end'], message: `${end} is not an end time HH:MM (00:01 to 24:00)` });
      if (startMinute === undefined || endMinute === undefined) return;
      if (startMinute >= endMinute) {
        violations.push({ path, message: `${start}-${end} ends before it starts; an interval cannot span midnight, split it in two days` });
        return;
      }
      parsed.push({ index, start: startMinute, end: endMinute });
    });
    parsed.sort((a, b) => a.start - b.start);
    let previous: (typeof parsed)[number] | undefined;
    for (const current of parsed) {
      if (previous !== undefined && current.start < previous.end) {
        violations.push({
          path: ['workingHours', weekday, current.index],
          message: `Overlaps interval ${previous.index} of ${weekday}`,
        });
      }
      previous = current;
    }
    workingIntervals += parsed.length;
  }
  if (workingIntervals === 0 && violations.length === 0) {
    violations.push({ path: ['workingHours'], message: 'The week has no working time: give hours for at least one weekday, or omit workingHours for 24x7' });
  }
  return violations;
}
