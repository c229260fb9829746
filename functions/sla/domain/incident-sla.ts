import { defined } from '../../shared/defined.ts';
import type { FieldDiff } from '../../shared/domain/audit.ts';
import type { Priority } from '../../shared/domain/priority.ts';
import { cancelClock, clockView, pauseClock, reopenClock, resumeClock, retargetClock, startClock, stopClock, timersFor } from './clock.ts';
import { selectPolicy } from './policy.ts';
import {
  type Calendar,
  CLOCK_NAMES,
  type ClockName,
  type ClockTransition,
  type IncidentSla,
  type SlaClock,
  type SlaClockView,
  type SlaConfig,
  type SlaPolicy,
  type SlaTimer,
} from './types.ts';

/*
 * How an incident's changes move its SLA clocks.
 *
 * - Create: each clock starts at `createdAt` under the policy selected for it; a clock without a
 *   matching policy is absent, and stays absent: clocks are started only when an incident is
 *   created (an incident older than SLAs, or created while no policy matched, never gets one later).
 * - Response: stops (met or breached) when the incident is first acknowledged.
 * - Resolution: stops at `resolved`; runs again on the reopen `resolved -> in_progress`.
 * - Both: paused while the status is in the clock's `pauseOn`; canceled with the incident;
 *   `closed` changes nothing.
 * - A new priority, service or category re-selects each counting clock's policy; another policy
 *   retargets the clock (elapsed time kept); no matching policy keeps the current one. The same
 *   policy name keeps the clock as it is, even if the policy was edited since: a clock keeps the
 *   copy it started with.
 * When a change does several things at once, the clock is reopened first, then retargeted, then
 * canceled, stopped, paused or resumed: a resolution is judged by the target in force after the
 * change, and canceling an incident straight from `new` cancels its response clock rather than
 * judging it (that move also sets acknowledgedAt).
 */

/**
 * What the clocks read of the incident they time. Structural, so that SLA (below the work areas)
 * imports no incident code: an incident is one as it is. The lifecycle steps the clocks react to
 * (`resolved`, the reopen to `in_progress`, `canceled`, a fresh `new`) are named below as strings.
 */
export interface SlaSubject {
  status: string;
  priority: Priority;
  service?: string;
  category?: string;
  createdAt: string;
  acknowledgedAt?: string;
  sla?: IncidentSla;
}

export interface SlaEvolution {
  /** The clocks after the change; undefined when the incident has none. */
  sla: IncidentSla | undefined;
  transitions: ClockTransition[];
  /** History entries: `sla.<clock>.state|policy|dueAt`, from the views at `now` before and after. */
  changes: FieldDiff[];
}

function reclassified(before: SlaSubject, after: SlaSubject): boolean {
  return before.priority !== after.priority || before.service !== after.service || before.category !== after.category;
}

function isReopen(previous: string, next: string): boolean {
  return previous === 'resolved' && next === 'in_progress';
}

/**
 * Whether `evolveSla` needs the SLA configuration for this change: on create, and when the
 * incident is reclassified while one of its clocks counts (or is being reopened).
 */
export function needsSlaConfig<Subject extends SlaSubject>(before: Subject | undefined, after: Subject): boolean {
  if (before === undefined) return true;
  if (!reclassified(before, after)) return false;
  const clocks = Object.values(after.sla ?? before.sla ?? {});
  return clocks.some(
    (clock) => clock.status === 'running' || clock.status === 'paused' || (clock.status === 'stopped' && isReopen(before.status, after.status)),
  );
}

/**
 * The clocks after an incident changed from `before` (undefined on create) to `after`.
 * The clocks moved are `after.sla` (the domain rules copy them from `before`; a timer's recorded
 * threshold arrives there), falling back to `before.sla`. Throws when the change needs the
 * configuration (see needsSlaConfig) and none is given, or when a policy names a calendar that does
 * not exist: both are programming or configuration errors, not the caller's.
 */
export function evolveSla<Subject extends SlaSubject>(before: Subject | undefined, after: Subject, config: SlaConfig | undefined, now: Date): SlaEvolution {
  if (config === undefined && needsSlaConfig(before, after)) {
    throw new Error('evolveSla needs the SLA configuration for this change (see needsSlaConfig)');
  }
  const transitions: ClockTransition[] = [];
  const note = (transition: ClockTransition) => transitions.push(transition);
  // A created incident is seen as moving from a fresh `new` to whatever it was created as.
  const previous: Previous = before ?? { status: 'new', acknowledgedAt: undefined };
  const existing =
    before === undefined ? startClocks(after, defined(config, 'the SLA configuration to start clocks with'), note) : (after.sla ?? before.sla ?? {});
  const reselectFrom = before !== undefined && reclassified(before, after) ? config : undefined;

  const clocks: IncidentSla = {};
  for (const name of CLOCK_NAMES) {
    const clock = existing[name];
    if (clock !== undefined) clocks[name] = moveClock({ name, clock, previous, after, reselectFrom, now, note });
  }
  // Unmoved clocks come back as the same object, so callers can tell "nothing happened" by reference.
  const unmoved = CLOCK_NAMES.every((name) => clocks[name] === existing[name]);
  const sla = Object.keys(clocks).length === 0 ? undefined : unmoved ? existing : clocks;
  return { sla, transitions, changes: viewChanges(before?.sla, sla, now) };
}

type Previous = Pick<SlaSubject, 'status' | 'acknowledgedAt'>;
type Note = (transition: ClockTransition) => void;

function startClocks(after: SlaSubject, config: SlaConfig, note: Note): IncidentSla {
  const clocks: IncidentSla = {};
  for (const name of CLOCK_NAMES) {
    const policy = selectPolicy(config.policies, after, name);
    if (policy === undefined) continue;
    const clock = startClock({ policy, calendar: calendarOf(config, policy), clock: name, at: new Date(after.createdAt) });
    note({ clock: name, kind: 'started', at: clock.startedAt });
    clocks[name] = clock;
  }
  return clocks;
}

/** One clock through one change, in the order the module comment gives. */
function moveClock(input: {
  name: ClockName;
  clock: SlaClock;
  previous: Previous;
  after: SlaSubject;
  /** Set when the incident was reclassified: the configuration to select the policy again from. */
  reselectFrom: SlaConfig | undefined;
  now: Date;
  note: Note;
}): SlaClock {
  const { name, previous, after, reselectFrom, now, note } = input;
  let clock = input.clock;
  /** Applies a move; when it changed the clock, notes the transition at the instant the clock took. */
  const apply = (moved: SlaClock, kind: ClockTransition['kind'], atOf: (moved: SlaClock) => string, extra: Partial<ClockTransition> = {}) => {
    if (moved !== clock) note({ clock: name, kind, at: atOf(moved), ...extra });
    clock = moved;
  };
  const since = (moved: SlaClock) => moved.since;
  const stoppedAt = (moved: SlaClock) => defined(moved.stoppedAt, 'stoppedAt of a stopped or canceled clock');

  if (name === 'resolution' && isReopen(previous.status, after.status) && clock.status === 'stopped') {
    apply(reopenClock(clock, now), 'reopened', since, { undone: outcomeOf(clock), undoneAt: clock.stoppedAt });
  }

  if (reselectFrom !== undefined) {
    const policy = selectPolicy(reselectFrom.policies, after, name);
    if (policy !== undefined && policy.name !== clock.policy) {
      apply(retargetClock(clock, { policy, calendar: calendarOf(reselectFrom, policy), clock: name, at: now }), 'retargeted', since);
    }
  }

  // Canceling comes first: leaving `new` for `canceled` also sets acknowledgedAt, and a response
  // clock judged met by the cancellation of a duplicate or spam would flatter the reports.
  if (previous.status !== 'canceled' && after.status === 'canceled') {
    apply(cancelClock(clock, now), 'canceled', stoppedAt);
  }
  if (name === 'response' && previous.acknowledgedAt === undefined && after.acknowledgedAt !== undefined) {
    const stopped = stopClock(clock, new Date(after.acknowledgedAt));
    apply(stopped, outcomeOf(stopped), stoppedAt);
  }
  if (name === 'resolution' && previous.status !== 'resolved' && after.status === 'resolved') {
    const stopped = stopClock(clock, now);
    apply(stopped, outcomeOf(stopped), stoppedAt);
  }

  // By the clock's state rather than by the status change: a retarget may bring other pause rules.
  const shouldPause = clock.pauseOn.some((status) => status === after.status);
  if (clock.status === 'running' && shouldPause) apply(pauseClock(clock, now), 'paused', since);
  else if (clock.status === 'paused' && !shouldPause) apply(resumeClock(clock, now), 'resumed', since);
  return clock;
}

function outcomeOf(clock: SlaClock): 'met' | 'breached' {
  return clock.elapsedSeconds >= clock.targetSeconds ? 'breached' : 'met';
}

function calendarOf(config: SlaConfig, policy: SlaPolicy): Calendar {
  const calendar = config.calendars.find((candidate) => candidate.name === policy.calendar);
  if (calendar === undefined) throw new Error(`SLA policy ${policy.name} names calendar ${policy.calendar}, which does not exist`);
  return calendar;
}

const VIEW_FIELDS = ['state', 'policy', 'dueAt'] as const;

function viewChanges(before: IncidentSla | undefined, after: IncidentSla | undefined, now: Date): FieldDiff[] {
  const changes: FieldDiff[] = [];
  for (const name of CLOCK_NAMES) {
    const [was, is] = [before?.[name], after?.[name]];
    // The same clock object shows the same view: nothing to compare.
    if (was === is) continue;
    const [from, to] = [was && clockView(was, now), is && clockView(is, now)];
    for (const field of VIEW_FIELDS) {
      const [old, next] = [from?.[field] ?? null, to?.[field] ?? null];
      if (old !== next) changes.push({ field: `sla.${name}.${field}`, from: old, to: next });
    }
  }
  return changes;
}

/** The clocks as the API shows them, live at `now`. */
export function incidentSlaView(sla: IncidentSla | undefined, now: Date): Partial<Record<ClockName, SlaClockView>> {
  const view: Partial<Record<ClockName, SlaClockView>> = {};
  for (const name of CLOCK_NAMES) {
    const clock = sla?.[name];
    if (clock !== undefined) view[name] = clockView(clock, now);
  }
  return view;
}

/** Every timer the incident's running clocks need. */
export function slaTimers(sla: IncidentSla | undefined): SlaTimer[] {
  return CLOCK_NAMES.flatMap((name) => {
    const clock = sla?.[name];
    return clock === undefined ? [] : timersFor(clock, name);
  });
}
