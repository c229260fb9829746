import { clockView, startClock, stopClock } from '../../sla/domain/clock.ts';
import { selectPolicy } from '../../sla/domain/policy.ts';
import { CLOCK_NAMES, type ClockName, type IncidentSla, type SlaClockView, type SlaConfig, type SlaPolicy } from '../../sla/domain/types.ts';
import type { FulfilmentTask } from './task.ts';
import { isClosedTask, isTaken } from './task-rules.ts';

/*
 * A fulfilment task's SLA clocks, with the SLA area's clock arithmetic (functions/sla/domain):
 * - `response` runs from the moment the task opens until it is taken (an assignee, work_in_progress,
 *   or closed straight away); `resolution` runs from the moment it opens until it is closed.
 * - A pending task (a sequential plan's later step) has no clocks: they start when it opens.
 * - The policy is the one the catalog item names (`slaPolicy`, copied into the request's plan),
 *   else the one selected as for a P4 incident of category `request` with no service. A policy
 *   without a target for a clock, or naming a calendar that no longer exists, leaves that clock out.
 * - No pausing: the statuses policies pause on are an incident's, and a task never holds one.
 * Views are computed at read time (clockView), so a read shows breaches as they happen.
 */

/** What a task's clocks are selected as, when the catalog item names no policy. */
export const TASK_POLICY_SUBJECT = { priority: 'P4', category: 'request' } as const;

export function taskPolicy(config: SlaConfig, slaPolicy: string | undefined, clock: ClockName): SlaPolicy | undefined {
  if (slaPolicy !== undefined) {
    const named = config.policies.find((policy) => policy.name === slaPolicy);
    if (named !== undefined && named.targets[clock] !== undefined) return named;
  }
  return selectPolicy(config.policies, TASK_POLICY_SUBJECT, clock);
}

/** The clocks of a task opening at `at`; undefined when no policy applies to either clock. */
export function startTaskClocks(config: SlaConfig, slaPolicy: string | undefined, at: Date): IncidentSla | undefined {
  const sla: IncidentSla = {};
  for (const name of CLOCK_NAMES) {
    const policy = taskPolicy(config, slaPolicy, name);
    const calendar = policy === undefined ? undefined : config.calendars.find((candidate) => candidate.name === policy.calendar);
    if (policy === undefined || calendar === undefined) continue;
    sla[name] = startClock({ policy, calendar, clock: name, at });
  }
  return Object.keys(sla).length === 0 ? undefined : sla;
}

/** The clocks after a task changed from `before` to `after` at `now`: response stops when taken, resolution when closed. */
export function evolveTaskClocks(before: FulfilmentTask, after: FulfilmentTask, now: Date): IncidentSla | undefined {
  const sla = after.sla ?? before.sla;
  if (sla === undefined) return undefined;
  const next: IncidentSla = { ...sla };
  if (sla.response !== undefined && !isTaken(before) && !isClosedTask(before.status) && (isTaken(after) || isClosedTask(after.status))) {
    next.response = stopClock(sla.response, now);
  }
  if (sla.resolution !== undefined && !isClosedTask(before.status) && isClosedTask(after.status)) {
    next.resolution = stopClock(sla.resolution, now);
  }
  return next;
}

/** The clocks as the API shows them, live at `now` (as an incident's). */
export function taskSlaView(sla: IncidentSla | undefined, now: Date): Partial<Record<ClockName, SlaClockView>> {
  const view: Partial<Record<ClockName, SlaClockView>> = {};
  for (const name of CLOCK_NAMES) {
    const clock = sla?.[name];
    if (clock !== undefined) view[name] = clockView(clock, now);
  }
  return view;
}
