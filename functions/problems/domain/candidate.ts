import { DETAIL_SCHEMA_VERSION, type EventDetail, type Notification, notificationSubject, type OutboxRecord } from '../../shared/domain/outbox.ts';
import type { CountedIncident, RecurrenceKey, RecurrenceRule } from './recurrence.ts';

/*
 * A problem candidate: incidents that recurred often enough (domain/recurrence.ts) to propose a
 * problem. Someone accepts it (a problem opens with its incidents linked) or dismisses it with a
 * reason. Pure rules and its one event, 'Problem Candidate Found'.
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
  problem?: { id: string; number: string };
  dismissal?: { reason: string; by: string; at: string };
  acceptedBy?: string;
  acceptedAt?: string;
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
export function problemFromCandidate(candidate: ProblemCandidate): { title: string; service?: string; category?: string; assignmentGroup?: string } {
  const count = candidate.incidents.length;
  const days = candidate.rule.windowDays;
  const { key } = candidate;
  const title =
    key.kind === 'service-category'
      ? `Recurring ${key.category} incidents on ${key.service} (${count} in ${days} days)`
      : `Recurring alert ${key.dedupKey}${key.service === undefined ? '' : ` on ${key.service}`} (${count} incidents in ${days} days)`;
  return {
    // Problem titles are at most 200 characters; a long dedup key must not make the accept fail.
    title: title.length <= 200 ? title : `${title.slice(0, 197)}...`,
    ...(key.service === undefined ? {} : { service: key.service }),
    ...(key.kind === 'service-category' ? { category: key.category } : {}),
    ...(candidate.assignmentGroup === undefined ? {} : { assignmentGroup: candidate.assignmentGroup }),
  };
}

export function acceptCandidate(candidate: ProblemCandidate, problem: { id: string; number: string }, by: string, now: string): ProblemCandidate {
  if (candidate.status !== 'open') throw new CandidateNotOpen(candidate);
  return { ...candidate, status: 'accepted', problem, acceptedBy: by, acceptedAt: now, updatedAt: now, version: candidate.version + 1 };
}

export function dismissCandidate(candidate: ProblemCandidate, reason: string, by: string, now: string): ProblemCandidate {
  if (candidate.status !== 'open') throw new CandidateNotOpen(candidate);
  return { ...candidate, status: 'dismissed', dismissal: { reason, by, at: now }, updatedAt: now, version: candidate.version + 1 };
}

// ---------------------------------------------------------------------------------------------
// Its event

export const CANDIDATE_FOUND = 'Problem Candidate Found';

/**
 * The candidate as its event shows it: no category and no dedup key, which are free text someone
 * or some monitoring tool typed (read them through the API).
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
  version: number;
}

export interface CandidateEventDetail extends EventDetail<typeof CANDIDATE_FOUND> {
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
    version: candidate.version,
  };
}

/** 'Problem Candidate Found', told to the service's owner group (nobody is named when the service has none). */
export function candidateFoundRecord(candidate: ProblemCandidate, eventId: string, actor: string): CandidateOutboxRecord {
  const summary = summarizeCandidate(candidate);
  const what = candidate.key.kind === 'service-category' ? `incidents on ${candidate.key.service} in one category` : 'incidents from one alert';
  const notification: Notification<typeof CANDIDATE_FOUND> = {
    topic: 'notifications',
    subject: notificationSubject(`${CANDIDATE_FOUND}: ${candidate.number}`),
    recipients: { users: [], groups: candidate.assignmentGroup === undefined ? [] : [candidate.assignmentGroup] },
    text: `${candidate.number}: ${candidate.incidents.length} ${what} within ${candidate.rule.windowDays} days (${candidate.incidents
      .map((i) => i.number)
      .join(', ')}). Accept it to open a problem, or dismiss it.`,
    attributes: { eventType: CANDIDATE_FOUND, priority: '-', assignmentGroup: candidate.assignmentGroup ?? '-', service: candidate.key.service ?? '-' },
  };
  return {
    eventId,
    candidateId: candidate.id,
    detail: { schemaVersion: DETAIL_SCHEMA_VERSION, eventId, type: CANDIDATE_FOUND, occurredAt: candidate.createdAt, actor, candidate: summary },
    notification,
  };
}
