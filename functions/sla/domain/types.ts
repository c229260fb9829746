import type { Priority } from '../../shared/domain/priority.ts';

/*
 * The SLA vocabulary shared by the pure rules (calendar, clock, policy selection), the admin API
 * and the incident code that carries the clocks. Times are ISO 8601 instants (UTC, `Z`);
 * durations in the API are ISO 8601 durations, and whole seconds inside.
 */

/**
 * Statuses a clock may pause in: the open ones of the incidents the clocks time. `resolved` stops
 * the clocks anyway; closed and canceled end them. Listed here, not taken from the incidents,
 * because SLA sits below the work areas; incident-sla.ts names the few lifecycle steps it reacts to.
 */
export const PAUSABLE_STATUSES = ['new', 'in_progress', 'on_hold'] as const;
export type PausableStatus = (typeof PAUSABLE_STATUSES)[number];

export const CLOCK_NAMES = ['response', 'resolution'] as const;
export type ClockName = (typeof CLOCK_NAMES)[number];

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Local wall-clock times `HH:MM` (24 h); `end` is exclusive, `24:00` allowed as an end. */
export interface WorkingInterval {
  start: string;
  end: string;
}

export interface Holiday {
  /** A local date `YYYY-MM-DD` in the calendar's time zone: the whole day is not working time. */
  date: string;
  name?: string;
}

/**
 * When SLA time counts. Without `workingHours` the calendar is 24x7 (every second counts and
 * holidays do not apply); with it, only the listed local hours of each weekday count, except on
 * holidays.
 */
export interface Calendar {
  name: string;
  description?: string;
  /** IANA time zone, e.g. `Europe/Berlin`; `UTC` for 24x7. */
  timeZone: string;
  workingHours?: Partial<Record<Weekday, WorkingInterval[]>>;
  holidays?: Holiday[];
}

export interface SlaTargets {
  /** ISO 8601 duration of business time, e.g. `PT15M`; seconds allowed (`PT30S`). */
  response?: string;
  resolution?: string;
}

export interface SlaPolicy {
  name: string;
  description?: string;
  /** Every named criterion must match; a policy naming none applies to every incident. */
  appliesTo: { priority?: Priority[]; service?: string; category?: string };
  targets: SlaTargets;
  /** Name of a Calendar. */
  calendar: string;
  /** Statuses that pause the resolution clock (and the response clock); default `['on_hold']`. */
  pauseOn: PausableStatus[];
  /** Warning thresholds in percent, ascending, each 1..99; breach is 100. Default `[50, 75]`. */
  warnings: number[];
}

export interface SlaConfig {
  policies: SlaPolicy[];
  calendars: Calendar[];
}

/**
 * One clock as stored on the incident. Counters are brought up to date at every transition
 * (`since`); between transitions the clock's view is computed at read time from them, so a read
 * never shows a stale percentage.
 */
export interface SlaClock {
  policy: string;
  /** A copy of the calendar in force: a clock's arithmetic never depends on a later edit. */
  calendar: Calendar;
  target: string;
  targetSeconds: number;
  warnings: number[];
  pauseOn: PausableStatus[];
  status: 'running' | 'paused' | 'stopped' | 'canceled';
  startedAt: string;
  /** Business seconds counted while running, up to `since`. */
  elapsedSeconds: number;
  /** Business seconds that passed while paused (or resolved, before a reopen), up to `since`. */
  pausedSeconds: number;
  since: string;
  stoppedAt?: string;
  /** The exact instant elapsed time reached the target (not when a timer happened to fire). */
  breachedAt?: string;
  /** Thresholds (percent, 100 = breach) recorded as crossed, ascending. */
  thresholdsCrossed: number[];
  /** Moves whenever the clock's timers move; a timer firing with another version is stale. */
  timerVersion: number;
}

export type IncidentSla = Partial<Record<ClockName, SlaClock>>;

/** What `GET /incidents/{id}` shows for one clock, computed at read time. */
export interface SlaClockView {
  state: 'running' | 'paused' | 'met' | 'breached' | 'canceled';
  policy: string;
  calendar: string;
  target: string;
  startedAt: string;
  /** When the target is (or was) reached, calendar aware; null while paused or when stopped in time. */
  dueAt: string | null;
  elapsed: string;
  pausedFor: string;
  /** Elapsed as a percentage of the target, one decimal. */
  percentage: number;
  breachedAt: string | null;
  stoppedAt: string | null;
  thresholdsCrossed: number[];
}

/** One upcoming threshold of a running clock: one Scheduler schedule. */
export interface SlaTimer {
  clock: ClockName;
  threshold: number;
  at: string;
  timerVersion: number;
  /**
   * Not a threshold: start the escalation policy now (an incident opened by an event on an urgent
   * service). Such a timer has threshold 0, so its schedule has a name of its own.
   */
  escalateAtOnce?: true;
}

/** The timer that pages an incident's group at once, through the same schedule and workflow as a breach. */
export const escalateAtOnceTimer = (at: string): SlaTimer => ({ clock: 'response', threshold: 0, at, timerVersion: 0, escalateAtOnce: true });

/** What happened to a clock in one incident change: history, domain events and report aggregates. */
export interface ClockTransition {
  clock: ClockName;
  kind: 'started' | 'paused' | 'resumed' | 'met' | 'breached' | 'canceled' | 'reopened' | 'retargeted';
  at: string;
  /** On `reopened`: the outcome being undone (`met` or `breached`), so aggregates can be corrected. */
  undone?: 'met' | 'breached';
  /** On `reopened`: when the undone outcome had been recorded. */
  undoneAt?: string;
}

/**
 * Who is told, level by level, when an incident of a group breaches its SLA
 * (`/groups/{name}/escalation-policy`). Level 1 is notified at the breach; each level waits
 * `delay` before the next; after the last level the sequence starts again, `repeat` more times.
 */
export interface EscalationLevel {
  /** Users (token subjects) to notify; `assignee` / `group` add the incident's assignee / assignment group. */
  notify: { users?: string[]; assignee?: boolean; group?: boolean; manager?: boolean };
  /** ISO 8601 duration before the next level, e.g. `PT15M`; seconds allowed. */
  delay: string;
}

export interface EscalationPolicy {
  group: string;
  levels: EscalationLevel[];
  repeat: number;
}
