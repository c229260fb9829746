import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addBusinessSeconds, businessSecondsBetween } from '../../functions/sla/domain/calendar.ts';
import {
  advanceClock,
  cancelClock,
  clockView,
  pauseClock,
  recordThreshold,
  reopenClock,
  resumeClock,
  retargetClock,
  startClock,
  stopClock,
  type ThresholdRecording,
  thresholdInstant,
  timersFor,
} from '../../functions/sla/domain/clock.ts';
import { parseDuration } from '../../functions/sla/domain/duration.ts';
import type { Calendar, SlaClock, SlaPolicy, WorkingInterval } from '../../functions/sla/domain/types.ts';

const HOUR = 3_600;
const nineToFive: WorkingInterval[] = [{ start: '09:00', end: '17:00' }];
const twentyFourSeven: Calendar = { name: '24x7', timeZone: 'UTC' };
const berlinOffice: Calendar = {
  name: 'berlin',
  timeZone: 'Europe/Berlin',
  workingHours: { mon: nineToFive, tue: nineToFive, wed: nineToFive, thu: nineToFive, fri: nineToFive },
};
const newYorkNights: Calendar = {
  name: 'ny-nights',
  timeZone: 'America/New_York',
  workingHours: Object.fromEntries(
    ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => [
      day,
      [
        { start: '00:00', end: '03:00' },
        { start: '20:00', end: '24:00' },
      ],
    ]),
  ),
};

const policy = (name: string, resolution: string, extra: Partial<SlaPolicy> = {}): SlaPolicy => ({
  name,
  appliesTo: {},
  targets: { response: 'PT1H', resolution },
  calendar: '24x7',
  pauseOn: ['on_hold'],
  warnings: [50, 75],
  ...extra,
});
const p3 = policy('p3', 'PT8H');
const p1 = policy('p1', 'PT4H', { warnings: [50, 75, 90], pauseOn: [] });

const at = (iso: string) => new Date(iso);
const start = (calendar = twentyFourSeven, when = '2026-03-02T09:00:00Z', chosen = p3) =>
  startClock({ policy: chosen, calendar, clock: 'resolution', at: at(when) });
/** A clock's counters in hours, for readable assertions. */
const counters = (clock: SlaClock) => ({ elapsed: clock.elapsedSeconds / HOUR, paused: clock.pausedSeconds / HOUR });

function recorded(result: ThresholdRecording) {
  if (result.outcome !== 'recorded') throw new Error(`expected recorded, got ${result.outcome}`);
  return result;
}

describe('startClock', () => {
  it('starts running at the whole second, with the policy copied', () => {
    expect(startClock({ policy: p3, calendar: twentyFourSeven, clock: 'resolution', at: at('2026-03-02T09:00:00.750Z') })).toEqual({
      policy: 'p3',
      calendar: twentyFourSeven,
      target: 'PT8H',
      targetSeconds: 8 * HOUR,
      warnings: [50, 75],
      pauseOn: ['on_hold'],
      status: 'running',
      startedAt: '2026-03-02T09:00:00.000Z',
      elapsedSeconds: 0,
      pausedSeconds: 0,
      since: '2026-03-02T09:00:00.000Z',
      thresholdsCrossed: [],
      timerVersion: 1,
    });
    expect(start().target).toBe('PT8H');
    expect(startClock({ policy: p3, calendar: twentyFourSeven, clock: 'response', at: at('2026-03-02T09:00:00Z') }).targetSeconds).toBe(HOUR);
  });

  it('refuses a policy without a valid target for the clock', () => {
    const noResponse = policy('x', 'PT8H', { targets: { resolution: 'PT8H' } });
    expect(() => startClock({ policy: noResponse, calendar: twentyFourSeven, clock: 'response', at: new Date() })).toThrow(/x has no response target/);
    expect(() => start(twentyFourSeven, '2026-03-02T09:00:00Z', policy('y', 'P1M'))).toThrow(/invalid resolution target: P1M/);
  });

  it('a zero target is breached from the start', () => {
    const clock = start(twentyFourSeven, '2026-03-02T09:00:00Z', policy('zero', 'PT0S'));
    expect(clock.breachedAt).toBe('2026-03-02T09:00:00.000Z');
    expect(clockView(clock, at('2026-03-02T09:00:00Z'))).toMatchObject({ state: 'breached', percentage: 100, dueAt: '2026-03-02T09:00:00.000Z' });
    // Every threshold is due at once, so the breach is still recorded, told and escalated.
    expect(timersFor(clock, 'resolution').map((t) => [t.threshold, t.at])).toEqual([50, 75, 100].map((t) => [t, '2026-03-02T09:00:00.000Z']));
  });
});

describe('advancing, pausing, resuming', () => {
  it('counts running time as elapsed and paused time as paused', () => {
    const running = advanceClock(start(), at('2026-03-02T11:00:00Z'));
    expect(counters(running)).toEqual({ elapsed: 2, paused: 0 });
    expect(running.since).toBe('2026-03-02T11:00:00.000Z');
    const paused = pauseClock(running, at('2026-03-02T12:00:00Z'));
    expect(counters(advanceClock(paused, at('2026-03-02T15:30:00Z')))).toEqual({ elapsed: 3, paused: 3.5 });
    expect(running.timerVersion).toBe(1); // advancing alone moves no timer
  });

  it('never moves backwards', () => {
    const clock = advanceClock(start(), at('2026-03-02T11:00:00Z'));
    expect(advanceClock(clock, at('2026-03-02T10:00:00Z'))).toEqual(clock);
  });

  it('counts only business time on a working-hours calendar', () => {
    // Friday 16:00 CET to Monday 11:00 CET: 1 h Friday, 2 h Monday.
    const clock = advanceClock(start(berlinOffice, '2026-03-06T15:00:00Z'), at('2026-03-09T10:00:00Z'));
    expect(counters(clock)).toEqual({ elapsed: 3, paused: 0 });
  });

  it('pause and resume move the timers; repeating them changes nothing', () => {
    const paused = pauseClock(start(), at('2026-03-02T10:00:00Z'));
    expect(paused).toMatchObject({ status: 'paused', timerVersion: 2, since: '2026-03-02T10:00:00.000Z' });
    expect(pauseClock(paused, at('2026-03-02T11:00:00Z'))).toBe(paused);
    const resumed = resumeClock(paused, at('2026-03-02T11:00:00Z'));
    expect(resumed).toMatchObject({ status: 'running', timerVersion: 3 });
    expect(counters(resumed)).toEqual({ elapsed: 1, paused: 1 });
    expect(resumeClock(resumed, at('2026-03-02T12:00:00Z'))).toBe(resumed);
  });
});

describe('stopping', () => {
  it('is met when stopped before the target', () => {
    const stopped = stopClock(start(), at('2026-03-02T12:00:00.900Z'));
    expect(stopped).toMatchObject({ status: 'stopped', stoppedAt: '2026-03-02T12:00:00.000Z', elapsedSeconds: 3 * HOUR, timerVersion: 2 });
    expect(stopped.breachedAt).toBeUndefined();
    expect(clockView(stopped, at('2026-03-09T00:00:00Z'))).toMatchObject({ state: 'met', dueAt: null, breachedAt: null, elapsed: 'PT3H' });
  });

  it('is breached when the target was reached, with the exact instant even across a pause', () => {
    let clock = pauseClock(start(), at('2026-03-02T12:00:00Z'));
    clock = resumeClock(clock, at('2026-03-02T14:00:00Z'));
    clock = stopClock(clock, at('2026-03-02T20:00:00Z'));
    expect(clock.breachedAt).toBe('2026-03-02T19:00:00.000Z');
    expect(clockView(clock, at('2026-03-03T00:00:00Z'))).toMatchObject({
      state: 'breached',
      dueAt: '2026-03-02T19:00:00.000Z',
      breachedAt: '2026-03-02T19:00:00.000Z',
      elapsed: 'PT9H',
      pausedFor: 'PT2H',
      percentage: 112.5,
    });
  });

  it('finds the breach instant in business time', () => {
    // Friday 16:00 CET, 4 business hours: 1 h Friday, 3 h Monday -> breached Monday 12:00 CET.
    const clock = stopClock(start(berlinOffice, '2026-03-06T15:00:00Z', policy('p', 'PT4H')), at('2026-03-09T14:00:00Z'));
    expect(clock).toMatchObject({ breachedAt: '2026-03-09T11:00:00.000Z', elapsedSeconds: 7 * HOUR });
  });

  it('reaching the target exactly is a breach: the target is the due instant', () => {
    const clock = stopClock(start(), at('2026-03-02T17:00:00Z'));
    expect(clock.breachedAt).toBe('2026-03-02T17:00:00.000Z');
    expect(clockView(clock, at('2026-03-02T17:00:00Z')).state).toBe('breached');
    expect(clockView(stopClock(start(), at('2026-03-02T16:59:59Z')), at('2026-03-02T17:00:00Z')).state).toBe('met');
  });

  it('a stopped clock ignores everything but a reopen', () => {
    const stopped = stopClock(start(), at('2026-03-02T12:00:00Z'));
    for (const move of [advanceClock, pauseClock, resumeClock, stopClock, cancelClock]) {
      expect(move(stopped, at('2026-03-03T12:00:00Z'))).toBe(stopped);
    }
    expect(retargetClock(stopped, { policy: p1, calendar: twentyFourSeven, clock: 'resolution', at: at('2026-03-03T12:00:00Z') })).toBe(stopped);
  });
});

describe('canceling', () => {
  it('stops the clock for good, with no outcome', () => {
    const canceled = cancelClock(pauseClock(start(), at('2026-03-02T10:00:00Z')), at('2026-03-02T11:00:00Z'));
    expect(canceled).toMatchObject({ status: 'canceled', stoppedAt: '2026-03-02T11:00:00.000Z', elapsedSeconds: HOUR, pausedSeconds: HOUR, timerVersion: 3 });
    expect(clockView(canceled, at('2026-03-05T00:00:00Z'))).toMatchObject({ state: 'canceled', dueAt: null, elapsed: 'PT1H' });
    expect(timersFor(canceled, 'resolution')).toEqual([]);
    expect(reopenClock(canceled, at('2026-03-03T00:00:00Z'))).toBe(canceled);
  });
});

describe('reopening', () => {
  it('counts the time spent resolved as paused, and runs on', () => {
    const stopped = stopClock(start(), at('2026-03-02T11:00:00Z'));
    const reopened = reopenClock(stopped, at('2026-03-03T09:00:00Z'));
    expect(reopened).toMatchObject({ status: 'running', since: '2026-03-03T09:00:00.000Z', timerVersion: 3 });
    expect(reopened.stoppedAt).toBeUndefined();
    expect(counters(reopened)).toEqual({ elapsed: 2, paused: 22 });
    expect(clockView(reopened, at('2026-03-03T10:00:00Z'))).toMatchObject({
      state: 'running',
      elapsed: 'PT3H',
      pausedFor: 'PT22H',
      dueAt: '2026-03-03T15:00:00.000Z',
    });
  });

  it('counts only business time resolved as paused', () => {
    // Resolved Friday 16:00 CET, reopened Monday 10:00 CET: 1 h + 1 h of working time passed.
    const reopened = reopenClock(stopClock(start(berlinOffice, '2026-03-06T14:00:00Z'), at('2026-03-06T15:00:00Z')), at('2026-03-09T09:00:00Z'));
    expect(counters(reopened)).toEqual({ elapsed: 1, paused: 2 });
  });

  it('keeps a breach', () => {
    const breached = stopClock(start(), at('2026-03-02T18:00:00Z'));
    const reopened = reopenClock(breached, at('2026-03-02T19:00:00Z'));
    expect(reopened.breachedAt).toBe('2026-03-02T17:00:00.000Z');
    expect(clockView(reopened, at('2026-03-02T19:30:00Z'))).toMatchObject({ state: 'breached', dueAt: '2026-03-02T17:00:00.000Z' });
  });
});

describe('retargeting', () => {
  const retarget = (clock: SlaClock, chosen: SlaPolicy, when: string, calendar = twentyFourSeven) =>
    retargetClock(clock, { policy: chosen, calendar, clock: 'resolution', at: at(when) });

  it('keeps elapsed and paused time and takes the new target, warnings and pause rules', () => {
    let clock = resumeClock(pauseClock(start(), at('2026-03-02T11:00:00Z')), at('2026-03-02T12:00:00Z'));
    clock = retarget(clock, p1, '2026-03-02T13:00:00Z');
    expect(clock).toMatchObject({
      policy: 'p1',
      target: 'PT4H',
      targetSeconds: 4 * HOUR,
      warnings: [50, 75, 90],
      pauseOn: [],
      status: 'running',
      elapsedSeconds: 3 * HOUR,
      pausedSeconds: HOUR,
      since: '2026-03-02T13:00:00.000Z',
      thresholdsCrossed: [],
      timerVersion: 4,
    });
    expect(clock.breachedAt).toBeUndefined();
    // 50 % and 75 % of the new target are behind: never recorded, so due at once.
    expect(timersFor(clock, 'resolution')).toEqual([
      { clock: 'resolution', threshold: 50, at: '2026-03-02T13:00:00.000Z', timerVersion: 4 },
      { clock: 'resolution', threshold: 75, at: '2026-03-02T13:00:00.000Z', timerVersion: 4 },
      { clock: 'resolution', threshold: 90, at: '2026-03-02T13:36:00.000Z', timerVersion: 4 },
      { clock: 'resolution', threshold: 100, at: '2026-03-02T14:00:00.000Z', timerVersion: 4 },
    ]);
  });

  it('finds the exact breach when the new target was passed while running', () => {
    const clock = retarget(start(), policy('short', 'PT2H'), '2026-03-02T12:00:00Z');
    expect(clock).toMatchObject({ breachedAt: '2026-03-02T11:00:00.000Z', thresholdsCrossed: [] });
    expect(timersFor(clock, 'resolution').map((t) => [t.threshold, t.at])).toEqual([50, 75, 100].map((t) => [t, '2026-03-02T12:00:00.000Z']));
    expect(clockView(clock, at('2026-03-02T12:00:00Z'))).toMatchObject({ state: 'breached', dueAt: '2026-03-02T11:00:00.000Z' });
  });

  it('dates the breach at the retargeting when the target was passed before the last change', () => {
    const paused = pauseClock(start(), at('2026-03-02T12:00:00Z'));
    const clock = retarget(paused, policy('short', 'PT2H'), '2026-03-02T13:00:00Z');
    expect(clock).toMatchObject({ status: 'paused', breachedAt: '2026-03-02T13:00:00.000Z', pausedSeconds: HOUR });
  });

  it('clears a breach the new target no longer sees', () => {
    const breached = advanceClock(start(twentyFourSeven, '2026-03-02T09:00:00Z', policy('tight', 'PT1H')), at('2026-03-02T12:00:00Z'));
    expect(breached.breachedAt).toBe('2026-03-02T10:00:00.000Z');
    const clock = retarget(breached, p3, '2026-03-02T12:00:00Z');
    expect(clock.breachedAt).toBeUndefined();
    expect(clock.thresholdsCrossed).toEqual([]);
    expect(clockView(clock, at('2026-03-02T12:00:00Z'))).toMatchObject({ state: 'running', dueAt: '2026-03-02T17:00:00.000Z', percentage: 37.5 });
  });

  it('counts under the old calendar up to the change and the new one after', () => {
    // 24x7 from Friday 09:00 to 16:00 CET (7 h), then Berlin office hours: 1 h Friday, 1 h Monday.
    const clock = retarget(start(twentyFourSeven, '2026-03-06T08:00:00Z'), policy('office', 'PT40H'), '2026-03-06T15:00:00Z', berlinOffice);
    expect(clock.calendar).toBe(berlinOffice);
    expect(counters(advanceClock(clock, at('2026-03-09T09:00:00Z')))).toEqual({ elapsed: 9, paused: 0 });
  });
});

describe('thresholds', () => {
  it('come at their business instants', () => {
    const clock = start();
    expect([50, 75, 100].map((percent) => thresholdInstant(clock, percent)?.toISOString())).toEqual([
      '2026-03-02T13:00:00.000Z',
      '2026-03-02T15:00:00.000Z',
      '2026-03-02T17:00:00.000Z',
    ]);
    // Friday 16:00 CET + 4 of 8 business hours -> Monday 12:00 CET.
    expect(thresholdInstant(start(berlinOffice, '2026-03-06T15:00:00Z'), 50)?.toISOString()).toBe('2026-03-09T11:00:00.000Z');
  });

  it('round up to a whole second', () => {
    // 75 % of 63 s is 47.25 s.
    expect(thresholdInstant(start(twentyFourSeven, '2026-03-02T09:00:00Z', policy('s', 'PT63S')), 75)?.toISOString()).toBe('2026-03-02T09:00:48.000Z');
  });

  it('have no instant ahead once reached or while not running', () => {
    expect(thresholdInstant(advanceClock(start(), at('2026-03-02T13:00:00Z')), 50)).toBeUndefined();
    expect(thresholdInstant(pauseClock(start(), at('2026-03-02T10:00:00Z')), 75)).toBeUndefined();
  });
});

describe('recordThreshold', () => {
  const clock = start();
  const fifty = { threshold: 50, timerVersion: 1 };

  it('records the threshold at its exact instant, however late the timer', () => {
    const result = recorded(recordThreshold(clock, fifty, at('2026-03-02T13:00:30Z')));
    expect(result).toMatchObject({ crossedAt: '2026-03-02T13:00:00.000Z', recorded: [50] });
    expect(result.clock).toEqual({ ...clock, thresholdsCrossed: [50] });
  });

  it('records lower thresholds it finds missing, and the breach instant at 100', () => {
    const result = recorded(recordThreshold(clock, { threshold: 100, timerVersion: 1 }, at('2026-03-02T17:00:00Z')));
    expect(result.recorded).toEqual([50, 75, 100]);
    expect(result.clock).toMatchObject({ thresholdsCrossed: [50, 75, 100], breachedAt: '2026-03-02T17:00:00.000Z', timerVersion: 1 });
  });

  it('says already for a threshold recorded before', () => {
    const once = recorded(recordThreshold(clock, fifty, at('2026-03-02T13:00:00Z'))).clock;
    expect(recordThreshold(once, fifty, at('2026-03-02T13:00:01Z'))).toEqual({ outcome: 'already' });
  });

  it('says stale when the clock changed since the timer was set, or does not run', () => {
    expect(recordThreshold(clock, { threshold: 50, timerVersion: 0 }, at('2026-03-02T13:00:00Z'))).toEqual({ outcome: 'stale' });
    const paused = pauseClock(clock, at('2026-03-02T12:00:00Z'));
    expect(recordThreshold(paused, { threshold: 50, timerVersion: paused.timerVersion }, at('2026-03-02T13:00:00Z'))).toEqual({ outcome: 'stale' });
    expect(recordThreshold(clock, { threshold: 90, timerVersion: 1 }, at('2026-03-02T17:00:00Z'))).toEqual({ outcome: 'stale' });
  });

  it('says early more than 5 s before the instant', () => {
    expect(recordThreshold(clock, fifty, at('2026-03-02T12:59:54.999Z'))).toEqual({ outcome: 'early' });
    expect(recordThreshold(clock, fifty, at('2026-03-02T12:59:55Z')).outcome).toBe('recorded');
  });
});

describe('clockView', () => {
  it('shows a running clock live', () => {
    expect(clockView(start(), at('2026-03-02T14:00:00.600Z'))).toEqual({
      state: 'running',
      policy: 'p3',
      calendar: '24x7',
      target: 'PT8H',
      startedAt: '2026-03-02T09:00:00.000Z',
      dueAt: '2026-03-02T17:00:00.000Z',
      elapsed: 'PT5H',
      pausedFor: 'PT0S',
      percentage: 62.5,
      breachedAt: null,
      stoppedAt: null,
      thresholdsCrossed: [50],
    });
  });

  it('never shows 100 % before the target is reached', () => {
    expect(clockView(start(), at('2026-03-02T16:59:59Z'))).toMatchObject({ state: 'running', percentage: 99.9, thresholdsCrossed: [50, 75] });
    expect(clockView(start(), at('2026-03-02T17:00:00Z'))).toMatchObject({ state: 'breached', percentage: 100, thresholdsCrossed: [50, 75, 100] });
  });

  it('shows a breach without waiting for its timer', () => {
    expect(clockView(start(), at('2026-03-02T18:00:00Z'))).toMatchObject({
      state: 'breached',
      dueAt: '2026-03-02T17:00:00.000Z',
      breachedAt: '2026-03-02T17:00:00.000Z',
      percentage: 112.5,
    });
  });

  it('shows a paused clock without a due date', () => {
    const paused = pauseClock(start(), at('2026-03-02T10:00:00Z'));
    expect(clockView(paused, at('2026-03-02T12:00:00Z'))).toMatchObject({ state: 'paused', dueAt: null, elapsed: 'PT1H', pausedFor: 'PT2H' });
  });

  it('leaves the clock as it was', () => {
    const clock = pauseClock(start(), at('2026-03-02T10:00:00Z'));
    const copy = structuredClone(clock);
    clockView(clock, at('2026-03-04T00:00:00Z'));
    expect(clock).toEqual(copy);
  });
});

describe('timersFor', () => {
  it('sets one timer per threshold ahead of a running clock', () => {
    expect(timersFor(start(), 'response')).toEqual([
      { clock: 'response', threshold: 50, at: '2026-03-02T13:00:00.000Z', timerVersion: 1 },
      { clock: 'response', threshold: 75, at: '2026-03-02T15:00:00.000Z', timerVersion: 1 },
      { clock: 'response', threshold: 100, at: '2026-03-02T17:00:00.000Z', timerVersion: 1 },
    ]);
  });

  it('moves the timers by the pause, and none while paused', () => {
    const paused = pauseClock(start(), at('2026-03-02T14:00:00Z'));
    expect(timersFor(paused, 'resolution')).toEqual([]);
    // 50 % was reached before the pause and its timer (in this test) never fired: due at once.
    expect(timersFor(resumeClock(paused, at('2026-03-02T15:00:00Z')), 'resolution')).toEqual([
      { clock: 'resolution', threshold: 50, at: '2026-03-02T15:00:00.000Z', timerVersion: 3 },
      { clock: 'resolution', threshold: 75, at: '2026-03-02T16:00:00.000Z', timerVersion: 3 },
      { clock: 'resolution', threshold: 100, at: '2026-03-02T18:00:00.000Z', timerVersion: 3 },
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties over random histories of a clock.

type Move = 'advance' | 'pause' | 'resume' | 'stop' | 'reopen' | 'cancel';
const MOVES: Record<Move, (clock: SlaClock, when: Date) => SlaClock> = {
  advance: advanceClock,
  pause: pauseClock,
  resume: resumeClock,
  stop: stopClock,
  reopen: reopenClock,
  cancel: cancelClock,
};
const TIMING_MOVES: Move[] = ['pause', 'resume', 'stop', 'reopen', 'cancel'];

const historyArb = fc.record({
  calendar: fc.constantFrom(twentyFourSeven, berlinOffice, newYorkNights),
  start: fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2026, 11, 1) }),
  target: fc.integer({ min: 1, max: 30 * HOUR }),
  steps: fc.array(
    fc.record({
      move: fc.constantFrom<Move>('advance', 'pause', 'resume', 'pause', 'resume', 'stop', 'reopen', 'cancel'),
      after: fc.integer({ min: 0, max: 2 * 86_400_000 }),
    }),
    { maxLength: 12 },
  ),
});
type History = typeof historyArb extends fc.Arbitrary<infer T> ? T : never;

/** Plays a history; `visit` sees every clock with the instant it was reached, the start included. */
function play(history: History, visit: (clock: SlaClock, when: Date, previous?: SlaClock, move?: Move) => void, target = history.target): SlaClock {
  let when = new Date(history.start);
  let clock = start(history.calendar, when.toISOString(), policy('p', `PT${target}S`));
  visit(clock, when);
  for (const step of history.steps) {
    when = new Date(when.getTime() + step.after);
    const next = MOVES[step.move](clock, when);
    visit(next, when, clock, step.move);
    clock = next;
  }
  return clock;
}

/** The instant a history reaches the target, walked independently over its running stretches. */
function modelBreach(history: History): string | undefined {
  const transitions: Partial<Record<Move, Partial<Record<SlaClock['status'], SlaClock['status']>>>> = {
    pause: { running: 'paused' },
    resume: { paused: 'running' },
    stop: { running: 'stopped', paused: 'stopped' },
    reopen: { stopped: 'running' },
    cancel: { running: 'canceled', paused: 'canceled' },
  };
  const second = (ms: number) => new Date(Math.floor(ms / 1000) * 1000);
  let raw = history.start;
  let status: SlaClock['status'] = 'running';
  let elapsed = 0;
  for (const step of history.steps) {
    const [from, to] = [second(raw), second(raw + step.after)];
    if (status === 'running') {
      const stretch = businessSecondsBetween(history.calendar, from, to);
      if (elapsed + stretch >= history.target) return addBusinessSeconds(history.calendar, from, history.target - elapsed).toISOString();
      elapsed += stretch;
    }
    status = transitions[step.move]?.[status] ?? status;
    raw += step.after;
  }
  return undefined;
}

describe('clock properties', () => {
  it('no move ever reduces elapsed time, and timing moves bump the timer version', () => {
    fc.assert(
      fc.property(historyArb, (history) => {
        play(history, (clock, when, previous, move) => {
          if (previous === undefined || move === undefined) return;
          expect(clock.elapsedSeconds).toBeGreaterThanOrEqual(previous.elapsedSeconds);
          expect(clock.pausedSeconds).toBeGreaterThanOrEqual(previous.pausedSeconds);
          expect(parseDuration(clockView(clock, when).elapsed)).toBeGreaterThanOrEqual(parseDuration(clockView(previous, when).elapsed)!);
          if (move === 'pause') expect(clock.elapsedSeconds).toBe(advanceClock(previous, when).elapsedSeconds);
          const expectedVersion = TIMING_MOVES.includes(move) && clock !== previous ? previous.timerVersion + 1 : previous.timerVersion;
          expect(clock.timerVersion).toBe(expectedVersion);
        });
      }),
      { numRuns: 120 },
    );
  });

  it('elapsed + paused is exactly the business time since the start (the wall time on 24x7)', () => {
    fc.assert(
      fc.property(historyArb, (history) => {
        play(history, (clock) => {
          const sinceStart = businessSecondsBetween(clock.calendar, new Date(clock.startedAt), new Date(clock.since));
          expect(clock.elapsedSeconds + clock.pausedSeconds).toBe(sinceStart);
          if (clock.calendar === twentyFourSeven) expect(sinceStart).toBe((Date.parse(clock.since) - Date.parse(clock.startedAt)) / 1000);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('breachedAt is the instant the running stretches reached the target, and only then', () => {
    fc.assert(
      fc.property(historyArb, (history) => {
        let last = new Date(history.start);
        const final = play(history, (clock, when) => {
          expect(clock.breachedAt !== undefined).toBe(clock.elapsedSeconds >= clock.targetSeconds);
          last = when;
        });
        // Counters move lazily: bring them to the last instant of the history.
        expect(advanceClock(final, last).breachedAt).toBe(modelBreach(history));
      }),
      { numRuns: 200 },
    );
  });

  it('due dates are monotone in the target', () => {
    fc.assert(
      fc.property(historyArb, fc.integer({ min: 0, max: 10 * HOUR }), (history, more) => {
        const shorter = play(history, () => {});
        const longer = play(history, () => {}, history.target + more);
        const now = new Date(Date.parse(shorter.since) + 1000);
        const [a, b] = [clockView(shorter, now).dueAt, clockView(longer, now).dueAt];
        if (shorter.status === 'running') expect(Date.parse(a!)).toBeLessThanOrEqual(Date.parse(b!));
        else if (shorter.status === 'paused') expect([a, b]).toEqual([null, null]);
      }),
      { numRuns: 200 },
    );
  });

  it('each timer fires exactly when the view first shows its threshold, and records at its instant', () => {
    fc.assert(
      fc.property(historyArb, (history) => {
        const clock = play(history, () => {});
        const timers = timersFor(clock, 'resolution');
        if (clock.status !== 'running') expect(timers).toEqual([]);
        for (const timer of timers) {
          const instant = new Date(timer.at);
          expect(clock.thresholdsCrossed).not.toContain(timer.threshold);
          // A threshold already reached and never recorded is due at once; any other, at the
          // instant the view first shows it.
          const overdue = timer.at === clock.since && clockView(clock, instant).thresholdsCrossed.includes(timer.threshold);
          if (overdue) continue;
          expect(clockView(clock, new Date(instant.getTime() - 1000)).thresholdsCrossed).not.toContain(timer.threshold);
          expect(clockView(clock, instant).thresholdsCrossed).toContain(timer.threshold);
          const result = recorded(recordThreshold(clock, timer, instant));
          expect(result.crossedAt).toBe(timer.at);
          expect(result.clock.timerVersion).toBe(clock.timerVersion);
          if (timer.threshold === 100) expect(result.clock.breachedAt).toBe(timer.at);
        }
        expect(timers.map((timer) => timer.at)).toEqual([...timers.map((timer) => timer.at)].sort());
      }),
      { numRuns: 200 },
    );
  });
});
