import * as z from 'zod';
import { APPROVAL_DECISIONS, CHANGE_EVENT_TYPES, VOTE_DECISIONS } from '../../changes/domain/events.ts';
import { CHANGE_STATUSES, CHANGE_TYPES } from '../../changes/domain/lifecycle.ts';
import { RISK_LEVELS } from '../../changes/domain/risk.ts';
import { INCIDENT_EVENT_TYPES } from '../../incidents/domain/events.ts';
import { problemEventDetail } from '../../problems/schemas/events.ts';
import { DETAIL_SCHEMA_VERSION } from '../../shared/domain/outbox.ts';
import { CLOCK_NAMES } from '../../sla/domain/types.ts';

/*
 * The published shape of the product's domain events (`detail` on EventBridge, and the body of
 * SNS notifications around it): an incident's event or a change request's, told apart by `type`
 * (the detail-type). Documentation only: the publisher sends what functions/incidents/domain/events.ts
 * and functions/changes/domain/events.ts build, and unit tests check built records against these schemas.
 */

const recipients = z
  .object({ users: z.array(z.string()).describe('User ids (token subjects)'), groups: z.array(z.string()).describe('Group names') })
  .describe('Who should hear about it; a mailer or chat bridge resolves groups to members');

/** Free-text fields (a title, a description, a plan, notes) are named without `from` and `to`: read them through the API. */
const publishedChanges = (record: string) =>
  z
    .array(
      z.object({
        field: z.string(),
        from: z.unknown().optional().describe('Absent for a free-text field'),
        to: z.unknown().optional().describe('Absent for a free-text field'),
      }),
    )
    .optional()
    .describe(
      `What changed, as in the ${record} history, except that free-text fields are named without their values and records (a rejection, an implementation, a review, an override) carry who and when, not their text`,
    );

const envelope = {
  schemaVersion: z.literal(DETAIL_SCHEMA_VERSION).describe('Changes only on an incompatible change of this schema'),
  eventId: z.string().describe('Stable across redeliveries: dedupe on it (the EventBridge event id is not stable)'),
};

export const incidentEventDetail = z
  .object({
    ...envelope,
    type: z.enum(INCIDENT_EVENT_TYPES).describe('Also the detail-type'),
    occurredAt: z.string().describe('When the change was committed (ISO 8601)'),
    actor: z.string().describe("Who made the change: a user id, an event sender, or 'sla' for the SLA engine"),
    incident: z.object({
      id: z.string(),
      number: z.string().describe('No title: it is free text; GET /incidents/{id} has it'),
      priority: z.string(),
      status: z.string(),
      service: z.string().optional(),
      assignmentGroup: z.string().optional(),
      assignee: z.string().optional(),
      escalationLevel: z.number().int(),
      version: z.number().int().describe('The incident version after the change: order events of one incident by it'),
    }),
    changes: publishedChanges('incident').describe(
      'What changed, as in the incident history, with free-text fields (title, description, resolutionNotes, category, configurationItem) named without their values (absent on Incident Created)',
    ),
    sla: z
      .object({
        clock: z.enum(CLOCK_NAMES),
        threshold: z.number().int().describe('Percent of the target; 100 is the breach'),
        crossedAt: z.string().describe('The exact instant the threshold was reached'),
        policy: z.string(),
        target: z.string(),
      })
      .optional()
      .describe('SLA Warning, SLA Breached, Major Incident Breach'),
    escalation: z.object({ level: z.number().int(), recipients }).optional().describe('Incident Escalated'),
    note: z
      .object({ id: z.string(), visibility: z.enum(['work', 'public']), author: z.string() })
      .optional()
      .describe('Incident Note Added: which note, never its body (read it with GET /incidents/{id}/notes)'),
    problem: z
      .object({
        id: z.string(),
        number: z.string(),
        version: z.number().int().describe('The problem version that was resolved: the incident hears of each resolution once'),
        resolutionCode: z.string().describe('The problem resolution code (fix_applied, risk_accepted, duplicate, canceled); never its notes'),
        incidentResolved: z.boolean().describe('Whether the incident was resolved with the problem (resolveLinkedIncidents), or only told'),
      })
      .optional()
      .describe('Incident Problem Resolved: the linked problem that was resolved'),
  })
  .meta({ title: 'Incident event detail' });

export const changeEventDetail = z
  .object({
    ...envelope,
    type: z.enum(CHANGE_EVENT_TYPES).describe('Also the detail-type'),
    occurredAt: z.string().describe('When the change request was written (ISO 8601)'),
    actor: z.string().describe('Who acted: a user id, or the component that did (the approval workflow)'),
    change: z.object({
      id: z.string(),
      number: z.string().describe('No title: it is free text; GET /changes/{id} has it'),
      type: z.enum(CHANGE_TYPES),
      status: z.enum(CHANGE_STATUSES),
      riskLevel: z.enum(RISK_LEVELS).optional().describe('The assessed risk level; absent until the change was assessed'),
      services: z.array(z.string()).describe('The affected services'),
      assignmentGroup: z.string().optional(),
      plannedStart: z.string().describe('The change window (ISO 8601)'),
      plannedEnd: z.string(),
      version: z.number().int().describe('The change version after the write: order events of one change by it'),
    }),
    changes: publishedChanges('change').describe(
      'What changed, as in the change history, with free-text fields (title, description, justification, the plans, cancelReason, configurationItems) named without their values and records (rejection, implementation, review, blackoutOverride) reduced to who, when and the outcome (absent on Change Created, and when nothing on the change itself moved)',
    ),
    approval: z
      .object({
        round: z.number().int().describe('The approval round: the submission it decides on, 1 for the first'),
        board: z.string().describe('The group asked to approve (the owner group, the CAB or the emergency CAB)'),
        quorum: z.number().int().describe('How many approvals decide the round'),
        approvals: z.number().int().describe('Approvals so far'),
        rejections: z.number().int().describe('Rejections so far'),
        decision: z.enum(APPROVAL_DECISIONS).optional().describe('Once the round is decided'),
        vote: z
          .object({ by: z.string(), decision: z.enum(VOTE_DECISIONS) })
          .optional()
          .describe('Change Vote Recorded: who voted how, never the comment (read it through the API)'),
      })
      .optional()
      .describe(
        'The approval round the event is about: Change Approval Requested, Reminder, Escalated, Vote Recorded and Expired; Change Scheduled and Rejected when an approval decided them',
      ),
    note: z
      .object({ id: z.string(), visibility: z.enum(['work', 'public']), author: z.string() })
      .optional()
      .describe('Change Note Added: which note, never its body (read it with GET /changes/{id}/notes)'),
  })
  .meta({ title: 'Change event detail' });

export const domainEventDetail = z
  .discriminatedUnion('type', [incidentEventDetail, changeEventDetail, problemEventDetail])
  .meta({ title: 'Domain event detail', description: 'The detail of the events the product publishes' });

const notification = { text: z.string().describe('One line for people'), recipients };

export const notificationMessage = z
  .discriminatedUnion('type', [
    incidentEventDetail.extend(notification).meta({ title: 'Incident notification message' }),
    changeEventDetail.extend(notification).meta({ title: 'Change notification message' }),
    problemEventDetail.extend(notification).meta({ title: 'Problem notification message' }),
  ])
  .meta({ title: 'Notification message', description: 'The JSON body of an SNS notification' });
