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
  type PublishedFieldDiff,
  type PublishRules,
  publishedFieldDiffs,
  type Recipients,
} from '../../shared/domain/outbox.ts';
import type { TimerMoves } from '../../sla/domain/timers.ts';
import type { ClockName } from '../../sla/domain/types.ts';
import type { RequestStageSummary, RequestStatus, ServiceRequest } from './request.ts';
import type { FulfilmentTask, TaskStatus } from './task.ts';

/*
 * What the product tells the world about service requests, their approvals, fulfilment tasks and
 * the catalog, through the transactional outbox (shared/domain/outbox.ts) as change requests do.
 * No free text leaves: no answers, note bodies or vote comments; the mail sender (functions/email)
 * reads the request for those.
 */

export const REQUEST_EVENT_TYPES = [
  'Request Submitted',
  'Request Updated',
  'Request Approval Requested',
  'Request Approval Reminder',
  'Request Vote Recorded',
  'Request Approved',
  'Request Rejected',
  'Request Expired',
  'Request Canceled',
  'Request In Fulfilment',
  'Request Fulfilled',
  'Request Closed Incomplete',
  'Request Closed',
  'Request Note Added',
  'Task Created',
  'Task Updated',
  'Task Closed',
  'Task SLA Warning',
  'Task SLA Breached',
  'Catalog Item Created',
  'Catalog Item Updated',
  'Catalog Item Deleted',
] as const;
export type RequestEventType = (typeof REQUEST_EVENT_TYPES)[number];

/** The events about a request's approval stages: they name the stage (index, who was asked). */
export const REQUEST_STAGE_EVENT_TYPES: readonly RequestEventType[] = [
  'Request Approval Requested',
  'Request Approval Reminder',
  'Request Vote Recorded',
  'Request Expired',
];

/** The request as events show it: ids, states and who, never the answers (free text). */
export interface RequestSummary {
  id: string;
  number: string;
  status: RequestStatus;
  item: { id: string; version: number };
  requester: string;
  source: ServiceRequest['source'];
  currentStage?: number;
  version: number;
}

/** A fulfilment task as events show it: no description or close notes. */
export interface TaskSummary {
  id: string;
  number: string;
  requestId: string;
  requestNumber: string;
  order: number;
  status: TaskStatus;
  assignmentGroup: string;
  assignee?: string;
  version: number;
}

/** The stage an approval event is about: who was asked and the tally, never a comment. */
export interface StageReference {
  index: number;
  kind: RequestStageSummary['kind'];
  group?: string;
  quorum: number;
  approvers: string[];
  approvals: number;
  rejections: number;
  status: RequestStageSummary['status'];
  /** Request Vote Recorded: who voted and how. */
  vote?: { by: string; decision: 'approve' | 'reject' };
}

export interface RequestEventDetail extends EventDetail<RequestEventType> {
  request: RequestSummary;
  changes?: PublishedFieldDiff[];
  stage?: StageReference;
  note?: NoteReference;
}

/** Task SLA Warning / Breached: which clock crossed which threshold, as an incident's SLA events say it. */
export interface TaskSlaCrossing {
  clock: ClockName;
  /** Percent of the target; 100 is the breach. */
  threshold: number;
  /** The exact instant the threshold was reached (not when its timer fired). */
  crossedAt: string;
  policy: string;
  target: string;
}

export interface TaskEventDetail extends EventDetail<RequestEventType> {
  task: TaskSummary;
  changes?: PublishedFieldDiff[];
  note?: NoteReference;
  sla?: TaskSlaCrossing;
}

type RequestNotification = Notification<RequestEventType> & { topic: 'notifications' };

/** The record's `<kind>Id` beside `detail.<kind>` is how the publisher finds its subject (outboxSubject). */
export interface RequestOutboxRecord extends OutboxRecord<RequestEventDetail> {
  requestId: string;
  notification: RequestNotification;
}

export interface TaskOutboxRecord extends OutboxRecord<TaskEventDetail> {
  taskId: string;
  notification: RequestNotification;
  /** The task's SLA timers this write moved (set and cleared by the publisher, as an incident's). */
  timers?: TimerMoves;
}

/**
 * The fields of a request and of a task whose values events may carry: states, ids, instants,
 * counts. Answers, the cancel reason, task descriptions and close notes are named alone.
 */
export const REQUEST_PUBLISH_RULES: PublishRules = {
  fields: {
    ...Object.fromEntries(
      [
        'status',
        'item',
        'requester',
        'manager',
        'source',
        'currentStage',
        'tasks',
        'workflow',
        'approvedAt',
        'fulfilledAt',
        'closedAt',
        'assignee',
        'assignmentGroup',
        'order',
        'sla',
        'openedAt',
      ].map((field) => [field, 'value' as const]),
    ),
    stages: (value) => (Array.isArray(value) ? value : null),
    rejection: only('reason', 'by', 'stage'),
    cancellation: only('by'),
  },
  prefixes: ['stages.', 'sla.'],
};

export function summarizeRequest(request: ServiceRequest): RequestSummary {
  return {
    id: request.id,
    number: request.number,
    status: request.status,
    item: { id: request.item.id, version: request.item.version },
    requester: request.requester,
    source: request.source,
    ...(request.currentStage === undefined ? {} : { currentStage: request.currentStage }),
    version: request.version,
  };
}

export function summarizeTask(task: FulfilmentTask): TaskSummary {
  return {
    id: task.id,
    number: task.number,
    requestId: task.requestId,
    requestNumber: task.requestNumber,
    order: task.order,
    status: task.status,
    assignmentGroup: task.assignmentGroup,
    ...(task.assignee === undefined ? {} : { assignee: task.assignee }),
    version: task.version,
  };
}

/** The stage as an approval event names it (approvers: who was asked, [] before it was asked). */
export function stageReference(stage: RequestStageSummary, vote?: StageReference['vote']): StageReference {
  return {
    index: stage.index,
    kind: stage.kind,
    ...(stage.group === undefined ? {} : { group: stage.group }),
    quorum: stage.quorum,
    approvers: [...(stage.approvers ?? [])],
    approvals: stage.approvals,
    rejections: stage.rejections,
    status: stage.status,
    ...(vote === undefined ? {} : { vote }),
  };
}

/** The event of an ordinary request write, named after the status it reached. */
export function requestRecordEventType(before: ServiceRequest | undefined, after: ServiceRequest): RequestEventType {
  if (before === undefined) return 'Request Submitted';
  if (before.status === after.status) return 'Request Updated';
  switch (after.status) {
    case 'approved':
      return 'Request Approved';
    case 'rejected':
      return after.rejection?.reason === 'expired' ? 'Request Expired' : 'Request Rejected';
    case 'canceled':
      return 'Request Canceled';
    case 'in_fulfilment':
      return 'Request In Fulfilment';
    case 'fulfilled':
      return 'Request Fulfilled';
    case 'closed_incomplete':
      return 'Request Closed Incomplete';
    case 'closed':
      return 'Request Closed';
    default:
      return 'Request Updated';
  }
}

/** The requester hears of their request; approval requests and reminders go to those asked. */
export function requestRecipients(type: RequestEventType, request: ServiceRequest, stage?: StageReference): Recipients {
  if ((type === 'Request Approval Requested' || type === 'Request Approval Reminder') && stage !== undefined) {
    return { users: [...stage.approvers], groups: [] };
  }
  return { users: [request.requester], groups: [] };
}

const requestText = (type: RequestEventType, request: ServiceRequest, detail: RequestEventDetail): string => {
  const head = `${request.number} (${request.item.name})`;
  switch (type) {
    case 'Request Submitted':
      return `Submitted by ${request.requester}: ${head}`;
    case 'Request Approval Requested':
      return `Approval requested from ${detail.stage?.approvers.join(', ') || 'nobody'} (stage ${(detail.stage?.index ?? 0) + 1}): ${head}`;
    case 'Request Approval Reminder':
      return `Reminder: approval of ${head} awaits ${detail.stage?.approvers.join(', ') || 'nobody'}`;
    case 'Request Vote Recorded':
      return `${detail.stage?.vote?.by} voted to ${detail.stage?.vote?.decision} ${head} (stage ${(detail.stage?.index ?? 0) + 1}: ${detail.stage?.approvals} of ${detail.stage?.quorum} approvals)`;
    case 'Request Note Added':
      return `${detail.note?.visibility === 'public' ? 'Note' : 'Work note'} by ${detail.note?.author} on ${head}`;
    case 'Request Updated':
      return `Updated: ${head}: ${(detail.changes ?? []).map((c) => c.field).join(', ')}`;
    default:
      return `${type.replace(/^Request /, '')}: ${head}`;
  }
};

function assertComplete(type: RequestEventType, stage: StageReference | undefined, note: NoteReference | undefined): void {
  if (REQUEST_STAGE_EVENT_TYPES.includes(type) && stage === undefined) throw new Error(`${type} needs the stage it is about`);
  if (type === 'Request Vote Recorded' && stage?.vote === undefined) throw new Error('Request Vote Recorded needs the vote');
  if (type === 'Request Note Added' && note === undefined) throw new Error('Request Note Added needs the note');
}

/** What an event record needs besides its type and subject. */
export interface EventContext {
  eventId: string;
  actor: string;
  occurredAt: string;
  /** Defaults: the requester (requestRecipients); for tasks, the task's assignee and group. */
  recipients?: Recipients;
  /** Field diffs of the write (the history's content), published by REQUEST_PUBLISH_RULES. */
  changes?: FieldDiff[];
  stage?: StageReference;
  note?: NoteReference;
  /** Task SLA Warning / Breached: the crossing. */
  sla?: TaskSlaCrossing;
  /** A task write that moved the task's SLA timers. */
  timers?: TimerMoves;
}

/** The outbox record of a request event (no free text: the mail sender reads the request for it). */
export function requestEventRecord(type: RequestEventType, request: ServiceRequest, context: EventContext): RequestOutboxRecord {
  assertComplete(type, context.stage, context.note);
  const detail: RequestEventDetail = {
    ...eventDetailHead(type, context),
    request: summarizeRequest(request),
    ...(context.changes === undefined ? {} : { changes: publishedFieldDiffs(context.changes, REQUEST_PUBLISH_RULES) }),
    ...(context.stage === undefined ? {} : { stage: context.stage }),
    ...(context.note === undefined ? {} : { note: context.note }),
  };
  return {
    eventId: context.eventId,
    requestId: request.id,
    detail,
    notification: {
      topic: 'notifications',
      subject: notificationSubject(`[${request.item.id}] ${type}: ${request.number}`),
      recipients: context.recipients ?? requestRecipients(type, request, context.stage),
      text: requestText(type, request, detail),
      attributes: { eventType: type, priority: '-', assignmentGroup: '-', service: '-' },
    },
  };
}

/** The outbox record of a task event: its assignee and group hear of it by default. */
export function taskEventRecord(type: RequestEventType, task: FulfilmentTask, context: EventContext): TaskOutboxRecord {
  if (!type.startsWith('Task ')) throw new Error(`${type} is not a task event`);
  if ((type === 'Task SLA Warning' || type === 'Task SLA Breached') && context.sla === undefined) throw new Error(`${type} needs the SLA crossing`);
  const detail: TaskEventDetail = {
    ...eventDetailHead(type, context),
    task: summarizeTask(task),
    ...(context.changes === undefined ? {} : { changes: publishedFieldDiffs(context.changes, REQUEST_PUBLISH_RULES) }),
    ...(context.note === undefined ? {} : { note: context.note }),
    ...(context.sla === undefined ? {} : { sla: context.sla }),
  };
  const head = `${task.number} of ${task.requestNumber} (${task.assignmentGroup})`;
  const text =
    type === 'Task Created'
      ? `New task ${head}${task.status === 'pending' ? ', pending its turn' : ''}`
      : context.sla !== undefined
        ? context.sla.threshold >= 100
          ? `The ${context.sla.clock} target (${context.sla.target}) was breached at ${context.sla.crossedAt}: ${head}`
          : `${context.sla.threshold}% of the ${context.sla.clock} target (${context.sla.target}) used: ${head}`
        : type === 'Task Closed'
          ? `Closed ${task.status === 'closed_complete' ? 'complete' : 'incomplete'}: ${head}`
          : context.note === undefined
            ? `Updated: ${head}: ${(detail.changes ?? []).map((c) => c.field).join(', ')}`
            : `${context.note.visibility === 'public' ? 'Note' : 'Work note'} by ${context.note.author} on ${head}`;
  return {
    eventId: context.eventId,
    taskId: task.id,
    ...(context.timers === undefined ? {} : { timers: context.timers }),
    detail,
    notification: {
      topic: 'notifications',
      subject: notificationSubject(`[${task.assignmentGroup}] ${type}: ${task.number}`),
      recipients: context.recipients ?? assigneeAndGroupOf(task),
      text,
      attributes: { eventType: type, priority: '-', assignmentGroup: task.assignmentGroup, service: '-' },
    },
  };
}
