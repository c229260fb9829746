import type { Incident } from '../../incidents/domain/incident.ts';
import {
  INCIDENT_ITEM,
  IncidentAlreadyLinked,
  IncidentNotLinked,
  incidentLinkEntries,
  incidentUnlinkEntries,
  linkedProblemOfRefusal,
} from '../../incidents/operations.ts';
import { findIncidentForWrite, incidentsByIds } from '../../incidents/reads.ts';
import { conflict, HttpError, notFound } from '../../shared/errors.ts';
import { log } from '../../shared/log.ts';
import type { Page } from '../../shared/store/pagination.ts';
import { retryOnConflict } from '../../shared/store/retry.ts';
import { named, type TransactionEntry, TransactionRefused, transactWrite } from '../../shared/store/transaction.ts';
import { problemOwners } from '../domain/events.ts';
import { canChangeLinks, type LinkedIncidentReference, moveLinkedIncidentCount } from '../domain/links.ts';
import type { Problem } from '../domain/problem.ts';
import { PROBLEM_ITEM, problemWrite } from '../problem-write.ts';
import type { LinkedIncident } from '../schemas/links.ts';
import { LINK_ITEM, linkDelete, linkPut, listProblemIncidentLinks, type ProblemIncidentLink } from '../store/problem-link-store.ts';
import { getProblemById } from '../store/problem-store.ts';

/*
 * A problem's links to incidents: the one way they are made and undone (the HTTP routes in
 * handlers/problem-incidents.ts, and accepting a problem candidate). A link is ONE transaction on
 * both records: the link item, the problem (linkedIncidentCount + 1, new version, history
 * `incident_linked`, Problem Incident Linked) and the incident (`problem` set, new version, history,
 * Incident Updated), the incident's part built by the incidents area's own operation
 * (incidentLinkEntries), whose condition refuses an incident linked to another problem meanwhile.
 * Unlinking mirrors it.
 */

/**
 * A link racing another write of the problem or of the incident reads both again and retries.
 * Every link of a problem moves its version, so N links of one problem at once need up to N
 * rounds: enough attempts for a burst, spread out by linkBackoff, within LINK_RETRY_WINDOW_MS.
 */
export const LINK_ATTEMPTS = 12;

/**
 * Milliseconds before attempt `failedAttempt + 1`: a random wait below a bound that doubles from
 * 40 ms up to 640 ms ("full jitter"), so links that lost the same round do not meet again in the
 * next.
 */
export const linkBackoff = (failedAttempt: number): number => Math.random() * Math.min(640, 20 * 2 ** failedAttempt);

/**
 * How long a request keeps retrying a lost race before it answers 409 link-contended: half of the
 * function's default 10 s timeout, so the last attempt still ends in an answer, never a timeout (500).
 */
export const LINK_RETRY_WINDOW_MS = 5_000;

const reference = (incident: Pick<Incident, 'id' | 'number'>): LinkedIncidentReference => ({ id: incident.id, number: incident.number });

/** 409 `incident-already-linked`, naming the problem the incident is linked to. */
export function incidentAlreadyLinked(incident: Pick<Incident, 'id' | 'number'>, problem: { id: string; number: string }): HttpError {
  return conflict(
    'incident-already-linked',
    'Incident already linked to a problem',
    `${incident.number} is already linked to problem ${problem.number}; an incident is linked to at most one problem (unlink it there first)`,
    { incident: reference(incident), linkedProblem: { id: problem.id, number: problem.number } },
  );
}

/** 409 `problem-closed`: a closed or canceled problem's links are history. */
export function problemClosed(problem: Problem): HttpError {
  return conflict('problem-closed', 'Problem closed', `${problem.number} is ${problem.status}: its incidents can no longer be linked or unlinked`, {
    problemStatus: problem.status,
  });
}

const linkNotFound = (problem: Problem, incident: string): HttpError => notFound(`A link from problem ${problem.number} to incident ${incident}`);

export function linkedIncidentView(
  link: Pick<ProblemIncidentLink, 'incidentId' | 'incidentNumber' | 'linkedAt' | 'linkedBy'>,
  incident: Incident | undefined,
): LinkedIncident {
  return {
    id: link.incidentId,
    number: incident?.number ?? link.incidentNumber,
    ...(incident === undefined
      ? {}
      : {
          title: incident.title,
          status: incident.status,
          priority: incident.priority,
          ...(incident.service === undefined ? {} : { service: incident.service }),
          ...(incident.assignmentGroup === undefined ? {} : { assignmentGroup: incident.assignmentGroup }),
          ...(incident.assignee === undefined ? {} : { assignee: incident.assignee }),
        }),
    linkedAt: link.linkedAt,
    linkedBy: link.linkedBy,
  };
}

export interface LinkWrite {
  /** The problem after the link: its new version and count. */
  problem: Problem;
  /** The incident after the link, naming the problem. */
  incident: Incident;
  link: ProblemIncidentLink;
  items: TransactionEntry[];
}

/**
 * The transaction that links `incident` to `problem`, both as read. Throws 409 when the problem is
 * closed or canceled, or the incident is linked already (incident-already-linked, naming where).
 */
export function linkWrite(problem: Problem, incident: Incident, actor: string, now: Date): LinkWrite {
  if (!canChangeLinks(problem)) throw problemClosed(problem);
  let incidentPart: ReturnType<typeof incidentLinkEntries>;
  try {
    incidentPart = incidentLinkEntries(incident, { id: problem.id, number: problem.number }, actor, now);
  } catch (error) {
    if (error instanceof IncidentAlreadyLinked) throw incidentAlreadyLinked(incident, error.problem);
    throw error;
  }
  const moved = moveLinkedIncidentCount(problem, reference(incident), 1, { actor: { userId: actor }, now });
  const link: ProblemIncidentLink = {
    problemId: problem.id,
    incidentId: incident.id,
    incidentNumber: incident.number,
    linkedAt: now.toISOString(),
    linkedBy: actor,
  };
  const items = [
    ...problemWrite({
      before: problem,
      after: moved.next,
      actor,
      changes: moved.changes,
      now,
      action: 'incident_linked',
      event: { type: 'Problem Incident Linked', recipients: problemOwners(moved.next), incident: reference(incident) },
    }),
    ...incidentPart.items,
    named(LINK_ITEM, linkPut(link)),
  ];
  return { problem: moved.next, incident: incidentPart.incident, link, items };
}

/**
 * What a refused link transaction means: 409 when the incident turned out linked (another problem
 * won the race, named), else the refusal itself (the problem or the incident moved: read again).
 */
export function linkRefusal(error: TransactionRefused, problem: Problem, incident: Incident): HttpError | TransactionRefused {
  const winner = linkedProblemOfRefusal(error);
  if (winner !== undefined) return incidentAlreadyLinked(incident, winner);
  if (error.has(LINK_ITEM)) return incidentAlreadyLinked(incident, problem);
  return error;
}

/**
 * A race worth reading again for: the problem's or the incident's version moved, or the
 * transaction kept colliding with another in flight on the same items (its own retries ran out).
 */
export const isLinkRace = (error: unknown): boolean =>
  error instanceof TransactionRefused && (error.conflicted || error.has(PROBLEM_ITEM) || error.has(INCIDENT_ITEM));

/**
 * 409 `link-contended`: the problem (or the incident) kept changing under the link through every
 * attempt (a burst of links to one problem, each moving its version). Nothing was changed: the
 * same request sent again (after Retry-After) makes the link.
 */
export function linkContended(problem: string, attempts: number): HttpError {
  return new HttpError(
    409,
    'link-contended',
    'Link contended',
    `Problem ${problem} changed under this request ${attempts} times (other links or edits of it at the same moment); nothing was changed, send the same request again`,
    {},
    { 'retry-after': '1' },
  );
}

/**
 * The transaction that unlinks `incident` from `problem`. Throws 404 when they are not linked, 409
 * when the problem is closed or canceled.
 */
export function unlinkWrite(
  problem: Problem,
  incident: Incident,
  incidentAsAsked: string,
  actor: string,
  now: Date,
): { problem: Problem; items: TransactionEntry[] } {
  if (incident.problem?.id !== problem.id) throw linkNotFound(problem, incidentAsAsked);
  if (!canChangeLinks(problem)) throw problemClosed(problem);
  let incidentPart: ReturnType<typeof incidentUnlinkEntries>;
  try {
    incidentPart = incidentUnlinkEntries(incident, problem.id, actor, now);
  } catch (error) {
    if (error instanceof IncidentNotLinked) throw linkNotFound(problem, incidentAsAsked);
    throw error;
  }
  const moved = moveLinkedIncidentCount(problem, reference(incident), -1, { actor: { userId: actor }, now });
  const items = [
    ...problemWrite({
      before: problem,
      after: moved.next,
      actor,
      changes: moved.changes,
      now,
      action: 'incident_unlinked',
      event: { type: 'Problem Incident Unlinked', recipients: problemOwners(moved.next), incident: reference(incident) },
    }),
    ...incidentPart.items,
    named(LINK_ITEM, linkDelete(problem.id, incident.id)),
  ];
  return { problem: moved.next, items };
}

/** What a refused unlink means: 404 when someone else unlinked first, else the refusal (read again). */
export function unlinkRefusal(error: TransactionRefused, problem: Problem, incidentAsAsked: string): HttpError | TransactionRefused {
  const stillLinked = !error.has(INCIDENT_ITEM) || linkedProblemOfRefusal(error)?.id === problem.id;
  if (error.has(LINK_ITEM) || !stillLinked) return linkNotFound(problem, incidentAsAsked);
  return error;
}

/** One page of a problem's incidents, newest link first, each as it is now (one BatchGetItem for the page, after the Query). */
export async function listLinkedIncidents(page: Page<ProblemIncidentLink>): Promise<Page<LinkedIncident>> {
  const incidents = new Map((await incidentsByIds(page.items.map((link) => link.incidentId))).map((incident) => [incident.id, incident]));
  return {
    items: page.items.map((link) => linkedIncidentView(link, incidents.get(link.incidentId))),
    ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }),
  };
}

export { listProblemIncidentLinks };

/**
 * Links incidents to a problem one at a time, each in its own transaction (accepting a problem
 * candidate). Idempotent, so an accept that stopped half way completes when run again: an incident
 * linked to this problem already is skipped; one linked to another problem, or gone, is skipped
 * and logged (it stays where it is). Returns the problem as the last link left it, and the
 * incidents left unlinked with the problem each is linked to (none when the incident is gone).
 */
export interface NotLinkedIncident {
  incident: { id: string; number: string };
  linkedProblem?: { id: string; number: string };
}

export async function linkIncidentsToProblem(
  problem: Problem,
  incidents: readonly { id: string; number: string }[],
  actor: string,
): Promise<{ problem: Problem; notLinked: NotLinkedIncident[] }> {
  let current = problem;
  const notLinked: NotLinkedIncident[] = [];
  // An incident skipped (linked already, maybe by a concurrent accept) leaves `current` as read, which may be behind.
  let skipped = false;
  const leftOut = (wanted: { id: string; number: string }, linkedProblem: { id: string; number: string } | undefined): void => {
    notLinked.push({
      incident: { id: wanted.id, number: wanted.number },
      ...(linkedProblem === undefined ? {} : { linkedProblem: { id: linkedProblem.id, number: linkedProblem.number } }),
    });
  };
  for (const wanted of incidents) {
    current = await retryOnConflict(
      async (attempt) => {
        // After a refusal the problem is read again (strongly, by id); the incident is read each time.
        const [fresh, incident] = await Promise.all([attempt === 1 ? current : getProblemById(current.id), findIncidentForWrite(wanted.id)]);
        if (fresh === undefined) throw notFound(`Problem ${current.number}`);
        if (incident === undefined || incident.problem !== undefined) {
          if (incident?.problem?.id !== fresh.id) {
            log.warn('incident not linked to the problem', { problemId: fresh.id, incidentId: wanted.id, linkedTo: incident?.problem?.number });
            leftOut(wanted, incident?.problem);
          }
          skipped = true;
          return fresh;
        }
        const write = linkWrite(fresh, incident, actor, new Date());
        try {
          await transactWrite(write.items);
        } catch (error) {
          if (!(error instanceof TransactionRefused)) throw error;
          const meaning = linkRefusal(error, fresh, incident);
          if (meaning instanceof TransactionRefused) throw meaning;
          const winner = linkedProblemOfRefusal(error);
          if (winner !== undefined && winner.id !== fresh.id) {
            log.warn('incident linked elsewhere meanwhile; not linked to the problem', { problemId: fresh.id, incidentId: wanted.id });
            leftOut(wanted, winner);
          }
          // The problem did not change: the transaction was refused as a whole.
          skipped = true;
          return fresh;
        }
        return write.problem;
      },
      { attempts: LINK_ATTEMPTS, isConflict: isLinkRace, backoff: linkBackoff },
    );
  }
  // Answer the problem as it is now, not as this run last read it.
  if (skipped) current = (await getProblemById(current.id)) ?? current;
  return { problem: current, notLinked };
}
