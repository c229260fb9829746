import * as z from 'zod';
import { cursorParam, limitParam, slug } from '../../shared/schemas/common.ts';
import { description, recordMeta } from './shared.ts';

/*
 * The shape of a calendar. What the shape cannot say (a real time zone, intervals that start
 * before they end and do not overlap, holidays only with working hours) is validateCalendar's
 * job in functions/sla/domain/calendar.ts, which the clocks rely on too.
 */

const wallTime = z.string().regex(/^\d{2}:\d{2}$/, 'Use HH:MM, 24-hour');
const interval = z.strictObject({
  start: wallTime.describe('Local time the interval starts, 00:00 to 23:59'),
  end: wallTime.describe('Local time it ends, exclusive; 24:00 for midnight. An interval cannot span midnight'),
});
const day = z.array(interval).max(10);

const workingHours = z
  .strictObject({
    mon: day.optional(),
    tue: day.optional(),
    wed: day.optional(),
    thu: day.optional(),
    fri: day.optional(),
    sat: day.optional(),
    sun: day.optional(),
  })
  .describe('Working intervals per weekday, in local time; a weekday left out is not worked. Absent: the calendar is 24x7');

/** Holidays are copied into every clock counting in the calendar: bounded, so incidents stay small. */
export const MAX_HOLIDAYS = 400;

const holidays = z
  .array(
    z.strictObject({
      date: z.iso.date().describe("A local date in the calendar's time zone; the whole day is not working time"),
      name: z.string().trim().min(1).max(100).optional(),
    }),
  )
  .max(MAX_HOLIDAYS)
  .superRefine((list, ctx) => {
    list.forEach(({ date }, i) => {
      const first = list.findIndex((h) => h.date === date);
      if (first !== i) ctx.addIssue({ code: 'custom', path: [i, 'date'], message: `${date} is listed twice (also at ${first})` });
    });
  })
  .describe(`Only with workingHours; at most ${MAX_HOLIDAYS} (remove past years' when they pile up)`);

const calendarFields = {
  description: description.optional(),
  timeZone: z.string().min(1).max(64).describe('IANA time zone of the working hours and holidays, e.g. `Europe/Berlin`; `UTC` for 24x7'),
  workingHours: workingHours.optional(),
  holidays: holidays.optional(),
};

export const createCalendarBody = z.strictObject({ name: slug, ...calendarFields }).meta({ id: 'CreateCalendar' });
export const replaceCalendarBody = z.strictObject(calendarFields).meta({ id: 'ReplaceCalendar' });

export const calendarSchema = z
  .object({ name: z.string(), ...calendarFields, ...recordMeta })
  .describe('When SLA time counts: the working hours of each weekday and the holidays, in a time zone; 24x7 without working hours');

export const configListQuery = z.strictObject({ limit: limitParam, cursor: cursorParam.optional() });
