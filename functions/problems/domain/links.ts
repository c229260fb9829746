import type { Actor, FieldDiff } from '../../shared/domain/audit.ts';
import { FINAL_PROBLEM_STATUSES, OPEN_PROBLEM_STATUSES } from './lifecycle.ts';
import { applyProblemPatch, type ChangeReference, diffProblems, type Problem } from './problem.ts';

/*
 * The problem's side of its links to incidents and of its fix's change request: pure rules, the
 * writes are in handlers/problem-incidents.ts and reactions.ts.
 */

/** An incident as a problem's link names it. */
export interface LinkedIncidentReference {
  id: string;
  number: string;
}

/** Incidents are linked to and unlinked from problems that are still being worked on or resolved; closed and canceled ones are history. */
export const canChangeLinks = (problem: Problem): boolean => !FINAL_PROBLEM_STATUSES.includes(problem.status);

export interface ProblemMove {
  next: Problem;
  changes: FieldDiff[];
}

/**
 * The problem gains (`+1`) or loses (`-1`) a linked incident: its count moves and its version with
 * it. The history record names the incident as `incident` (from null to it, or back).
 */
export function moveLinkedIncidentCount(problem: Problem, incident: LinkedIncidentReference, delta: 1 | -1, context: { actor: Actor; now: Date }): ProblemMove {
  const count = Math.max(0, problem.linkedIncidentCount + delta);
  const next: Problem = {
    ...problem,
    linkedIncidentCount: count,
    updatedAt: context.now.toISOString(),
    updatedBy: context.actor.userId,
    version: problem.version + 1,
  };
  const reference = { id: incident.id, number: incident.number };
  return {
    next,
    changes: [
      { field: 'incident', from: delta > 0 ? null : reference, to: delta > 0 ? reference : null },
      { field: 'linkedIncidentCount', from: problem.linkedIncidentCount, to: count },
    ],
  };
}

/**
 * The change request events that can end a change, and so decide the fate of the problems it fixes
 * (the fix-change consumer's filter, functions/problems/area.ts, with the change's status after the
 * write in FINAL_CHANGE_STATUSES): an implementation report that closes the change at once (a successful
 * change owing no review), a close after review, a cancel, a rejection, an approval that expired.
 */
export const CHANGE_END_EVENT_TYPES = ['Change Implemented', 'Change Closed', 'Change Canceled', 'Change Rejected', 'Change Expired'] as const;
export type ChangeEndEventType = (typeof CHANGE_END_EVENT_TYPES)[number];
export { FINAL_CHANGE_STATUSES as CHANGE_FINAL_STATUSES } from '../../changes/domain/lifecycle.ts';

/** How a change request ended, as the problem it fixes hears of it. */
export type FixChangeOutcome = 'successful' | 'failed' | 'backed_out' | 'canceled' | 'rejected' | 'expired';

/**
 * The problem's fix change closed successfully: the problem moves to `resolved` (`fix_applied`),
 * its resolution notes naming the change. A `new` problem is assessed on the way (the lifecycle
 * has no direct move), in the same version. Undefined when there is nothing to do: the problem is
 * resolved, closed or canceled already (a redelivered record, or an agent was first).
 */
export function resolveWithFixChange(problem: Problem, change: ChangeReference, context: { actor: Actor; now: Date }): ProblemMove | undefined {
  if (!OPEN_PROBLEM_STATUSES.includes(problem.status)) return undefined;
  let next = problem;
  if (next.status === 'new') next = applyProblemPatch(next, { status: 'assess' }, context).next;
  next = applyProblemPatch(
    next,
    { status: 'resolved', resolution: { code: 'fix_applied', notes: `Fixed by change ${change.number}, closed with a successful implementation` } },
    context,
  ).next;
  next = { ...next, version: problem.version + 1 };
  return { next, changes: diffProblems(problem, next) };
}
