import { validation } from './errors.ts';

/**
 * Schedule expressions and time zones: an `at()` expression in an IANA zone -> the UTC instant it
 * fires at. `rate()` and `cron()` are refused locally (the product uses one-time schedules only).
 */

const AT = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/;

export function checkTimezone(zone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw validation(`Invalid time zone: ${zone}. Use an IANA time zone name, such as America/New_York.`);
  }
}

/** How far `zone` is ahead of UTC at `instant`, in ms (Intl knows the zone's rules, DST included). */
function zoneOffset(instant: number, zone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(instant));
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second')) - Math.floor(instant / 1000) * 1000;
}

/**
 * The UTC instant of a wall-clock time in `zone`. A time skipped by a DST change comes out shifted
 * by the change (02:30 on a spring-forward night is 03:30); a repeated one takes its first occurrence.
 */
export function wallTimeToInstant(wall: { year: number; month: number; day: number; hour: number; minute: number; second: number }, zone: string): Date {
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  const day = 24 * 60 * 60 * 1000;
  // Offset changes are rarer than daily: the offsets a day either side are the only candidates.
  const before = zoneOffset(asUtc - day, zone);
  const offsets = new Set([before, zoneOffset(asUtc, zone), zoneOffset(asUtc + day, zone)]);
  const matching = [...offsets].map((offset) => asUtc - offset).filter((t) => t + zoneOffset(t, zone) === asUtc);
  return new Date(matching.length > 0 ? Math.min(...matching) : asUtc - before);
}

/** When `expression` fires, or why it cannot here. */
export function parseScheduleExpression(expression: string, zone = 'UTC'): Date {
  if (/^(rate|cron)\(.*\)$/.test(expression)) {
    throw validation(
      `${expression.slice(0, 4) === 'rate' ? 'rate()' : 'cron()'} schedules are not supported locally: the local Scheduler fires one-time at(yyyy-mm-ddThh:mm:ss) schedules only.`,
    );
  }
  const match = AT.exec(expression);
  if (match === null) throw validation(`Invalid Schedule Expression ${expression}. Expected at(yyyy-mm-ddThh:mm:ss), rate(value unit) or cron(fields).`);
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const calendar = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (
    calendar.getUTCFullYear() !== year ||
    calendar.getUTCMonth() !== month - 1 ||
    calendar.getUTCDate() !== day ||
    calendar.getUTCHours() !== hour ||
    calendar.getUTCMinutes() !== minute ||
    calendar.getUTCSeconds() !== second
  ) {
    throw validation(`Invalid Schedule Expression ${expression}: not a valid date and time.`);
  }
  return wallTimeToInstant({ year, month, day, hour, minute, second }, zone);
}
