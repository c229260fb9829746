import { findChange } from '../changes/access.ts';
import type { Change } from '../changes/domain/change.ts';
import { type ProblemResolutionOutcome, tellIncidentOfProblemResolution } from '../incidents/operations.ts';
import { log } from '../shared/log.ts';
import { retryOnConflict } from '../shared/store/retry.ts';
import { named, TransactionRefused, transactWrite } from '../shared/store/transaction.ts';
import { problemOutboxRecord, problemOwners } from './domain/events.ts';
import type { ProblemResolutionCode } from './domain/lifecycle.ts';
import { type ChangeEndEventType, type FixChangeOutcome, resolveWithFixChange } from './domain/links.ts';
import type { ChangeReference, Problem } from './domain/problem.ts';
import { PROBLEM_ITEM, problemWrite } from './problem-write.ts';
import { problemIdsFixedByChange } from './store/fix-change-store.ts';
import { forEachProblemIncidentLink } from './store/problem-link-store.ts';
import { problemOutboxPut } from './store/problem-outbox.ts';
import { getProblemById, problemHistoryPut, problemUnchanged } from './store/problem-store.ts';

/*
 * What problem management does by itself, after the fact, from the table stream (the consumers in
 * handlers/problem-reactions.ts): tell the incidents of
 * a resolved problem, and resolve a problem when the change request that fixes it closes. Each step
 * is safe to run again (a retried batch, a redelivered record): what was done is recognised and
 * skipped, never done twice.
 */

/** Who the reactions' writes are recorded as: `system` in history, `updatedBy`, `resolution.by` and the events' `actor`. */
export const SYSTEM_ACTOR = 'system';

/** Incidents told at once; each is a read and a transaction of its own. */
const INCIDENTS_IN_FLIGHT = 8;

/** How many times a problem write is attempted while agents keep changing the problem under it. */
const PROBLEM_ATTEMPTS = 5;

/** A `Problem Resolved` outbox record, as the reaction reads it. */
export interface AnnouncedResolution {
  problemId: string;
  /** The problem's version that the resolution made. */
  version: number;
  /**
   * The resolution as it was made (`detail.resolution`) and whether it resolves the linked
   * incidents (`detail.resolveLinkedIncidents`). Absent only in records written before the detail
   * carried them: then the problem's current resolution, if it has one, stands in.
   */
  resolution?: { code: ProblemResolutionCode; at: string };
  resolveLinkedIncidents?: boolean;
}

/**
 * The problem was resolved (`announced`, from its Problem Resolved record): each open incident
 * linked to it hears of it (Incident Problem Resolved), and is resolved with it when the
 * resolution said so (resolveLinkedIncidents). The code and the choice are the record's, as they
 * were at that write, never the problem's as it is when the reaction runs. Once per resolution:
 * the incidents operation recognises an incident told of this version before.
 *
 * The rule when the problem moved on: the reaction acts only while the resolution it announces
 * still holds (the problem's `resolution.at` is the record's; closing keeps it). Reopened since
 * (no resolution), or reopened and resolved again (another `at`): nobody is told of this one, and
 * the later resolution's own record tells the incidents of that one, once. Returns undefined then.
 */
export async function tellLinkedIncidents(announced: AnnouncedResolution): Promise<Record<ProblemResolutionOutcome, number> | undefined> {
  const { problemId, version } = announced;
  const problem = await getProblemById(problemId);
  const current = problem?.resolution;
  if (problem === undefined || current === undefined) {
    log.info('problem no longer resolved; its incidents are not told', { problemId, version, status: problem?.status });
    return undefined;
  }
  if (announced.resolution !== undefined && announced.resolution.at !== current.at) {
    log.info('problem reopened and resolved again since; the later resolution tells its incidents', {
      problemId,
      version,
      announcedAt: announced.resolution.at,
      currentAt: current.at,
    });
    return undefined;
  }
  const resolved = {
    id: problem.id,
    number: problem.number,
    version,
    // The notes are the same resolution's (a resolution is set only by resolving): they go into the incidents' work note.
    resolution: { code: announced.resolution?.code ?? current.code, ...(current.notes === undefined ? {} : { notes: current.notes }) },
    resolveLinkedIncidents: announced.resolveLinkedIncidents ?? problem.resolveLinkedIncidents,
  };
  const outcomes: Record<ProblemResolutionOutcome, number> = { resolved: 0, told: 0, already: 0, skipped: 0 };
  await forEachProblemIncidentLink(problem.id, async (links) => {
    const queue = [...links];
    const worker = async () => {
      for (let link = queue.shift(); link !== undefined; link = queue.shift()) {
        outcomes[await tellIncidentOfProblemResolution(link.incidentId, resolved, SYSTEM_ACTOR)]++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(INCIDENTS_IN_FLIGHT, queue.length) }, worker));
  });
  log.info('linked incidents told of the problem resolution', { problemId, number: problem.number, version, ...outcomes });
  return outcomes;
}

/** How the change ended: a closed change by its implementation outcome, the others by how they ended. */
function outcomeOf(type: ChangeEndEventType, change: Change): FixChangeOutcome | undefined {
  switch (change.status) {
    case 'closed': {
      const outcome = change.implementation?.outcome;
      return outcome === 'successful' ? 'successful' : outcome === 'backed_out' ? 'backed_out' : 'failed';
    }
    case 'canceled':
      return 'canceled';
    case 'rejected':
      return type === 'Change Expired' ? 'expired' : 'rejected';
    default:
      return undefined;
  }
}

export type FixChangeReaction = 'resolved' | 'fix-failed' | 'already' | 'skipped';

/**
 * A change request ended (`type`; its status, read again here, is final). Every problem whose fix names it: a successful close resolves
 * it (fix_applied, the resolution notes naming the change, as `system`); anything else tells its
 * assignee (else its group) that the fix failed (Problem Fix Failed, naming the change and how it
 * ended). Problems are found by key (fix-change-store.ts); the change is read only when there are some.
 */
export async function applyFixChangeOutcome(changeId: string, type: ChangeEndEventType): Promise<FixChangeReaction[]> {
  const problemIds = await problemIdsFixedByChange(changeId);
  if (problemIds.length === 0) return [];
  const change = await findChange(changeId);
  const outcome = change === undefined ? undefined : outcomeOf(type, change);
  if (change === undefined || outcome === undefined) return [];
  const reference: ChangeReference = { id: change.id, number: change.number };
  const reactions: FixChangeReaction[] = [];
  for (const problemId of problemIds) {
    const reaction = await retryOnConflict(() => reactToFixChange(problemId, reference, outcome), {
      attempts: PROBLEM_ATTEMPTS,
      isConflict: (error) => error instanceof TransactionRefused && error.has(PROBLEM_ITEM),
    });
    log.info('problem reacted to its fix change', { problemId, changeId, change: change.number, type, outcome, reaction });
    reactions.push(reaction);
  }
  return reactions;
}

/** The name of the Problem Fix Failed record in its transaction: refused when told before. */
const FIX_FAILED_ITEM = 'fix-failed';

async function reactToFixChange(problemId: string, change: ChangeReference, outcome: FixChangeOutcome): Promise<FixChangeReaction> {
  // Strongly consistent, and checked again: the index may lag a PATCH that moved the fix elsewhere.
  const problem = await getProblemById(problemId);
  if (problem === undefined || problem.fix?.change?.id !== change.id) return 'skipped';
  const now = new Date();
  if (outcome === 'successful') {
    const move = resolveWithFixChange(problem, change, { actor: { userId: SYSTEM_ACTOR }, now });
    if (move === undefined) return 'already';
    await transactWrite(problemWrite({ before: problem, after: move.next, actor: SYSTEM_ACTOR, changes: move.changes, now }));
    return 'resolved';
  }
  if (problem.status === 'closed' || problem.status === 'canceled') return 'skipped';
  return tellFixFailed(problem, change, outcome, now);
}

/**
 * Problem Fix Failed, to the assignee (else the group), and a history record `fix_failed` naming
 * the change and how it ended (`fixOutcome`), in one transaction. The problem's fields do not
 * change, so neither does its version (ETag): the record carries the version it happened at, as a
 * note's `note_added` does, and an agent's edit in flight is not refused for it. Once per change:
 * a change ends once, and the record's event id names it, so a second attempt is refused whole.
 */
async function tellFixFailed(problem: Problem, change: ChangeReference, outcome: FixChangeOutcome, now: Date): Promise<FixChangeReaction> {
  const record = problemOutboxRecord({
    eventId: `FIX-FAILED-${change.id}`,
    type: 'Problem Fix Failed',
    problem,
    actor: SYSTEM_ACTOR,
    occurredAt: now.toISOString(),
    recipients: problemOwners(problem),
    fix: { change, outcome },
  });
  try {
    await transactWrite([
      named(PROBLEM_ITEM, problemUnchanged(problem)),
      problemHistoryPut(problem.id, {
        at: now.toISOString(),
        actor: SYSTEM_ACTOR,
        action: 'fix_failed',
        version: problem.version,
        changes: [{ field: 'fixOutcome', from: null, to: { change, outcome } }],
      }),
      named(FIX_FAILED_ITEM, problemOutboxPut(record, now)),
    ]);
  } catch (error) {
    if (error instanceof TransactionRefused && error.has(FIX_FAILED_ITEM)) return 'already';
    throw error;
  }
  return 'fix-failed';
}
