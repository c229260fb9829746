import { DETAIL_SCHEMA_VERSION, type EventDetail, type Notification, notificationSubject, type OutboxRecord } from '../../shared/domain/outbox.ts';
import type { CountedIncident, RecurrenceKey, RecurrenceRule } from './recurrence.ts';

/*
 * A problem candidate: incidents that recurred often enough (domain/recurrence.ts) to propose a
 * problem. Someone accepts it (a problem opens with its incidents linked) or dismisses it with a
 * reason. Pure rules and its events: found, accepted, dismissed.
 */

export const CANDIDATE_STATUSES = ['open', 'accepted', 'dismissed'] as const;
export type CandidateStatus = (typeof CANDIDATE_STATUSES)[number];

export interface ProblemCandidate {
  id: string;
  number: string;
  status: CandidateStatus;
  key: RecurrenceKey;
  rule: RecurrenceRule;
  windowStart: string;
  windowEnd: string;
  incidents: CountedIncident[];
  /** The service's owner group when it was found: told, and the problem's group on accept. */
  assignmentGroup?: string;
  /** accepted: the problem it opened, who accepted it and when. */
  acceptance?: { problem: { id: string; number: string }; by: string; at: string };
  /** dismissed: why, who and when. */
  dismissal?: { reason: string; by: string; at: string };
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** A number is PRC + 7 digits, from 1001 like the other records' numbers. */
export const formatCandidateNumber = (sequence: number): string => `PRC${String(1000 + sequence).padStart(7, '0')}`;

/** The candidate is not open: accepted or dismissed already. */
export class CandidateNotOpen extends Error {
  constructor(readonly candidate: ProblemCandidate) {
    super(`Candidate ${candidate.number} is ${candidate.status}`);
    this.name = 'CandidateNotOpen';
  }
}

/** What a problem opened from the candidate starts with: its title, service and category come from the key. */
export function problemFromCandidate(candidate: ProblemCandidate): {
  title: string;
  service?: string;
  category?: string;
  assignmentGroup?: string;
  candidate: { id: string; number: string };
} {
  const count = candidate.incidents.length;
  const days = candidate.rule.windowDays;
  const { key } = candidate;
  const title =
    key.kind === 'service_category'
      ? `Recurring ${key.category} incidents on ${key.service} (${count} in ${days} days)`
      : `Recurring alert ${key.dedupKey}${key.service === undefined ? '' : ` on ${key.service}`} (${count} incidents in ${days} days)`;
  return {
    // Problem titles are at most 200 characters; a long dedup key must not make the accept fail.
    title: title.length <= 200 ? title : `${title.slice(0, 197)}...`,
    ...(key.service === undefined ? {} : { service: key.service }),
    ...(key.kind === 'service_category' ? { category: key.category } : {}),
    ...(candidate.assignmentGroup === undefined ? {} : { assignmentGroup: candidate.assignmentGroup }),
    candidate: { id: candidate.id, number: candidate.number },
  };
}

export function acceptCandidate(candidate: ProblemCandidate, problem: { id: string; number: string }, by: string, now: string): ProblemCandidate {
  if (candidate.status !== 'open') throw new CandidateNotOpen(candidate);
  return { ...candidate, status: 'accepted', acceptance: { problem, by, at: now }, updatedAt: now, version: candidate.version + 1 };
}

export function dismissCandidate(candidate: ProblemCandidate, reason: string, by: string, now: string): ProblemCandidate {
  if (candidate.status !== 'open') throw new CandidateNotOpen(candidate);
  return { ...candidate, status: 'dismissed', dismissal: { reason, by, at: now }, updatedAt: now, version: candidate.version + 1 };
}

// ---------------------------------------------------------------------------------------------
// Its events

export const CANDIDATE_FOUND = 'Problem Candidate Found';
export const CANDIDATE_ACCEPTED = 'Problem Candidate Accepted';
export const CANDIDATE_DISMISSED = 'Problem Candidate Dismissed';
/** A candidate's events carry `candidate` (and `candidateId` beside the detail), not a problem: its own list. */
export const CANDIDATE_EVENT_TYPES = [CANDIDATE_FOUND, CANDIDATE_ACCEPTED, CANDIDATE_DISMISSED] as const;
export type CandidateEventType = (typeof CANDIDATE_EVENT_TYPES)[number];

/**
 * The candidate as its events show it: no category, no dedup key and no dismissal reason, which
 * are free text someone or some monitoring tool typed (read them through the API).
 */
export interface CandidateSummary {
  id: string;
  number: string;
  status: CandidateStatus;
  kind: RecurrenceKey['kind'];
  service?: string;
  assignmentGroup?: string;
  incidentCount: number;
  incidents: { id: string; number: string }[];
  threshold: number;
  windowDays: number;
  windowStart: string;
  windowEnd: string;
  /** accepted: the problem it opened. */
  problem?: { id: string; number: string };
  version: number;
}

export interface CandidateEventDetail extends EventDetail<CandidateEventType> {
  candidate: CandidateSummary;
}

export interface CandidateOutboxRecord extends OutboxRecord<CandidateEventDetail> {
  candidateId: string;
}

export function summarizeCandidate(candidate: ProblemCandidate): CandidateSummary {
  return {
    id: candidate.id,
    number: candidate.number,
    status: candidate.status,
    kind: candidate.key.kind,
    ...(candidate.key.service === undefined ? {} : { service: candidate.key.service }),
    ...(candidate.assignmentGroup === undefined ? {} : { assignmentGroup: candidate.assignmentGroup }),
    incidentCount: candidate.incidents.length,
    incidents: candidate.incidents.map(({ id, number }) => ({ id, number })),
    threshold: candidate.rule.threshold,
    windowDays: candidate.rule.windowDays,
    windowStart: candidate.windowStart,
    windowEnd: candidate.windowEnd,
    ...(candidate.acceptance === undefined ? {} : { problem: candidate.acceptance.problem }),
    version: candidate.version,
  };
}

function candidateText(type: CandidateEventType, candidate: ProblemCandidate, actor: string): string {
  switch (type) {
    case CANDIDATE_FOUND: {
      const what = candidate.key.kind === 'service_category' ? `incidents on ${candidate.key.service} in one category` : 'incidents from one alert';
      return `${candidate.number}: ${candidate.incidents.length} ${what} within ${candidate.rule.windowDays} days (${candidate.incidents
        .map((i) => i.number)
        .join(', ')}). Accept it to open a problem, or dismiss it.`;
    }
    case CANDIDATE_ACCEPTED:
      return `${candidate.number} accepted by ${actor}: problem ${candidate.acceptance?.problem.number} opened with its ${candidate.incidents.length} incidents`;
    case CANDIDATE_DISMISSED:
      return `${candidate.number} dismissed by ${actor}: not a problem (the reason is on GET /problem-candidates/${candidate.id})`;
  }
}

/**
 * A candidate's event, told to the service's owner group (nobody is named when the service has
 * none): found ('problem-detection' records it), then accepted or dismissed by an agent.
 */
export function candidateOutboxRecord(type: CandidateEventType, candidate: ProblemCandidate, eventId: string, actor: string): CandidateOutboxRecord {
  if (type === CANDIDATE_ACCEPTED && candidate.acceptance === undefined) throw new Error(`${CANDIDATE_ACCEPTED} needs the problem the candidate opened`);
  const notification: Notification<CandidateEventType> = {
    topic: 'notifications',
    subject: notificationSubject(`${type}: ${candidate.number}`),
    recipients: { users: [], groups: candidate.assignmentGroup === undefined ? [] : [candidate.assignmentGroup] },
    text: candidateText(type, candidate, actor),
    attributes: { eventType: type, priority: '-', assignmentGroup: candidate.assignmentGroup ?? '-', service: candidate.key.service ?? '-' },
  };
  return {
    eventId,
    candidateId: candidate.id,
    detail: {
      schemaVersion: DETAIL_SCHEMA_VERSION,
      eventId,
      type,
      occurredAt: type === CANDIDATE_FOUND ? candidate.createdAt : candidate.updatedAt,
      actor,
      candidate: summarizeCandidate(candidate),
    },
    notification,
  };
}

/** 'Problem Candidate Found', as the detection records it. */
export const candidateFoundRecord = (candidate: ProblemCandidate, eventId: string, actor: string): CandidateOutboxRecord =>
  candidateOutboxRecord(CANDIDATE_FOUND, candidate, eventId, actor);
