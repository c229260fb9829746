import {
  assigneeAndGroupOf,
  type EventDetail,
  eventDetailHead,
  type NoteReference,
  type Notification,
  notificationSubject,
  type OutboxRecord,
  ownersOf,
  type PublishedFieldDiff,
  type PublishRules,
  publishedFieldDiffs,
  type Recipients,
} from '../../shared/domain/outbox.ts';
import type { TimerMoves } from '../../sla/domain/timers.ts';
import type { ClockName } from '../../sla/domain/types.ts';
import type { FieldDiff, Incident } from './incident.ts';

/*
 * What the product tells the world about incidents (the outbox: shared/domain/outbox.ts). Every
 * incident change writes one outbox record in the same transaction as the change (change.ts); the
 * publisher turns it, unchanged, into one EventBridge event and one SNS message, and moves the
 * incident's SLA timers. Everything is decided here, at write time, so publishing needs no reads.
 * The event types include the SLA and escalation ones: they are about an incident and published
 * on its record; the publisher's schemas and the notification filters read them from here.
 */

export const INCIDENT_EVENT_TYPES = [
  'Incident Created',
  'Incident Updated',
  'Incident Resolved',
  'Incident Note Added',
  'SLA Warning',
  'SLA Breached',
  'Incident Escalated',
  'Major Incident Breach',
  'Incident Problem Resolved',
] as const;
export type IncidentEventType = (typeof INCIDENT_EVENT_TYPES)[number];

/**
 * The incident as events show it: enough to route and to link, not the whole record. No title and
 * no category: both are free text anyone may type, requesters included (see publishedFieldDiffs in shared/domain/outbox.ts).
 */
export interface IncidentSummary {
  id: string;
  number: string;
  priority: string;
  status: string;
  service?: string;
  assignmentGroup?: string;
  assignee?: string;
  escalationLevel: number;
  version: number;
}

export interface SlaCrossing {
  clock: ClockName;
  threshold: number;
  crossedAt: string;
  policy: string;
  target: string;
}

export interface IncidentEventDetail extends EventDetail<IncidentEventType> {
  incident: IncidentSummary;
  changes?: PublishedFieldDiff[];
  sla?: SlaCrossing;
  escalation?: { level: number; recipients: Recipients };
  /** Incident Note Added: which note, never its body (work notes are internal; read it through the API). */
  note?: NoteReference;
  /** Incident Problem Resolved: the problem, its version when resolved and its resolution code (never its notes). */
  problem?: ProblemResolutionNotice;
}

/** What an incident hears of its problem's resolution: which problem, at which version, with which code. */
export interface ProblemResolutionNotice {
  id: string;
  number: string;
  version: number;
  resolutionCode: string;
  /** Whether the incident was resolved with it (the problem's resolveLinkedIncidents), or only told. */
  incidentResolved: boolean;
}

export type IncidentNotification = Notification<IncidentEventType>;

export interface IncidentOutboxRecord extends OutboxRecord<IncidentEventDetail> {
  incidentId: string;
  /** Only incidents have SLA clocks: a change that moved their timers says so. */
  timers?: TimerMoves;
}

/**
 * The incident's fields whose values events may carry. Title, description, resolution notes, and
 * category and configuration item (free strings a requester or an event sender sets) are named alone.
 */
export const INCIDENT_PUBLISH_RULES: PublishRules = {
  fields: Object.fromEntries(
    [
      'impact',
      'urgency',
      'priority',
      'status',
      'holdReason',
      'service',
      'assignmentGroup',
      'assignee',
      'caller',
      'resolutionCode',
      'acknowledgedAt',
      'resolvedAt',
      'closedAt',
      'canceledAt',
      'reopenCount',
      'escalationLevel',
      // The linked problem's id and number: no free text.
      'problem',
    ].map((field) => [field, 'value' as const]),
  ),
  // The SLA engine's own fields: states, policy names, instants and thresholds.
  prefixes: ['sla.'],
};

export function summarizeIncident(incident: Incident): IncidentSummary {
  return {
    id: incident.id,
    number: incident.number,
    priority: incident.priority,
    status: incident.status,
    ...(incident.service === undefined ? {} : { service: incident.service }),
    ...(incident.assignmentGroup === undefined ? {} : { assignmentGroup: incident.assignmentGroup }),
    ...(incident.assignee === undefined ? {} : { assignee: incident.assignee }),
    escalationLevel: incident.escalationLevel ?? 0,
    version: incident.version,
  };
}

/** The assignee if there is one, else the group: who is expected to act. */
export const incidentOwners = (incident: Incident): Recipients => ownersOf(incident);

export const incidentAssigneeAndGroup = (incident: Incident): Recipients => assigneeAndGroupOf(incident);

/**
 * Who hears of a note: the caller of an agent's public comment; the people working the incident
 * of anything else (a requester's comment, a work note), except its own author.
 */
export function incidentNoteRecipients(incident: Incident, note: NoteReference, byAgent: boolean): Recipients {
  const recipients = byAgent && note.visibility === 'public' ? { users: [incident.caller], groups: [] } : incidentOwners(incident);
  return { users: recipients.users.filter((user) => user !== note.author), groups: recipients.groups };
}

/** Which event an ordinary change is: resolving is worth its own type, everything else is an update. */
export function incidentRecordEventType(before: Incident | undefined, after: Incident): IncidentEventType {
  if (before === undefined) return 'Incident Created';
  if (after.status === 'resolved' && before.status !== 'resolved') return 'Incident Resolved';
  return 'Incident Updated';
}

function text(type: IncidentEventType, incident: Incident, detail: Pick<IncidentEventDetail, 'sla' | 'escalation' | 'changes' | 'note' | 'problem'>): string {
  const head = `${incident.number} (${incident.priority})${incident.service === undefined ? '' : ` on ${incident.service}`}`;
  switch (type) {
    case 'Incident Created':
      return `New incident ${head}`;
    case 'Incident Resolved':
      return `Resolved: ${head}`;
    case 'Incident Note Added':
      return `${detail.note?.visibility === 'work' ? 'Work note' : 'Comment'} by ${detail.note?.author} on ${head}`;
    case 'Incident Updated':
      return `Updated: ${head}: ${(detail.changes ?? []).map((c) => c.field).join(', ')}`;
    case 'SLA Warning':
      return `${detail.sla?.threshold}% of the ${detail.sla?.clock} target (${detail.sla?.target}) used: ${head}`;
    case 'SLA Breached':
      return `The ${detail.sla?.clock} target (${detail.sla?.target}) was breached at ${detail.sla?.crossedAt}: ${head}`;
    case 'Incident Escalated':
      return `Escalated to level ${detail.escalation?.level}: ${head}`;
    case 'Major Incident Breach':
      return `Major incident: the ${detail.sla?.clock} target of ${head} was breached`;
    case 'Incident Problem Resolved':
      return detail.problem?.incidentResolved === true
        ? `Resolved with problem ${detail.problem.number} (${detail.problem.resolutionCode}): ${head}`
        : `Problem ${detail.problem?.number} was resolved (${detail.problem?.resolutionCode}); its linked ${head} is still open`;
  }
}

function subject(type: IncidentEventType, incident: Incident): string {
  return notificationSubject(`[${incident.priority}] ${type}: ${incident.number}`);
}

export function incidentOutboxRecord(input: {
  eventId: string;
  type: IncidentEventType;
  incident: Incident;
  actor: string;
  occurredAt: string;
  recipients: Recipients;
  changes?: FieldDiff[];
  sla?: SlaCrossing;
  escalation?: { level: number; recipients: Recipients };
  note?: NoteReference;
  problem?: ProblemResolutionNotice;
  timers?: TimerMoves;
}): IncidentOutboxRecord {
  const { incident, type } = input;
  const detail: IncidentEventDetail = {
    ...eventDetailHead(type, input),
    incident: summarizeIncident(incident),
    ...(input.changes === undefined ? {} : { changes: publishedFieldDiffs(input.changes, INCIDENT_PUBLISH_RULES) }),
    ...(input.sla === undefined ? {} : { sla: input.sla }),
    ...(input.escalation === undefined ? {} : { escalation: input.escalation }),
    ...(input.note === undefined ? {} : { note: input.note }),
    ...(input.problem === undefined ? {} : { problem: input.problem }),
  };
  return {
    eventId: input.eventId,
    incidentId: incident.id,
    detail,
    notification: {
      topic: type === 'Major Incident Breach' ? 'majorIncident' : 'notifications',
      subject: subject(type, incident),
      recipients: input.recipients,
      text: text(type, incident, detail),
      attributes: {
        eventType: type,
        priority: incident.priority,
        assignmentGroup: incident.assignmentGroup ?? '-',
        service: incident.service ?? '-',
      },
    },
    ...(input.timers === undefined ? {} : { timers: input.timers }),
  };
}
