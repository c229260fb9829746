import { addBusinessSeconds, businessSecondsBetween } from './calendar.ts';
import { formatDuration, parseDuration } from './duration.ts';
import type { Calendar, ClockName, SlaClock, SlaClockView, SlaPolicy, SlaTimer } from './types.ts';

/*
 * One SLA clock: business time counted while running, set aside while paused, judged when stopped.
 *
 * Rules worth knowing before reading the code:
 * - Clocks tick in whole seconds: every instant handed in is truncated to its second, so the
 *   counters of a clock add up exactly (on a 24x7 calendar, elapsed + paused = since - startedAt).
 * - The target is reached, and the clock breached, once elapsed >= target. A clock stopped with
 *   elapsed < target is met. The 100 % threshold, `breachedAt` and `dueAt` are the same instant.
 * - `breachedAt` is set by the counters themselves whenever a running stretch crosses the target,
 *   so it is exact even when no timer fired (the timer only records the 100 % threshold).
 * - Every change of timing (pause, resume, stop, cancel, reopen, retarget) moves `timerVersion`,
 *   which makes every timer scheduled before it stale. Recording a threshold does not.
 * - Transitions that do not apply to a clock's status (pausing a stopped clock, ...) return the
 *   clock unchanged, the same object: callers may compare by reference to see whether anything happened.
 */

const BREACH = 100;

function wholeSecond(at: Date): Date {
  return new Date(Math.floor(at.getTime() / 1000) * 1000);
}

/** Business seconds of `target` needed to reach `percent` of it, rounded up to a whole second. */
function secondsToReach(clock: Pick<SlaClock, 'targetSeconds'>, percent: number): number {
  return Math.ceil((percent * clock.targetSeconds) / 100);
}

/** The clock's thresholds, breach included, ascending and unique. */
function thresholdsOf(clock: Pick<SlaClock, 'warnings'>): number[] {
  return [...new Set([...clock.warnings, BREACH])].sort((a, b) => a - b);
}

function isCounting(clock: SlaClock): boolean {
  return clock.status === 'running' || clock.status === 'paused';
}

export function startClock(input: { policy: SlaPolicy; calendar: Calendar; clock: ClockName; at: Date }): SlaClock {
  const { policy, calendar, clock, at } = input;
  const target = policy.targets[clock];
  if (target === undefined) throw new Error(`Policy ${policy.name} has no ${clock} target`);
  const targetSeconds = parseDuration(target);
  if (targetSeconds === undefined) throw new Error(`Policy ${policy.name} has an invalid ${clock} target: ${target}`);
  const start = wholeSecond(at).toISOString();
  return {
    policy: policy.name,
    calendar,
    target,
    targetSeconds,
    warnings: [...policy.warnings],
    pauseOn: [...policy.pauseOn],
    status: 'running',
    startedAt: start,
    elapsedSeconds: 0,
    pausedSeconds: 0,
    since: start,
    // A zero target is reached at the start: the clock is born breached.
    ...(targetSeconds === 0 ? { breachedAt: start } : {}),
    thresholdsCrossed: [],
    timerVersion: 1,
  };
}

/**
 * Brings the counters up to `at` (never backwards: an earlier `at` counts as `since`).
 * Stopped and canceled clocks do not count and are returned unchanged.
 */
export function advanceClock(clock: SlaClock, at: Date): SlaClock {
  if (!isCounting(clock)) return clock;
  const since = new Date(clock.since);
  const until = new Date(Math.max(wholeSecond(at).getTime(), since.getTime()));
  const counted = businessSecondsBetween(clock.calendar, since, until);
  if (clock.status === 'paused') {
    return { ...clock, pausedSeconds: clock.pausedSeconds + counted, since: until.toISOString() };
  }
  const elapsedSeconds = clock.elapsedSeconds + counted;
  const crossesTarget = clock.elapsedSeconds < clock.targetSeconds && elapsedSeconds >= clock.targetSeconds;
  return {
    ...clock,
    elapsedSeconds,
    since: until.toISOString(),
    ...(crossesTarget && clock.breachedAt === undefined
      ? { breachedAt: addBusinessSeconds(clock.calendar, since, clock.targetSeconds - clock.elapsedSeconds).toISOString() }
      : {}),
  };
}

export function pauseClock(clock: SlaClock, at: Date): SlaClock {
  if (clock.status !== 'running') return clock;
  return { ...advanceClock(clock, at), status: 'paused', timerVersion: clock.timerVersion + 1 };
}

export function resumeClock(clock: SlaClock, at: Date): SlaClock {
  if (clock.status !== 'paused') return clock;
  return { ...advanceClock(clock, at), status: 'running', timerVersion: clock.timerVersion + 1 };
}

/** Stops a running or paused clock for good (unless reopened): met if elapsed < target, else breached. */
export function stopClock(clock: SlaClock, at: Date): SlaClock {
  if (!isCounting(clock)) return clock;
  const advanced = advanceClock(clock, at);
  return { ...advanced, status: 'stopped', stoppedAt: advanced.since, timerVersion: clock.timerVersion + 1 };
}

/** The SLA no longer applies (the incident was canceled); `stoppedAt` says when. */
export function cancelClock(clock: SlaClock, at: Date): SlaClock {
  if (!isCounting(clock)) return clock;
  const advanced = advanceClock(clock, at);
  return { ...advanced, status: 'canceled', stoppedAt: advanced.since, timerVersion: clock.timerVersion + 1 };
}

/**
 * Runs a stopped clock again (the incident was reopened). The business time it spent stopped
 * counts as paused: the resolver is not blamed for it, and it stays visible. `breachedAt` stays:
 * a breach is not undone by reopening.
 */
export function reopenClock(clock: SlaClock, at: Date): SlaClock {
  if (clock.status !== 'stopped' || clock.stoppedAt === undefined) return clock;
  const { stoppedAt, ...rest } = clock;
  const reopened: SlaClock = { ...rest, status: 'paused', since: stoppedAt };
  return { ...advanceClock(reopened, at), status: 'running', timerVersion: clock.timerVersion + 1 };
}

/**
 * Puts a running or paused clock under another policy from `at` on (the incident's priority,
 * service or category changed). Elapsed and paused time so far are kept, counted under the old
 * calendar up to `at`; the new target, warnings, pause rules and calendar apply after it.
 * Thresholds are recomputed: those the kept elapsed time reaches under the new target count as
 * crossed, and no timer will fire for them.
 * If the kept elapsed time is at or over the new target, `breachedAt` is the instant it was
 * reached when the clock can still tell: within the stretch it was running since its last change
 * (walked under the old calendar), or the old breach when the target did not change. Otherwise the
 * instant lies behind pauses and calendars the clock no longer remembers, and `breachedAt` is `at`:
 * the clock became breached by the retargeting itself. Under the new target, `breachedAt` is removed.
 */
export function retargetClock(current: SlaClock, input: { policy: SlaPolicy; calendar: Calendar; clock: ClockName; at: Date }): SlaClock {
  if (!isCounting(current)) return current;
  const { policy, calendar, clock, at } = input;
  const advanced = advanceClock(current, at);
  const fresh = startClock({ policy, calendar, clock, at: new Date(advanced.since) });
  const { breachedAt: previousBreach, ...kept } = advanced;
  const retargeted: SlaClock = {
    ...kept,
    policy: fresh.policy,
    calendar: fresh.calendar,
    target: fresh.target,
    targetSeconds: fresh.targetSeconds,
    warnings: fresh.warnings,
    pauseOn: fresh.pauseOn,
    timerVersion: current.timerVersion + 1,
  };
  // Only what was recorded stays recorded (if the new target has reached it too). A threshold the
  // new target puts in the past is not marked: timersFor gives it a timer due at once, so its
  // warning or breach is still recorded, told and escalated.
  retargeted.thresholdsCrossed = current.thresholdsCrossed.filter(
    (t) => thresholdsOf(retargeted).includes(t) && advanced.elapsedSeconds >= secondsToReach(retargeted, t),
  );
  if (advanced.elapsedSeconds >= retargeted.targetSeconds) {
    const reachedWhileRunning = instantOfElapsed(current, retargeted.targetSeconds);
    if (reachedWhileRunning !== undefined) retargeted.breachedAt = reachedWhileRunning.toISOString();
    else if (previousBreach !== undefined && current.targetSeconds === retargeted.targetSeconds) retargeted.breachedAt = previousBreach;
    else retargeted.breachedAt = advanced.since;
  }
  return retargeted;
}

/**
 * The instant elapsed time reaches `seconds`, for a running clock that had not reached it at
 * `since`; undefined otherwise.
 */
function instantOfElapsed(clock: SlaClock, seconds: number): Date | undefined {
  if (clock.status !== 'running' || seconds <= clock.elapsedSeconds) return undefined;
  return addBusinessSeconds(clock.calendar, new Date(clock.since), seconds - clock.elapsedSeconds);
}

/**
 * When a running clock reaches `percent` of its target (rounded up to a whole second), calendar
 * aware; undefined when the clock is not running or had already reached it at `since`.
 */
export function thresholdInstant(clock: SlaClock, percent: number): Date | undefined {
  return instantOfElapsed(clock, secondsToReach(clock, percent));
}

/** A timer may fire this much before its instant (clock skew, scheduler rounding) and still count. */
const EARLY_TOLERANCE_MS = 5_000;

export type ThresholdRecording =
  | { outcome: 'stale' }
  | { outcome: 'already' }
  | { outcome: 'early' }
  /** `recorded` lists every threshold added: the one that fired and lower ones not recorded yet. */
  | { outcome: 'recorded'; clock: SlaClock; crossedAt: string; recorded: number[] };

/**
 * A threshold timer fired at `now`. `stale`: the clock changed since the timer was set (or is not
 * running); `already`: recorded before (a duplicate delivery); `early`: its instant is more than
 * 5 s ahead. Otherwise the threshold is recorded with the exact instant it was reached, together
 * with any lower threshold not recorded yet, so the list never has holes.
 */
export function recordThreshold(clock: SlaClock, timer: { threshold: number; timerVersion: number }, now: Date): ThresholdRecording {
  const { threshold, timerVersion } = timer;
  const thresholds = thresholdsOf(clock);
  if (clock.status !== 'running' || timerVersion !== clock.timerVersion || !thresholds.includes(threshold)) {
    return { outcome: 'stale' };
  }
  if (clock.thresholdsCrossed.includes(threshold)) return { outcome: 'already' };
  const required = secondsToReach(clock, threshold);
  // Reached before `since` only if someone advanced the counters without moving the timers: the
  // exact instant is then gone, except for the breach, which the counters remember.
  const reachedAt =
    instantOfElapsed(clock, required) ?? (threshold === BREACH && clock.breachedAt !== undefined ? new Date(clock.breachedAt) : new Date(clock.since));
  if (reachedAt.getTime() - now.getTime() > EARLY_TOLERANCE_MS) return { outcome: 'early' };
  const recorded = thresholds.filter((t) => t <= threshold && !clock.thresholdsCrossed.includes(t));
  const crossedAt = reachedAt.toISOString();
  const next: SlaClock = {
    ...clock,
    thresholdsCrossed: [...clock.thresholdsCrossed, ...recorded].sort((a, b) => a - b),
    ...(threshold === BREACH ? { breachedAt: clock.breachedAt ?? crossedAt } : {}),
  };
  return { outcome: 'recorded', clock: next, crossedAt, recorded };
}

/** What a clock looks like at `now`: counters brought up to date without storing anything. */
export function clockView(clock: SlaClock, now: Date): SlaClockView {
  const live = advanceClock(clock, now);
  const reached = live.elapsedSeconds >= live.targetSeconds;
  const thresholdsCrossed = [...new Set([...live.thresholdsCrossed, ...thresholdsOf(live).filter((t) => live.elapsedSeconds >= secondsToReach(live, t))])].sort(
    (a, b) => a - b,
  );
  return {
    state: viewState(live, reached),
    policy: live.policy,
    calendar: live.calendar.name,
    target: live.target,
    startedAt: live.startedAt,
    dueAt: dueAt(live, reached),
    elapsed: formatDuration(live.elapsedSeconds),
    pausedFor: formatDuration(live.pausedSeconds),
    // Rounded down, so 100 % is never shown before the target is reached.
    percentage: live.targetSeconds === 0 ? 100 : Math.floor((live.elapsedSeconds * 1000) / live.targetSeconds) / 10,
    breachedAt: live.breachedAt ?? null,
    stoppedAt: live.stoppedAt ?? null,
    thresholdsCrossed,
  };
}

function viewState(live: SlaClock, reached: boolean): SlaClockView['state'] {
  switch (live.status) {
    case 'canceled':
      return 'canceled';
    case 'stopped':
      return reached ? 'breached' : 'met';
    default:
      return reached ? 'breached' : live.status;
  }
}

function dueAt(live: SlaClock, reached: boolean): string | null {
  switch (live.status) {
    case 'running':
      if (reached) return live.breachedAt ?? live.since;
      return addBusinessSeconds(live.calendar, new Date(live.since), live.targetSeconds - live.elapsedSeconds).toISOString();
    case 'stopped':
      return live.breachedAt ?? null;
    default:
      return null;
  }
}

/**
 * The timers a running clock needs: one per threshold not recorded yet, at its exact instant, or
 * at `since` when it was already reached then (a retarget or a resume past it): due at once.
 */
export function timersFor(clock: SlaClock, name: ClockName): SlaTimer[] {
  if (clock.status !== 'running') return [];
  return thresholdsOf(clock).flatMap((threshold) => {
    if (clock.thresholdsCrossed.includes(threshold)) return [];
    const at = thresholdInstant(clock, threshold) ?? new Date(clock.since);
    return [{ clock: name, threshold, at: at.toISOString(), timerVersion: clock.timerVersion }];
  });
}
