import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addBusinessSeconds, businessSecondsBetween, isTwentyFourSeven, validateCalendar } from '../../functions/sla/domain/calendar.ts';
import type { Calendar, WorkingInterval } from '../../functions/sla/domain/types.ts';

const HOUR = 3_600;
const nineToFive: WorkingInterval[] = [{ start: '09:00', end: '17:00' }];
const weekdays = (intervals: WorkingInterval[]) => ({ mon: intervals, tue: intervals, wed: intervals, thu: intervals, fri: intervals });
const everyDay = (intervals: WorkingInterval[]) => ({ ...weekdays(intervals), sat: intervals, sun: intervals });

const twentyFourSeven: Calendar = { name: '24x7', timeZone: 'UTC' };
const berlinOffice: Calendar = { name: 'berlin', timeZone: 'Europe/Berlin', workingHours: weekdays(nineToFive) };
const newYorkOffice: Calendar = { name: 'new-york', timeZone: 'America/New_York', workingHours: weekdays(nineToFive) };
const berlinAllDays: Calendar = { name: 'berlin-days', timeZone: 'Europe/Berlin', workingHours: everyDay([{ start: '00:00', end: '24:00' }]) };
const newYorkAllDays: Calendar = { name: 'ny-days', timeZone: 'America/New_York', workingHours: everyDay([{ start: '00:00', end: '24:00' }]) };
/** Working hours across the small hours, where the clocks change. */
const berlinNightShift: Calendar = { name: 'night', timeZone: 'Europe/Berlin', workingHours: everyDay([{ start: '02:00', end: '04:00' }]) };
const splitShiftWithHolidays: Calendar = {
  name: 'split',
  timeZone: 'Europe/Berlin',
  workingHours: {
    ...weekdays([
      { start: '08:00', end: '12:00' },
      { start: '13:00', end: '17:00' },
    ]),
    sat: [{ start: '10:00', end: '14:00' }],
  },
  holidays: [{ date: '2026-04-03', name: 'Good Friday' }, { date: '2026-04-06' }, { date: '2026-12-25' }, { date: '2026-10-26' }],
};
/** A half-hour offset and interval ends on half hours. */
const kolkata: Calendar = {
  name: 'kolkata',
  timeZone: 'Asia/Kolkata',
  workingHours: { mon: [{ start: '09:30', end: '18:30' }], wed: [{ start: '00:00', end: '24:00' }], sat: [{ start: '22:00', end: '24:00' }] },
};

/**
 * The far ends of the offsets (+14 h, -11 h) and a zone whose clocks change by half an hour
 * (Lord Howe: 2026-04-05 and 2026-10-04): each instant's local date is worked out from remembered
 * per-date offsets, which must agree with the wall clock wherever a date starts.
 */
const kiritimati: Calendar = { name: 'kiritimati', timeZone: 'Pacific/Kiritimati', workingHours: weekdays([{ start: '00:00', end: '02:00' }, ...nineToFive]) };
const pagoPago: Calendar = {
  name: 'pago-pago',
  timeZone: 'Pacific/Pago_Pago',
  workingHours: { ...weekdays(nineToFive), sun: [{ start: '22:00', end: '24:00' }] },
};
const lordHowe: Calendar = { name: 'lord-howe', timeZone: 'Australia/Lord_Howe', workingHours: everyDay([{ start: '01:00', end: '03:00' }, ...nineToFive]) };

const at = (iso: string) => new Date(iso);
const iso = (date: Date) => date.toISOString();

describe('24x7 calendars', () => {
  it('counts every second, holidays or not', () => {
    expect(isTwentyFourSeven(twentyFourSeven)).toBe(true);
    expect(isTwentyFourSeven(berlinAllDays)).toBe(false);
    expect(businessSecondsBetween(twentyFourSeven, at('2026-03-28T00:00:00Z'), at('2026-03-30T00:00:00Z'))).toBe(48 * HOUR);
    expect(iso(addBusinessSeconds(twentyFourSeven, at('2026-03-29T00:30:00.250Z'), 4 * HOUR))).toBe('2026-03-29T04:30:00.250Z');
  });

  it('match wall time', () => {
    fc.assert(
      fc.property(instant2026, fc.integer({ min: -1e9, max: 1e10 }), (from, span) => {
        const to = new Date(from.getTime() + span);
        expect(businessSecondsBetween(twentyFourSeven, from, to)).toBe(Math.max(0, Math.floor(span / 1000)));
      }),
      { numRuns: 200 },
    );
  });
});

describe('working-hours calendars', () => {
  it('8 business hours from an opening end at the closing', () => {
    expect(iso(addBusinessSeconds(berlinOffice, at('2026-03-02T08:00:00Z'), 8 * HOUR))).toBe('2026-03-02T16:00:00.000Z');
  });

  it('4 business days of 8 h from Friday 16:00 end on Thursday 16:00', () => {
    // Friday 2026-02-20 16:00 Berlin (CET, +1): 1 h Friday, 8 h Mon, Tue, Wed, 7 h Thursday.
    expect(iso(addBusinessSeconds(berlinOffice, at('2026-02-20T15:00:00Z'), 32 * HOUR))).toBe('2026-02-26T15:00:00.000Z');
  });

  it('4 business days from Friday 16:00 across the spring change still end on Thursday 16:00 local', () => {
    // Friday 2026-03-27 16:00 CET; the clocks go forward on Sunday; Thursday 16:00 CEST is 14:00Z.
    expect(iso(addBusinessSeconds(berlinOffice, at('2026-03-27T15:00:00Z'), 32 * HOUR))).toBe('2026-04-02T14:00:00.000Z');
  });

  it('starts counting at the next opening when asked outside working time', () => {
    // Saturday 10:00 + 1 h -> Monday 10:00; Friday 18:00 + 1 s -> Monday 09:00:01.
    expect(iso(addBusinessSeconds(berlinOffice, at('2026-03-07T09:00:00Z'), HOUR))).toBe('2026-03-09T09:00:00.000Z');
    expect(iso(addBusinessSeconds(berlinOffice, at('2026-03-06T17:00:00Z'), 1))).toBe('2026-03-09T08:00:01.000Z');
    expect(businessSecondsBetween(berlinOffice, at('2026-03-06T17:00:00Z'), at('2026-03-09T08:00:00Z'))).toBe(0);
  });

  it('adding nothing returns the start, even outside working time', () => {
    expect(iso(addBusinessSeconds(berlinOffice, at('2026-03-07T09:00:00.123Z'), 0))).toBe('2026-03-07T09:00:00.123Z');
  });

  it('skips the lunch break of a split shift', () => {
    // 11:00 CET + 2 h: 1 h to noon, then 13:00-14:00.
    expect(iso(addBusinessSeconds(splitShiftWithHolidays, at('2026-03-03T10:00:00Z'), 2 * HOUR))).toBe('2026-03-03T13:00:00.000Z');
    expect(businessSecondsBetween(splitShiftWithHolidays, at('2026-03-03T00:00:00Z'), at('2026-03-04T00:00:00Z'))).toBe(8 * HOUR);
  });

  it('a Friday holiday moves a due date to Monday', () => {
    const thursday1600 = at('2026-04-02T14:00:00Z');
    const without: Calendar = { ...berlinOffice, holidays: [] };
    const goodFriday: Calendar = { ...berlinOffice, holidays: [{ date: '2026-04-03' }] };
    // Thursday 16:00 + 2 h: 1 h on Thursday, the second from 09:00 on the next working day.
    expect(iso(addBusinessSeconds(without, thursday1600, 2 * HOUR))).toBe('2026-04-03T08:00:00.000Z');
    expect(iso(addBusinessSeconds(goodFriday, thursday1600, 2 * HOUR))).toBe('2026-04-06T08:00:00.000Z');
    expect(businessSecondsBetween(goodFriday, thursday1600, at('2026-04-06T07:00:00Z'))).toBe(HOUR);
  });

  it('a holiday is a whole local date: a split-shift week before Easter', () => {
    // Thu 2026-04-02 (8 h), Fri holiday, Sat 4 h, Sun nothing, Mon holiday, Tue 8 h.
    expect(businessSecondsBetween(splitShiftWithHolidays, at('2026-04-01T22:00:00Z'), at('2026-04-07T22:00:00Z'))).toBe(20 * HOUR);
  });

  it('an interval ending at 24:00 joins the next day starting at 00:00', () => {
    expect(iso(addBusinessSeconds(berlinAllDays, at('2026-03-07T21:00:00Z'), 4 * HOUR))).toBe('2026-03-08T01:00:00.000Z');
    // Saturday 22:00 IST + 3 h: 2 h to midnight, no Sunday, then Monday 09:30-10:30 IST.
    expect(iso(addBusinessSeconds(kolkata, at('2026-03-07T16:30:00Z'), 3 * HOUR))).toBe('2026-03-09T05:00:00.000Z');
    // Tuesday 23:00 IST has no hours; Wednesday runs 00:00-24:00 IST.
    expect(iso(addBusinessSeconds(kolkata, at('2026-03-10T17:30:00Z'), 24 * HOUR))).toBe('2026-03-11T18:30:00.000Z');
  });

  it('reads half-hour offsets', () => {
    // Monday 2026-03-02 09:30-18:30 IST is 04:00Z-13:00Z.
    expect(businessSecondsBetween(kolkata, at('2026-03-02T00:00:00Z'), at('2026-03-02T23:59:59Z'))).toBe(9 * HOUR);
    expect(iso(addBusinessSeconds(kolkata, at('2026-03-02T00:00:00Z'), 1))).toBe('2026-03-02T04:00:01.000Z');
  });
});

describe('clock changes', () => {
  const day = (calendar: Calendar, fromIso: string, toIso: string) => businessSecondsBetween(calendar, at(fromIso), at(toIso)) / HOUR;

  it('Europe/Berlin 2026-03-29 has 23 hours, 2026-10-25 has 25', () => {
    expect(day(berlinAllDays, '2026-03-28T23:00:00Z', '2026-03-29T22:00:00Z')).toBe(23);
    expect(day(berlinAllDays, '2026-10-24T22:00:00Z', '2026-10-25T23:00:00Z')).toBe(25);
    expect(day(berlinAllDays, '2026-03-27T23:00:00Z', '2026-03-31T22:00:00Z')).toBe(4 * 24 - 1);
  });

  it('America/New_York 2026-03-08 has 23 hours, 2026-11-01 has 25', () => {
    expect(day(newYorkAllDays, '2026-03-08T05:00:00Z', '2026-03-09T04:00:00Z')).toBe(23);
    expect(day(newYorkAllDays, '2026-11-01T04:00:00Z', '2026-11-02T05:00:00Z')).toBe(25);
  });

  it('office hours keep their 8 hours and follow local time', () => {
    // Berlin: Friday 09:00 CET (08:00Z) to Monday 17:00 CEST (15:00Z) is two whole days.
    expect(day(berlinOffice, '2026-03-27T08:00:00Z', '2026-03-30T15:00:00Z')).toBe(16);
    expect(iso(addBusinessSeconds(berlinOffice, at('2026-03-27T15:00:00Z'), 2 * HOUR))).toBe('2026-03-30T08:00:00.000Z');
    expect(iso(addBusinessSeconds(berlinOffice, at('2026-10-23T14:00:00Z'), 2 * HOUR))).toBe('2026-10-26T09:00:00.000Z');
    // New York: Friday 16:00 EST + 2 h -> Monday 10:00 EDT; Friday 16:00 EDT + 2 h -> Monday 10:00 EST.
    expect(iso(addBusinessSeconds(newYorkOffice, at('2026-03-06T21:00:00Z'), 2 * HOUR))).toBe('2026-03-09T14:00:00.000Z');
    expect(iso(addBusinessSeconds(newYorkOffice, at('2026-10-30T20:00:00Z'), 2 * HOUR))).toBe('2026-11-02T15:00:00.000Z');
  });

  it('a wall time in the spring gap means the instant after it', () => {
    // 02:00-04:00 on 2026-03-29: 02:00 does not exist; the interval runs from 03:00 CEST (01:00Z).
    expect(day(berlinNightShift, '2026-03-28T12:00:00Z', '2026-03-29T12:00:00Z')).toBe(1);
    expect(iso(addBusinessSeconds(berlinNightShift, at('2026-03-28T12:00:00Z'), 1))).toBe('2026-03-29T01:00:01.000Z');
    const insideTheGap: Calendar = { ...berlinNightShift, workingHours: everyDay([{ start: '02:15', end: '02:45' }]) };
    expect(day(insideTheGap, '2026-03-29T00:00:00Z', '2026-03-30T00:00:00Z')).toBe(0);
    expect(day(insideTheGap, '2026-03-30T00:00:00Z', '2026-03-31T00:00:00Z')).toBe(0.5);
  });

  it('a wall time in the fall-back overlap means the earlier instant', () => {
    // 02:00-04:00 on 2026-10-25: from the first 02:00 (CEST, 00:00Z) to 04:00 CET (03:00Z).
    expect(day(berlinNightShift, '2026-10-24T12:00:00Z', '2026-10-25T12:00:00Z')).toBe(3);
    expect(iso(addBusinessSeconds(berlinNightShift, at('2026-10-24T12:00:00Z'), 1))).toBe('2026-10-25T00:00:01.000Z');
    const endingInTheOverlap: Calendar = { ...berlinNightShift, workingHours: everyDay([{ start: '01:00', end: '02:30' }]) };
    expect(day(endingInTheOverlap, '2026-10-24T12:00:00Z', '2026-10-25T12:00:00Z')).toBe(1.5);
  });
});

describe('guards', () => {
  it('refuses a calendar without any working time', () => {
    const idle: Calendar = { name: 'idle', timeZone: 'UTC', workingHours: { mon: [] } };
    expect(() => addBusinessSeconds(idle, at('2026-03-02T00:00:00Z'), 60)).toThrow(/idle has no working time/);
  });

  it('stops searching after about ten years', () => {
    const mondays = Array.from({ length: 600 }, (_, week) => ({ date: iso(new Date(Date.UTC(2026, 2, 2 + 7 * week))).slice(0, 10) }));
    const mondaysOnly: Calendar = { name: 'mondays', timeZone: 'UTC', workingHours: { mon: nineToFive }, holidays: mondays };
    expect(() => addBusinessSeconds(mondaysOnly, at('2026-03-01T00:00:00Z'), 1)).toThrow(/mondays has no working time within 3660 days/);
    expect(businessSecondsBetween(mondaysOnly, at('2026-03-01T00:00:00Z'), at('2027-03-01T00:00:00Z'))).toBe(0);
  });

  it('refuses to add negative or fractional seconds', () => {
    expect(() => addBusinessSeconds(berlinOffice, at('2026-03-02T00:00:00Z'), -1)).toThrow(RangeError);
    expect(() => addBusinessSeconds(berlinOffice, at('2026-03-02T00:00:00Z'), 1.5)).toThrow(RangeError);
  });

  it('computes five business days ahead well within a millisecond', () => {
    const runs = 500;
    const started = performance.now();
    for (let i = 0; i < runs; i += 1) {
      addBusinessSeconds(berlinOffice, new Date(Date.UTC(2026, 0, 1) + i * 7_919_000), 40 * HOUR);
    }
    expect((performance.now() - started) / runs).toBeLessThan(0.5);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties, against an oracle that knows nothing of wall-time conversion: it reads the local
// wall clock of each quarter hour with its own Intl formatter. Every boundary of these calendars
// and every offset change of these zones falls on a UTC quarter hour, so each quarter is either
// wholly working time or not. (The oracle says "working when the wall clock shows a working
// time", which differs from the earlier-instant rule only for boundaries strictly inside a
// fall-back overlap; none of these calendars has one.)

const QUARTER = 15 * 60_000;
const oracleFormatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAY_KEYS: Record<string, string> = { Mon: 'mon', Tue: 'tue', Wed: 'wed', Thu: 'thu', Fri: 'fri', Sat: 'sat', Sun: 'sun' };

const oracleAnswers = new Map<string, boolean>();

function isWorkingQuarter(calendar: Calendar, quarterStart: number): boolean {
  const key = `${calendar.name}@${quarterStart}`;
  let answer = oracleAnswers.get(key);
  if (answer === undefined) {
    answer = readWallClock(calendar, quarterStart);
    oracleAnswers.set(key, answer);
  }
  return answer;
}

function readWallClock(calendar: Calendar, quarterStart: number): boolean {
  if (calendar.workingHours === undefined) return true;
  let formatter = oracleFormatters.get(calendar.timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-GB', {
      timeZone: calendar.timeZone,
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    oracleFormatters.set(calendar.timeZone, formatter);
  }
  const parts = Object.fromEntries(formatter.formatToParts(quarterStart).map((part) => [part.type, part.value]));
  const date = `${parts.year}-${parts.month}-${parts.day}`;
  if ((calendar.holidays ?? []).some((holiday) => holiday.date === date)) return false;
  const wall = `${parts.hour}:${parts.minute}`;
  const intervals = calendar.workingHours[WEEKDAY_KEYS[parts.weekday!] as keyof typeof calendar.workingHours] ?? [];
  return intervals.some(({ start, end }) => start <= wall && wall < end);
}

function oracleSecondsBetween(calendar: Calendar, from: Date, to: Date): number {
  let total = 0;
  for (let quarter = Math.floor(from.getTime() / QUARTER) * QUARTER; quarter < to.getTime(); quarter += QUARTER) {
    if (!isWorkingQuarter(calendar, quarter)) continue;
    total += Math.min(quarter + QUARTER, to.getTime()) - Math.max(quarter, from.getTime());
  }
  return Math.floor(total / 1000);
}

const CALENDARS = [
  twentyFourSeven,
  berlinOffice,
  newYorkOffice,
  berlinAllDays,
  newYorkAllDays,
  berlinNightShift,
  splitShiftWithHolidays,
  kolkata,
  kiritimati,
  pagoPago,
  lordHowe,
];
const calendarArb = fc.constantFrom(...CALENDARS);
/** Instants of 2026 to the millisecond, biased towards the weeks of the clock changes. */
const instant2026 = fc
  .oneof(
    fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 0, 1) }),
    ...['2026-03-08', '2026-03-29', '2026-10-25', '2026-11-01', '2026-04-03', '2026-04-05', '2026-10-04'].map((day) =>
      fc.integer({ min: Date.parse(`${day}T00:00:00Z`) - 3 * 86_400_000, max: Date.parse(`${day}T00:00:00Z`) + 2 * 86_400_000 }),
    ),
  )
  .map((ms) => new Date(ms));
const wholeSecond = instant2026.map((date) => new Date(Math.floor(date.getTime() / 1000) * 1000));
const businessSeconds = fc.oneof(fc.integer({ min: 0, max: 90 }), fc.integer({ min: 0, max: 60 * HOUR }));

describe('business time properties', () => {
  it('businessSecondsBetween agrees with a quarter-hour oracle', () => {
    fc.assert(
      fc.property(calendarArb, instant2026, fc.integer({ min: 0, max: 2 * 86_400_000 }), (calendar, from, span) => {
        const to = new Date(from.getTime() + span);
        expect(businessSecondsBetween(calendar, from, to)).toBe(oracleSecondsBetween(calendar, from, to));
      }),
      { numRuns: 200 },
    );
  });

  it('addBusinessSeconds and businessSecondsBetween are inverse', () => {
    fc.assert(
      fc.property(calendarArb, instant2026, businessSeconds, (calendar, from, seconds) => {
        const due = addBusinessSeconds(calendar, from, seconds);
        expect(due.getTime()).toBeGreaterThanOrEqual(from.getTime());
        expect(businessSecondsBetween(calendar, from, due)).toBe(seconds);
      }),
      { numRuns: 200 },
    );
  });

  it('addBusinessSeconds gives the earliest such instant', () => {
    fc.assert(
      fc.property(
        calendarArb,
        instant2026,
        businessSeconds.filter((s) => s > 0),
        (calendar, from, seconds) => {
          const due = addBusinessSeconds(calendar, from, seconds);
          expect(businessSecondsBetween(calendar, from, new Date(due.getTime() - 1))).toBe(seconds - 1);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('from outside working time, the whole counted time is working time', () => {
    fc.assert(
      fc.property(
        calendarArb,
        wholeSecond,
        businessSeconds.filter((s) => s > 0),
        (calendar, from, seconds) => {
          const due = addBusinessSeconds(calendar, from, seconds);
          // The last second before the due instant was working time: no due date lands after a closing.
          expect(businessSecondsBetween(calendar, new Date(due.getTime() - 1000), due)).toBe(1);
          expect(isWorkingQuarter(calendar, Math.floor((due.getTime() - 1000) / QUARTER) * QUARTER)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('businessSecondsBetween is additive over split points (whole seconds)', () => {
    fc.assert(
      fc.property(calendarArb, wholeSecond, fc.nat({ max: 4 * 86_400 }), fc.nat({ max: 4 * 86_400 }), (calendar, a, first, second) => {
        const b = new Date(a.getTime() + first * 1000);
        const c = new Date(b.getTime() + second * 1000);
        expect(businessSecondsBetween(calendar, a, c)).toBe(businessSecondsBetween(calendar, a, b) + businessSecondsBetween(calendar, b, c));
      }),
      { numRuns: 200 },
    );
  });

  it('never counts more than wall time, and nothing backwards', () => {
    fc.assert(
      fc.property(calendarArb, instant2026, instant2026, (calendar, from, to) => {
        const counted = businessSecondsBetween(calendar, from, to);
        if (to <= from) expect(counted).toBe(0);
        else expect(counted).toBeLessThanOrEqual(Math.floor((to.getTime() - from.getTime()) / 1000));
      }),
      { numRuns: 200 },
    );
  });

  it('due dates are monotone in the target', () => {
    fc.assert(
      fc.property(calendarArb, instant2026, businessSeconds, businessSeconds, (calendar, from, x, y) => {
        const [shorter, longer] = x <= y ? [x, y] : [y, x];
        expect(addBusinessSeconds(calendar, from, shorter).getTime()).toBeLessThanOrEqual(addBusinessSeconds(calendar, from, longer).getTime());
      }),
      { numRuns: 200 },
    );
  });

  it('adding in two steps is adding once', () => {
    fc.assert(
      fc.property(calendarArb, wholeSecond, businessSeconds, businessSeconds, (calendar, from, x, y) => {
        const inTwo = addBusinessSeconds(calendar, addBusinessSeconds(calendar, from, x), y);
        // Equal unless the first step ended at a closing: then the second starts at the next opening.
        expect(businessSecondsBetween(calendar, from, inTwo)).toBe(x + y);
        expect(inTwo.getTime()).toBeGreaterThanOrEqual(addBusinessSeconds(calendar, from, x + y).getTime());
        if (y > 0) expect(inTwo.getTime()).toBe(addBusinessSeconds(calendar, from, x + y).getTime());
      }),
      { numRuns: 200 },
    );
  });
});

describe('validateCalendar', () => {
  it('accepts valid calendars', () => {
    for (const calendar of CALENDARS) expect(validateCalendar(calendar)).toEqual([]);
    expect(validateCalendar({ name: 'empty holidays', timeZone: 'UTC', holidays: [] })).toEqual([]);
  });

  it('names each violation with the path of its field', () => {
    const violations = validateCalendar({
      name: 'broken',
      timeZone: 'Mars/Olympus_Mons',
      workingHours: {
        mon: [{ start: '9:00', end: '17:00' }],
        tue: [{ start: '17:00', end: '09:00' }],
        wed: [
          { start: '08:00', end: '12:00' },
          { start: '11:00', end: '13:00' },
        ],
        thu: [{ start: '24:00', end: '24:30' }],
        fri: [{ start: '00:00', end: '24:00' }],
      },
      holidays: [{ date: '2026-02-30' }, { date: '26-12-25' }],
    });
    expect(violations.map((violation) => violation.path)).toEqual([
      ['timeZone'],
      ['workingHours', 'mon', 0, 'start'],
      ['workingHours', 'tue', 0],
      ['workingHours', 'wed', 1],
      ['workingHours', 'thu', 0, 'start'],
      ['workingHours', 'thu', 0, 'end'],
      ['holidays', 0, 'date'],
      ['holidays', 1, 'date'],
    ]);
    expect(violations[0]!.message).toContain('Mars/Olympus_Mons');
    expect(violations[3]!.message).toMatch(/overlaps interval 0 of wed/i);
  });

  it('refuses a week without working time', () => {
    expect(validateCalendar({ name: 'idle', timeZone: 'UTC', workingHours: {} })).toEqual([
      { path: ['workingHours'], message: expect.stringMatching(/no working time/) },
    ]);
    expect(validateCalendar({ name: 'idle', timeZone: 'UTC', workingHours: { mon: [], sun: [] } })).toHaveLength(1);
  });

  it('refuses holidays on a 24x7 calendar and unknown weekdays', () => {
    expect(validateCalendar({ name: 'x', timeZone: 'UTC', holidays: [{ date: '2026-12-25' }] })).toEqual([
      { path: ['holidays'], message: expect.stringMatching(/24x7/) },
    ]);
    const withTypo = { name: 'x', timeZone: 'UTC', workingHours: { monday: nineToFive, tue: nineToFive } } as unknown as Calendar;
    expect(validateCalendar(withTypo)).toEqual([{ path: ['workingHours', 'monday'], message: expect.stringMatching(/not a weekday/) }]);
  });

  it('accepts touching intervals and 24:00 as an end only', () => {
    expect(
      validateCalendar({
        name: 'x',
        timeZone: 'UTC',
        workingHours: {
          mon: [
            { start: '12:00', end: '24:00' },
            { start: '00:00', end: '12:00' },
          ],
        },
      }),
    ).toEqual([]);
  });
});
