/*
 * ISO 8601 durations as SLA targets and escalation delays, in whole seconds.
 *
 * Only parts of fixed length are accepted: weeks, days, hours, minutes, seconds. Years and months
 * vary in length, so `P1M` has no number of seconds and is refused rather than guessed.
 * A day is 24 h here; what a "day" of business time means is the calendar's job, which is why
 * `formatDuration` never writes days.
 */

// Weeks may be combined with days (`P1W2D`), as Temporal and most parsers accept, though strict
// ISO 8601 keeps `PnW` alone. Fractions are refused: every duration is whole seconds.
const DURATION = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

const SECONDS_PER = { week: 604_800, day: 86_400, hour: 3_600, minute: 60 } as const;

interface DurationParts {
  weeks?: string;
  days?: string;
  hours?: string;
  minutes?: string;
  seconds?: string;
}

function matchDuration(text: string): DurationParts | undefined {
  const match = DURATION.exec(text);
  if (match === null) return undefined;
  const [, weeks, days, hours, minutes, seconds] = match;
  // The regex lets `P` and `PT` through empty: a duration names at least one part, and `T` is
  // only there to introduce time parts.
  if ([weeks, days, hours, minutes, seconds].every((part) => part === undefined)) return undefined;
  if (text.includes('T') && [hours, minutes, seconds].every((part) => part === undefined)) return undefined;
  return { weeks, days, hours, minutes, seconds };
}

/** Whole seconds of an ISO 8601 duration, or undefined when it is not one we accept. `PT0S` is 0. */
export function parseDuration(text: string): number | undefined {
  const parts = matchDuration(text);
  if (parts === undefined) return undefined;
  const total =
    Number(parts.weeks ?? 0) * SECONDS_PER.week +
    Number(parts.days ?? 0) * SECONDS_PER.day +
    Number(parts.hours ?? 0) * SECONDS_PER.hour +
    Number(parts.minutes ?? 0) * SECONDS_PER.minute +
    Number(parts.seconds ?? 0);
  // Beyond this, arithmetic on instants stops being exact.
  return Number.isSafeInteger(total) ? total : undefined;
}

/**
 * Whether a duration is written in days or weeks. Admin tools warn on these for business-hours
 * calendars: `P1D` is 24 business hours, i.e. three 8 h working days, rarely what was meant.
 */
export function durationUsesDays(text: string): boolean {
  const parts = matchDuration(text);
  return parts !== undefined && (parts.weeks !== undefined || parts.days !== undefined);
}

/** Canonical form, in hours at most (`PT27H30M5S`, `PT0S`); fractions of a second are dropped. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError(`A duration cannot be ${seconds} seconds`);
  const whole = Math.floor(seconds);
  if (whole === 0) return 'PT0S';
  const hours = Math.floor(whole / SECONDS_PER.hour);
  const minutes = Math.floor((whole % SECONDS_PER.hour) / SECONDS_PER.minute);
  const rest = whole % SECONDS_PER.minute;
  return `PT${hours > 0 ? `${hours}H` : ''}${minutes > 0 ? `${minutes}M` : ''}${rest > 0 ? `${rest}S` : ''}`;
}
