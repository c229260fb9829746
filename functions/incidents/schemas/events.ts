import * as z from 'zod';
import { eventEnvelope, publishedFieldDiffs, recipientsSchema } from '../../shared/schemas/events.ts';
import { CLOCK_NAMES } from '../../sla/domain/types.ts';
import { INCIDENT_EVENT_TYPES } from '../domain/events.ts';

/*
 * The published shape of incident events (`detail` on EventBridge; the body of SNS notifications
 * adds `text` and `recipients`). Documentation only: the publisher sends what
 * functions/incidents/domain/events.ts builds, and unit tests check built records against this.
 * Declared in ../api.ts (publishedEvents), which joins it to the catalogue-wide schemas.
 */

export const incidentEventDetail = z
  .object({
    ...eventEnvelope,
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
    changes: publishedFieldDiffs('incident').describe(
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
    escalation: z.object({ level: z.number().int(), recipients: recipientsSchema }).optional().describe('Incident Escalated'),
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
