import type { DeadLetter, DeadLetters } from '../dead-letters.ts';
import { backoff, type RetryPolicy } from '../invoke.ts';
import type { ScheduleStore } from './store.ts';
import { type ScheduleTarget, type StoredSchedule, targetOf } from './types.ts';

/**
 * Firing: a timer per armed schedule; at its time the target is attempted, retried with backoff,
 * dead-lettered after the last attempt, then the schedule is deleted (ActionAfterCompletion
 * DELETE) or kept as completed (NONE). A firing whose schedule was updated, deleted, or whose
 * scheduler stopped meanwhile takes no further step.
 */

/** setTimeout's limit is 2^31-1 ms (24.8 days); farther schedules re-arm when this one expires. */
const MAX_TIMER_MS = 24 * 24 * 60 * 60 * 1000;

/**
 * A failed target locally: 4 attempts (Scheduler's default would be 185 over 24 hours) 200 ms
 * apart, doubling, at most 5 s. A target's own MaximumRetryAttempts is honoured with these delays.
 */
export const SCHEDULER_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 200, maxDelayMs: 5000 };

export interface FiringOptions {
  readonly store: ScheduleStore;
  readonly fire: (target: ScheduleTarget) => Promise<void>;
  readonly deadLetters: DeadLetters;
  readonly retry: RetryPolicy;
  readonly log: (line: string) => void;
  readonly now: () => Date;
}

export interface Firings {
  /** (Re)sets the schedule's timer; one already due fires at once. Does nothing while stopped. */
  arm(key: string): void;
  disarm(key: string): void;
  /** The generation of the schedule whose firing is under way, if one is. */
  firingGeneration(key: string): string | undefined;
  isRunning(): boolean;
  start(): void;
  /** Clears the timers and cuts retry waits short; firings under way stop before their next step. */
  stop(): void;
}

/** How one firing's attempts ended; `superseded` when the schedule or the scheduler changed meanwhile. */
type Attempts = { readonly superseded: true } | { readonly superseded: false; attempt: number; error: string | undefined; condition: string };

export function createFirings(options: FiringOptions): Firings {
  const { store, log, now } = options;
  const schedules = store.schedules;
  const timers = new Map<string, NodeJS.Timeout>();
  /** The firing under way per schedule key: the schedule's generation, and the epoch it began in. */
  const firing = new Map<string, { generation: string; epoch: number }>();
  let running = false;
  /** Bumped by stop(): a firing begun before it takes no further step. */
  let epoch = 0;
  const sleepers = new Set<() => void>();

  /** A wait that stop() cuts short, so no retry outlives the scheduler. */
  function pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      sleepers.add(done);
    });
  }

  function disarm(key: string): void {
    const timer = timers.get(key);
    if (timer !== undefined) clearTimeout(timer);
    timers.delete(key);
  }

  function arm(key: string): void {
    disarm(key);
    const schedule = schedules.get(key);
    if (!running || schedule === undefined || schedule.State === 'DISABLED' || schedule.completed !== undefined) return;
    const underWay = firing.get(key);
    if (underWay?.generation === schedule.generation && underWay.epoch === epoch) return;
    const delay = Date.parse(schedule.fireAt) - now().getTime();
    if (delay <= 0) {
      void fire(key, schedule);
      return;
    }
    const timer = setTimeout(() => arm(key), Math.min(delay, MAX_TIMER_MS));
    // The endpoint keeps `npm start` alive; a pending schedule should not keep a test run alive.
    timer.unref();
    timers.set(key, timer);
  }

  /** Still the schedule this firing began for, and the scheduler still running? */
  const current = (key: string, generation: string, started: number) => running && epoch === started && schedules.get(key)?.generation === generation;

  async function fire(key: string, schedule: StoredSchedule): Promise<void> {
    const started = epoch;
    const mine = { generation: schedule.generation, epoch: started };
    firing.set(key, mine);
    try {
      const target = targetOf(schedule);
      const result = await attemptTarget(key, schedule, target, { ...options, pause, current: () => current(key, schedule.generation, started) });
      if (result.superseded) return;
      const { attempt, error, condition } = result;
      const outcome = error === undefined ? 'succeeded' : 'dead-lettered';
      if (outcome === 'dead-lettered') options.deadLetters.add(deadLetterOf(schedule, target, { at: now(), condition, attempts: attempt, error }));
      if (schedule.ActionAfterCompletion === 'DELETE') {
        schedules.delete(key);
        log(`[scheduler] ${key} deleted after completion (ActionAfterCompletion DELETE)`);
      } else {
        schedules.set(key, { ...schedule, completed: { at: now().toISOString(), outcome, attempts: attempt } });
      }
      await store.persist();
    } catch (error) {
      log(`[scheduler] ${key}: firing failed: ${String(error)}`);
    } finally {
      if (firing.get(key) === mine) firing.delete(key);
    }
  }

  return {
    arm,
    disarm,
    firingGeneration: (key) => firing.get(key)?.generation,
    isRunning: () => running,
    start() {
      running = true;
    },
    stop() {
      running = false;
      epoch++;
      for (const key of [...timers.keys()]) disarm(key);
      for (const wake of [...sleepers]) wake();
    },
  };
}

/** What one firing's attempts need: the scheduler's options, its stoppable pause, and whether the firing is still current. */
interface AttemptRun extends FiringOptions {
  pause(ms: number): Promise<void>;
  /** Still the schedule this firing began for, and the scheduler still running? */
  current(): boolean;
}

/** The target's attempts, as its RetryPolicy (or `retry`) allows. */
async function attemptTarget(key: string, schedule: StoredSchedule, target: ScheduleTarget, run: AttemptRun): Promise<Attempts> {
  const { retry, log, now } = run;
  const policy = schedule.Target.RetryPolicy as { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number } | undefined;
  const attempts = (policy?.MaximumRetryAttempts ?? retry.attempts - 1) + 1;
  const maxAgeMs = (policy?.MaximumEventAgeInSeconds ?? 86400) * 1000;
  const firstAttempt = now().getTime();
  let attempt = 0;
  let error: string | undefined;
  let condition = 'MaximumRetryAttempts';
  for (;;) {
    attempt++;
    try {
      await run.fire(target);
      error = undefined;
    } catch (thrown) {
      error = thrown instanceof Error ? thrown.message : String(thrown);
    }
    if (!run.current()) {
      log(`[scheduler] ${key}: attempt ${attempt} ended after the schedule was updated or deleted, or the scheduler stopped; left as it is now`);
      return { superseded: true };
    }
    if (error === undefined) {
      log(`[scheduler] ${key} fired -> ${target.Arn}${attempt > 1 ? ` (attempt ${attempt})` : ''}`);
      break;
    }
    if (attempt >= attempts) break;
    const delay = backoff(retry, attempt);
    if (now().getTime() + delay - firstAttempt > maxAgeMs) {
      condition = 'MaximumEventAgeInSeconds';
      break;
    }
    log(`[scheduler] ${key} attempt ${attempt} of ${attempts} failed (${error}); retrying in ${delay} ms`);
    await run.pause(delay);
    if (!run.current()) return { superseded: true };
  }
  return { superseded: false, attempt, error, condition };
}

/** The local dead-letter entry of a target given up on, naming Scheduler's DeadLetterConfig queue if it has one. */
function deadLetterOf(
  schedule: StoredSchedule,
  target: ScheduleTarget,
  failure: { at: Date; condition: string; attempts: number; error: string | undefined },
): DeadLetter {
  const deadLetterArn = (schedule.Target.DeadLetterConfig as { Arn?: string } | undefined)?.Arn;
  return {
    at: failure.at.toISOString(),
    functionId: target.Arn,
    source: 'scheduler',
    condition: failure.condition,
    attempts: failure.attempts,
    error: failure.error,
    schedule: schedule.Name,
    groupName: schedule.GroupName,
    scheduleArn: schedule.Arn,
    ...(deadLetterArn === undefined ? {} : { deadLetterArn }),
    target,
    record: target,
  };
}
