import type { FieldDiff } from '../../shared/domain/audit.ts';
import {
  type EventDetail,
  eventDetailHead,
  type NoteReference,
  type Notification,
  notificationSubject,
  type OutboxRecord,
  only,
  type PublishedFieldDiff,
  type PublishRules,
  publishedFieldDiffs,
  type Recipients,
} from '../../shared/domain/outbox.ts';
import type { Change } from './change.ts';
import type { ChangeStatus, ChangeType } from './lifecycle.ts';
import type { RiskLevel } from './risk.ts';

/*
 * What the product tells the world about change requests, through the same transactional outbox as
 * incidents (shared/domain/outbox.ts): every committed change of a change request writes one outbox
 * record in its transaction (change-request-write.ts, the approval steps), and the publisher turns it,
 * unchanged, into one EventBridge event and one SNS notification. The event types live here, with
 * the change requests that own them; the publisher's schemas and the notification filters read them.
 *
 * No free text leaves (publishedFieldDiffs): no title, plan, justification, vote comment, note body,
 * rejection comment, cancel or override reason, implementation notes or review summary. The
 * `detail.changes` name what the write changed, with values only for the fields that hold none;
 * votes and notes are named, and read through the API.
 */

export const CHANGE_EVENT_TYPES = [
  'Change Created',
  'Change Updated',
  'Change Submitted',
  'Change Approval Requested',
  'Change Approval Reminder',
  'Change Approval Escalated',
  'Change Vote Recorded',
  'Change Scheduled',
  'Change Rejected',
  'Change Expired',
  'Change Start Blocked',
  'Change Start Overridden',
  'Change Implementation Started',
  'Change Implemented',
  'Change Closed',
  'Change Canceled',
  'Change Note Added',
] as const;
export type ChangeEventType = (typeof CHANGE_EVENT_TYPES)[number];

export const APPROVAL_DECISIONS = ['approved', 'rejected', 'expired'] as const;
export const VOTE_DECISIONS = ['approve', 'reject'] as const;

/** The events that are about an approval round, and so must say which one. */
export const APPROVAL_EVENT_TYPES: readonly ChangeEventType[] = [
  'Change Approval Requested',
  'Change Approval Reminder',
  'Change Approval Escalated',
  'Change Vote Recorded',
  'Change Expired',
];

/**
 * Which approval an event is about: the round (the change's submission count), the board asked, how
 * many approvals it needs, the tally so far, and, once decided, the decision. A vote event names the
 * voter and how they voted, never their comment.
 */
export interface ApprovalReference {
  round: number;
  board: string;
  quorum: number;
  approvals: number;
  rejections: number;
  decision?: (typeof APPROVAL_DECISIONS)[number];
  vote?: { by: string; decision: (typeof VOTE_DECISIONS)[number] };
}

/** The change as events show it: enough to route, to link and to plan around, not the whole record (no title: free text). */
export interface ChangeSummary {
  id: string;
  number: string;
  type: ChangeType;
  status: ChangeStatus;
  /** The assessed risk level; absent until the change was assessed. */
  riskLevel?: RiskLevel;
  services: string[];
  assignmentGroup?: string;
  plannedStart: string;
  plannedEnd: string;
  version: number;
}

export interface ChangeEventDetail extends EventDetail<ChangeEventType> {
  change: ChangeSummary;
  changes?: PublishedFieldDiff[];
  approval?: ApprovalReference;
  /** Change Note Added: which note, never its body. */
  note?: NoteReference;
}

/**
 * Change notifications all go to the notifications topic (the major-incident topic is for P1
 * breaches). A change has no priority ('-'), and its `service` attribute is its first service ('-'
 * when none).
 */
export type ChangeNotification = Notification<ChangeEventType> & { topic: 'notifications' };

/** Changes have no SLA timers, so their records never move any. */
export interface ChangeOutboxRecord extends OutboxRecord<ChangeEventDetail> {
  changeId: string;
  notification: ChangeNotification;
}

/**
 * The change's fields whose values events may carry. The records a change holds publish who and
 * when (and the outcome, the risk level and score), never the comment, notes, summary or reason in
 * them; title, description, justification, the plans, the cancel reason and the configuration
 * items (free strings, up to 200 characters each) are named alone.
 */
export const CHANGE_PUBLISH_RULES: PublishRules = {
  fields: {
    ...Object.fromEntries(
      [
        'type',
        'services',
        'plannedStart',
        'plannedEnd',
        'outageRequired',
        'assignmentGroup',
        'status',
        'template',
        'conflicts',
        'reviewRequired',
        'closedAt',
        'canceledAt',
        'submissions',
        'workflow',
      ].map((field) => [field, 'value' as const]),
    ),
    risk: only('level', 'score'),
    implementation: only('outcome', 'at', 'by'),
    rejection: only('by', 'at'),
    review: only('at', 'by'),
    blackoutOverride: only('by', 'at'),
    // The freezes holding the start: names of blackout windows and instants, no free text.
    startBlocked: 'value',
    startOverride: only('by', 'at'),
  },
  // The approval steps' own fields: votes (approve or reject), round states, reminder counts.
  prefixes: ['approval.'],
};

export function summarizeChange(change: Change): ChangeSummary {
  return {
    id: change.id,
    number: change.number,
    type: change.type,
    status: change.status,
    ...(change.risk === undefined ? {} : { riskLevel: change.risk.level }),
    services: [...change.services],
    ...(change.assignmentGroup === undefined ? {} : { assignmentGroup: change.assignmentGroup }),
    plannedStart: change.plannedStart,
    plannedEnd: change.plannedEnd,
    version: change.version,
  };
}

/** The group that owns the change: who hears about it by default. */
export function changeOwners(change: Change): Recipients {
  return { users: [], groups: change.assignmentGroup === undefined ? [] : [change.assignmentGroup] };
}

/** Whoever raised the change and its group: told of each step of its way (scheduled, started, implemented, decided). */
export function requesterAndGroup(change: Change): Recipients {
  return { users: [change.createdBy], groups: changeOwners(change).groups };
}

/**
 * The event of an ordinary write, named after the status it reached. An approval outcome says more
 * than the status does (expired or rejected, by which board): the approval steps name their event.
 */
export function changeRecordEventType(before: Change | undefined, after: Change): ChangeEventType {
  if (before === undefined) return 'Change Created';
  if (before.status === after.status) return 'Change Updated';
  switch (after.status) {
    case 'assess':
      return 'Change Submitted';
    case 'scheduled':
      return 'Change Scheduled';
    case 'rejected':
      return 'Change Rejected';
    case 'implement':
      return 'Change Implementation Started';
    case 'review':
      return 'Change Implemented';
    case 'closed':
      return 'Change Closed';
    case 'canceled':
      return 'Change Canceled';
    default:
      return 'Change Updated';
  }
}

/** `2026-12-01 22:00 UTC`: minutes are what a change window is planned in. */
function instant(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** `2026-12-01 22:00 to 23:30 UTC`, or with both dates when it spans midnight. */
function plannedWindow(change: Change): string {
  const start = instant(change.plannedStart);
  const end = instant(change.plannedEnd);
  if (start.slice(0, 10) === end.slice(0, 10) && start.endsWith(' UTC')) return `${start.slice(0, -4)} to ${end.slice(11)}`;
  return `${start} to ${end}`;
}

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

function tally(approval: ApprovalReference): string {
  return `round ${approval.round}: ${approval.approvals} of ${approval.quorum} approvals, ${count(approval.rejections, 'rejection')}`;
}

const OUTCOME_TEXT = { successful: 'successful', failed: 'failed', backed_out: 'backed out' } as const;

function text(type: ChangeEventType, change: Change, detail: Pick<ChangeEventDetail, 'changes' | 'approval' | 'note'>): string {
  const head = change.number;
  const approval = detail.approval;
  const board = approval?.board ?? 'the approvers';
  const round = approval === undefined ? '' : ` (${tally(approval)})`;
  switch (type) {
    case 'Change Created':
      return `New ${change.type} change ${head}, planned ${plannedWindow(change)}`;
    case 'Change Updated':
      return `Updated: ${head}: ${(detail.changes ?? []).map((c) => c.field).join(', ')}`;
    case 'Change Submitted':
      return `Submitted for assessment: ${change.type} change ${head}${change.risk === undefined ? '' : ` (${change.risk.level} risk)`}, planned ${plannedWindow(change)}`;
    case 'Change Approval Requested':
      return `Approval requested from ${board} (round ${approval?.round}, ${count(approval?.quorum ?? 1, 'approval')} needed): ${head}, planned ${plannedWindow(change)}`;
    case 'Change Approval Reminder':
      return `Reminder: ${board} has not decided on ${head}${round}, planned ${plannedWindow(change)}`;
    case 'Change Approval Escalated':
      return `Approval overdue: ${board} has not decided on ${head} after the reminders${round}`;
    case 'Change Vote Recorded':
      return `${approval?.vote?.by} voted to ${approval?.vote?.decision} ${head} for ${board}${round}${approval?.decision === undefined ? '' : `: ${approval.decision}`}`;
    case 'Change Scheduled':
      return `${approval?.decision === 'approved' ? `Approved by ${board} and scheduled` : 'Scheduled'}: ${head}, planned ${plannedWindow(change)}`;
    case 'Change Rejected':
      return `Rejected${approval === undefined ? (change.rejection === undefined ? '' : ` by ${change.rejection.by}`) : ` by ${board}${round}`}: ${head}`;
    case 'Change Expired':
      return `Approval expired: ${board} did not decide on ${head} in time${round}`;
    case 'Change Start Blocked':
      return `Start held by ${(change.startBlocked?.blackouts ?? []).map((b) => b.name).join(', ') || 'a freeze'}: ${head}, planned ${plannedWindow(change)}, stays scheduled until the freeze is lifted or an admin overrides`;
    case 'Change Start Overridden':
      return `Start allowed by ${change.startOverride?.by ?? 'an admin'} despite the freeze: ${head}`;
    case 'Change Implementation Started':
      return `Implementation started: ${head}, planned to end ${instant(change.plannedEnd)}${change.outageRequired ? ' (outage expected)' : ''}`;
    case 'Change Implemented': {
      const outcome = change.implementation === undefined ? '' : `, ${OUTCOME_TEXT[change.implementation.outcome]}`;
      return `Implemented${outcome}: ${head}${change.reviewRequired ? '; a review is required' : ''}`;
    }
    case 'Change Closed':
      return `Closed: ${head}`;
    case 'Change Canceled':
      return `Canceled: ${head}`;
    case 'Change Note Added':
      return `${detail.note?.visibility === 'public' ? 'Note' : 'Work note'} by ${detail.note?.author} on ${head}`;
  }
}

function subject(type: ChangeEventType, change: Change): string {
  const tag = change.risk === undefined ? change.type : `${change.type}, ${change.risk.level} risk`;
  return notificationSubject(`[${tag}] ${type}: ${change.number}`);
}

/**
 * Refuses a record that would announce an approval without naming it, a vote without its voter or
 * a note without the note: a bug in the caller, caught in its transaction rather than by a reader.
 */
function assertComplete(type: ChangeEventType, approval: ApprovalReference | undefined, note: NoteReference | undefined): void {
  if (APPROVAL_EVENT_TYPES.includes(type) && approval === undefined) throw new Error(`${type} needs the approval it is about`);
  if (type === 'Change Vote Recorded' && approval?.vote === undefined) throw new Error('Change Vote Recorded needs the vote');
  if (type === 'Change Note Added' && note === undefined) throw new Error('Change Note Added needs the note');
}

export function changeOutboxRecord(input: {
  eventId: string;
  type: ChangeEventType;
  change: Change;
  actor: string;
  occurredAt: string;
  recipients: Recipients;
  changes?: FieldDiff[];
  approval?: ApprovalReference;
  note?: NoteReference;
}): ChangeOutboxRecord {
  const { change, type } = input;
  assertComplete(type, input.approval, input.note);
  const detail: ChangeEventDetail = {
    ...eventDetailHead(type, input),
    change: summarizeChange(change),
    ...(input.changes === undefined ? {} : { changes: publishedFieldDiffs(input.changes, CHANGE_PUBLISH_RULES) }),
    ...(input.approval === undefined ? {} : { approval: input.approval }),
    ...(input.note === undefined ? {} : { note: input.note }),
  };
  return {
    eventId: input.eventId,
    changeId: change.id,
    detail,
    notification: {
      topic: 'notifications',
      subject: subject(type, change),
      recipients: input.recipients,
      text: text(type, change, detail),
      attributes: {
        eventType: type,
        priority: '-',
        assignmentGroup: change.assignmentGroup ?? '-',
        service: change.services[0] ?? '-',
      },
    },
  };
}
