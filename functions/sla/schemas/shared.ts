import * as z from 'zod';
import { parseDuration } from '../domain/duration.ts';

export const description = z.string().max(2000);

export const recordMeta = {
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number().int().describe('Also sent as the ETag; send it back in If-Match'),
};

const HOUR = 3600;
const DAY = 24 * HOUR;

/** Seconds as people say them, for messages: `7 days`, `1 second`. */
function spoken(seconds: number): string {
  const [amount, unit] = seconds % DAY === 0 ? [seconds / DAY, 'day'] : seconds % HOUR === 0 ? [seconds / HOUR, 'hour'] : [seconds, 'second'];
  return `${amount} ${unit}${amount === 1 ? '' : 's'}`;
}

/**
 * An ISO 8601 duration of whole seconds between `min` and `max`, checked by the same parser the
 * clocks use, so that whatever is accepted here can be counted.
 */
export function isoDuration(min: number, max: number) {
  return z
    .string()
    .max(40)
    .superRefine((text, ctx) => {
      const seconds = parseDuration(text);
      if (seconds === undefined) {
        ctx.addIssue({ code: 'custom', message: `'${text}' is not an ISO 8601 duration of weeks, days, hours, minutes and seconds, e.g. PT4H or PT30M` });
      } else if (seconds < min || seconds > max) {
        ctx.addIssue({ code: 'custom', message: `'${text}' must be at least ${spoken(min)} and at most ${spoken(max)}` });
      }
    });
}

/** Each value once: an issue on every repeat, at its index. */
export function uniqueItems<T>(values: readonly T[], ctx: z.RefinementCtx, what: string): void {
  values.forEach((value, i) => {
    const first = values.indexOf(value);
    if (first !== i) ctx.addIssue({ code: 'custom', path: [i], message: `${what} ${JSON.stringify(value)} is listed twice (also at ${first})` });
  });
}
