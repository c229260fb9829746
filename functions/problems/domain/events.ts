import type { FieldDiff } from '../../shared/domain/audit.ts';
import {
  assigneeAndGroupOf,
  type EventDetail,
  eventDetailHead,
  type NoteReference,
  type Notification,
  notificationSubject,
  type OutboxRecord,
  only,
  ownersOf,
  type PublishedFieldDiff,
  type PublishRules,
  publishedFieldDiffs,
  type Recipients,
} from '../../shared/domain/outbox.ts';
import type { ProblemResolutionCode, ProblemStatus } from './lifecycle.ts';
import type { Problem } from './problem.ts';

/*
 * What the product tells the world about problems, through the same transactional outbox as
 * incidents and change requests (shared/domain/outbox.ts): every committed write of a problem
 * writes one outbox record in its transaction (problem-write.ts), and the publisher turns it,
 * unchanged, into one EventBridge event and one SNS notification.
 *
 * No free text leaves (publishedFieldDiffs): no title, description, root cause, workaround, fix text,
 * resolution notes, review summary or note body; `detail.changes` names those fields alone.
 */

export const PROBLEM_EVENT_TYPES = [
  'Problem Opened',
  'Problem Updated',
  'Problem Known Error Published',
  'Problem Resolved',
  'Problem Closed',
  'Problem Canceled',
  'Problem Note Added',
  'Problem Incident Linked',
  'Problem Incident Unlinked',
  'Problem Fix Failed',
] as const;
export type ProblemEventType = (typeof PROBLEM_EVENT_TYPES)[number];

/** The problem as events show it: enough to route and to link, not the whole record (no title: free text). */
export interface ProblemSummary {
  id: string;
  number: string;
  status: ProblemStatus;
  priority: string;
  service?: string;
  assignmentGroup?: string;
  assignee?: string;
  knownError: boolean;
  version: number;
}

export interface ProblemEventDetail extends EventDetail<ProblemEventType> {
  problem: ProblemSummary;
  changes?: PublishedFieldDiff[];
  /** Problem Note Added: which note, never its body. */
  note?: NoteReference;
  /** Problem Incident Linked / Unlinked: which incident. */
  incident?: { id: string; number: string };
  /** Problem Fix Failed: the fix's change request and how it ended. */
  fix?: FixFailure;
  /**
   * Problem Resolved: the resolution this event announces (code, when, who; never the notes) and
   * whether it resolves the linked incidents, as they were at this write: the reaction that tells
   * the incidents (reactions.ts) acts on these, not on the problem as it is when it runs.
   */
  resolution?: { code: ProblemResolutionCode; at: string; by: string };
  resolveLinkedIncidents?: boolean;
}

/** How the change request a problem's fix names ended, when it did not close successfully. */
export interface FixFailure {
  change: { id: string; number: string };
  outcome: 'failed' | 'backed_out' | 'canceled' | 'rejected' | 'expired' | 'successful';
}

export type ProblemNotification = Notification<ProblemEventType> & { topic: 'notifications' };

export interface ProblemOutboxRecord extends OutboxRecord<ProblemEventDetail> {
  problemId: string;
  notification: ProblemNotification;
}

/**
 * The fields whose values events may carry: states, levels, directory names, instants, flags,
 * counts, and of the records only who, when, the code and the linked change. Title, description,
 * configuration item, category, root cause and workaround are free text: named alone.
 */
export const PROBLEM_PUBLISH_RULES: PublishRules = {
  fields: {
    ...Object.fromEntries(
      [
        'impact',
        'urgency',
        'priority',
        'status',
        'service',
        'assignmentGroup',
        'assignee',
        'rootCauseAt',
        'knownError',
        'knownErrorPublishedAt',
        'resolveLinkedIncidents',
        'linkedIncidentCount',
        'resolvedAt',
        'closedAt',
        'canceledAt',
      ].map((field) => [field, 'value' as const]),
    ),
    // The linked change request alone, never the text; `{change: null}` rather than an empty map when
    // there is none: an outbox item holding `{}` reached the publisher as an image it could not read
    // (local stack, 'the image is not DynamoDB JSON'), and a member that says "no change" is clearer.
    fix: (value) => ({ change: (value as { change?: unknown }).change ?? null }),
    // The incident a link or an unlink names: its id and number.
    incident: 'value',
    resolution: only('code', 'at', 'by'),
    review: only('at', 'by'),
  },
};

export function summarizeProblem(problem: Problem): ProblemSummary {
  return {
    id: problem.id,
    number: problem.number,
    status: problem.status,
    priority: problem.priority,
    ...(problem.service === undefined ? {} : { service: problem.service }),
    ...(problem.assignmentGroup === undefined ? {} : { assignmentGroup: problem.assignmentGroup }),
    ...(problem.assignee === undefined ? {} : { assignee: problem.assignee }),
    knownError: problem.knownError,
    version: problem.version,
  };
}

/** Who is expected to act: the assignee, else the whole group (as for incidents). */
export const problemOwners = (problem: Problem): Recipients => ownersOf(problem);

/** The assignee and the whole group: told of what concerns everyone working on it (a resolution, a known error). */
export const problemAssigneeAndGroup = (problem: Problem): Recipients => assigneeAndGroupOf(problem);

/**
 * The event of an ordinary write. A status reached says the most (Resolved, Closed, Canceled);
 * else a known error published in this write; else Problem Updated. One write, one event: a write
 * that resolves and publishes at once announces the resolution, and its `changes` show knownError.
 */
export function problemRecordEventType(before: Problem | undefined, after: Problem): ProblemEventType {
  if (before === undefined) return 'Problem Opened';
  if (before.status !== after.status) {
    if (after.status === 'resolved') return 'Problem Resolved';
    if (after.status === 'closed') return 'Problem Closed';
    if (after.status === 'canceled') return 'Problem Canceled';
  }
  if (!before.knownError && after.knownError) return 'Problem Known Error Published';
  return 'Problem Updated';
}

/** The recipients of an ordinary write: everyone on it for news that concerns them all, the owners otherwise. */
export function problemRecordRecipients(type: ProblemEventType, after: Problem): Recipients {
  return type === 'Problem Resolved' || type === 'Problem Known Error Published' ? problemAssigneeAndGroup(after) : problemOwners(after);
}

const RESOLUTION_TEXT = { fix_applied: 'fix applied', risk_accepted: 'risk accepted', duplicate: 'duplicate', canceled: 'canceled' } as const;

const FIX_OUTCOME_TEXT = {
  failed: 'failed',
  backed_out: 'was backed out',
  canceled: 'was canceled',
  rejected: 'was rejected',
  expired: 'expired unapproved',
  successful: 'closed',
} as const;

function text(type: ProblemEventType, problem: Problem, detail: Pick<ProblemEventDetail, 'changes' | 'note' | 'incident' | 'fix'>): string {
  const head = problem.number;
  switch (type) {
    case 'Problem Opened':
      return `New problem ${head} (${problem.priority})${problem.service === undefined ? '' : ` on ${problem.service}`}`;
    case 'Problem Updated':
      return `Updated: ${head}: ${(detail.changes ?? []).map((c) => c.field).join(', ')}`;
    case 'Problem Known Error Published':
      return `Known error published: ${head}${problem.workaround === undefined ? '' : ', with a workaround'}`;
    case 'Problem Resolved':
      return `Resolved (${problem.resolution === undefined ? 'no code' : RESOLUTION_TEXT[problem.resolution.code]}): ${head}`;
    case 'Problem Closed':
      return `Closed after review: ${head}`;
    case 'Problem Canceled':
      return `Canceled: ${head}`;
    case 'Problem Note Added':
      return `Work note by ${detail.note?.author} on ${head}`;
    case 'Problem Incident Linked':
      return `Incident ${detail.incident?.number} linked to ${head} (${problem.linkedIncidentCount} linked)`;
    case 'Problem Incident Unlinked':
      return `Incident ${detail.incident?.number} unlinked from ${head} (${problem.linkedIncidentCount} linked)`;
    case 'Problem Fix Failed':
      return `The fix of ${head} did not go in: change ${detail.fix?.change.number} ${detail.fix === undefined ? 'ended' : FIX_OUTCOME_TEXT[detail.fix.outcome]}`;
  }
}

export function problemOutboxRecord(input: {
  eventId: string;
  type: ProblemEventType;
  problem: Problem;
  actor: string;
  occurredAt: string;
  recipients: Recipients;
  changes?: FieldDiff[];
  note?: NoteReference;
  incident?: { id: string; number: string };
  fix?: FixFailure;
}): ProblemOutboxRecord {
  const { problem, type } = input;
  if (type === 'Problem Note Added' && input.note === undefined) throw new Error('Problem Note Added needs the note');
  const detail: ProblemEventDetail = {
    ...eventDetailHead(type, input),
    problem: summarizeProblem(problem),
    ...(input.changes === undefined ? {} : { changes: publishedFieldDiffs(input.changes, PROBLEM_PUBLISH_RULES) }),
    ...(input.note === undefined ? {} : { note: input.note }),
    ...(input.incident === undefined ? {} : { incident: input.incident }),
    ...(input.fix === undefined ? {} : { fix: input.fix }),
    ...(type === 'Problem Resolved' && problem.resolution !== undefined
      ? {
          resolution: { code: problem.resolution.code, at: problem.resolution.at, by: problem.resolution.by },
          resolveLinkedIncidents: problem.resolveLinkedIncidents,
        }
      : {}),
  };
  return {
    eventId: input.eventId,
    problemId: problem.id,
    detail,
    notification: {
      topic: 'notifications',
      subject: notificationSubject(`[${problem.priority}] ${type}: ${problem.number}`),
      recipients: input.recipients,
      text: text(type, problem, detail),
      attributes: {
        eventType: type,
        priority: problem.priority,
        assignmentGroup: problem.assignmentGroup ?? '-',
        service: problem.service ?? '-',
      },
    },
  };
}
