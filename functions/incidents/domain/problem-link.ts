import type { Actor, FieldDiff } from '../../shared/domain/audit.ts';
import { type Incident, type IncidentProblemReference, resolveThroughLifecycle } from './incident.ts';
import type { IncidentResolutionCode } from './lifecycle.ts';

/*
 * An incident and the problem it is linked to (problem management, functions/problems): the pure
 * rules of linking, unlinking and being resolved with the problem. The incident keeps only a
 * reference ({id, number}); an incident is linked to at most one problem.
 */

/** The incident is already linked to a problem (`problem` names it); unlink it there first. */
export class IncidentAlreadyLinked extends Error {
  constructor(
    readonly incident: Pick<Incident, 'id' | 'number'>,
    readonly problem: IncidentProblemReference,
  ) {
    super(`${incident.number} is already linked to problem ${problem.number}; unlink it there first`);
    this.name = 'IncidentAlreadyLinked';
  }
}

/** The incident is not linked to the problem it is being unlinked from. */
export class IncidentNotLinked extends Error {
  constructor(
    readonly incident: Pick<Incident, 'id' | 'number'>,
    readonly problemId: string,
  ) {
    super(`${incident.number} is not linked to this problem`);
    this.name = 'IncidentNotLinked';
  }
}

export interface IncidentMove {
  next: Incident;
  changes: FieldDiff[];
}

function touched(current: Incident, next: Incident, actor: Actor, now: Date): Incident {
  return { ...next, updatedAt: now.toISOString(), updatedBy: actor.userId, version: current.version + 1 };
}

/** Links an unlinked incident to `problem`; any status, closed ones included (a problem is often found from past incidents). */
export function linkIncidentToProblem(current: Incident, problem: IncidentProblemReference, context: { actor: Actor; now: Date }): IncidentMove {
  if (current.problem !== undefined) throw new IncidentAlreadyLinked(current, current.problem);
  const next = touched(current, { ...current, problem: { id: problem.id, number: problem.number } }, context.actor, context.now);
  return { next, changes: [{ field: 'problem', from: null, to: next.problem }] };
}

export function unlinkIncidentFromProblem(current: Incident, problemId: string, context: { actor: Actor; now: Date }): IncidentMove {
  if (current.problem?.id !== problemId) throw new IncidentNotLinked(current, problemId);
  const { problem, ...rest } = current;
  return { next: touched(current, rest, context.actor, context.now), changes: [{ field: 'problem', from: problem, to: null }] };
}

/** The problem resolution codes that resolve linked incidents, and the incident code each becomes. */
export const INCIDENT_CODE_FOR_PROBLEM_RESOLUTION: Readonly<Record<string, IncidentResolutionCode>> = {
  // The fix is in: the cause of the incidents is gone.
  fix_applied: 'solved_permanently',
  // The problem will not be fixed: its workaround is how the incidents are solved.
  risk_accepted: 'solved_workaround',
  // `duplicate` and `canceled` say nothing about the incidents: they are told, never resolved.
};

/**
 * The resolution notes of an incident resolved with its problem: what its requester reads. To a
 * requester problem management does not exist (every /problems route is a 404 to them), so the
 * notes say what happened in plain words and name no problem, no code and none of the problem's
 * internal notes; those go into the incident's work note (workNoteOfProblemResolution).
 */
export const RESOLUTION_NOTES_FOR_PROBLEM_RESOLUTION: Readonly<Record<string, string>> = {
  fix_applied: 'Resolved: the underlying cause was found and fixed.',
  risk_accepted: 'Resolved: the underlying cause is known and a workaround applies; the service desk can tell you more.',
};

const MAX_NOTE = 20_000;

/** The work note (internal) of an incident resolved with its problem: which problem, its resolution code, and its notes. */
export function workNoteOfProblemResolution(problem: IncidentProblemReference & { resolution: { code: string; notes?: string } }): string {
  const head = `Resolved with problem ${problem.number} (${problem.resolution.code})`;
  const note = problem.resolution.notes === undefined ? head : `${head}: ${problem.resolution.notes}`;
  return note.length <= MAX_NOTE ? note : `${note.slice(0, MAX_NOTE - 3)}...`;
}

/**
 * Resolves an open incident with its problem's resolution, through the ordinary lifecycle (a `new`
 * or `on_hold` incident goes through `in_progress`, which records the first response and ends the
 * hold), in one version. Undefined when the incident is not open or the code resolves nothing.
 */
export function resolveIncidentWithProblem(
  current: Incident,
  problem: IncidentProblemReference & { resolution: { code: string; notes?: string } },
  context: { actor: Actor; now: Date },
): IncidentMove | undefined {
  const code = INCIDENT_CODE_FOR_PROBLEM_RESOLUTION[problem.resolution.code];
  const notes = RESOLUTION_NOTES_FOR_PROBLEM_RESOLUTION[problem.resolution.code];
  if (code === undefined || notes === undefined) return undefined;
  return resolveThroughLifecycle(current, { code, notes }, context);
}
