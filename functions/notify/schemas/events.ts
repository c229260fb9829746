import * as z from 'zod';
import { CLOCK_NAMES } from '../../sla/domain/types.ts';
import { DETAIL_SCHEMA_VERSION, EVENT_TYPES } from '../domain/events.ts';

/*
 * The published shape of the product's domain events (`detail` on EventBridge, and the body of
 * SNS notifications around it). Documentation only: the publisher sends what functions/notify/
 * domain/events.ts builds, and a unit test checks built records against this schema.
 */

const recipients = z
  .object({ users: z.array(z.string()).describe('User ids (token subjects)'), groups: z.array(z.string()).describe('Group names') })
  .describe('Who should hear about it; a mailer or chat bridge resolves groups to members');

export const domainEventDetail = z
  .object({
    schemaVersion: z.literal(DETAIL_SCHEMA_VERSION).describe('Changes only on an incompatible change of this schema'),
    eventId: z.string().describe('Stable across redeliveries: dedupe on it (the EventBridge event id is not stable)'),
    type: z.enum(EVENT_TYPES).describe('Also the detail-type'),
    occurredAt: z.string().describe('When the change was committed (ISO 8601)'),
    actor: z.string().describe("Who made the change: a user id, an event sender, or 'sla' for the SLA engine"),
    incident: z.object({
      id: z.string(),
      number: z.string(),
      title: z.string(),
      priority: z.string(),
      status: z.string(),
      service: z.string().optional(),
      category: z.string().optional(),
      assignmentGroup: z.string().optional(),
      assignee: z.string().optional(),
      escalationLevel: z.number().int(),
      version: z.number().int().describe('The incident version after the change: order events of one incident by it'),
    }),
    changes: z
      .array(z.object({ field: z.string(), from: z.unknown(), to: z.unknown() }))
      .optional()
      .describe('What changed, as in the incident history (absent on Incident Created)'),
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
  })
  .meta({ title: 'Domain event detail', description: 'The detail of the events the product publishes' });

export const notificationMessage = domainEventDetail
  .extend({ text: z.string().describe('One line for people'), recipients })
  .meta({ title: 'Notification message', description: 'The JSON body of an SNS notification' });
