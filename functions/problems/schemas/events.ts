import * as z from 'zod';
import { DETAIL_SCHEMA_VERSION } from '../../shared/domain/outbox.ts';
import { PROBLEM_EVENT_TYPES } from '../domain/events.ts';
import { PROBLEM_RESOLUTION_CODES, PROBLEM_STATUSES } from '../domain/lifecycle.ts';

/*
 * The published shape of problem events (`detail` on EventBridge; the body of SNS notifications
 * adds `text` and `recipients`). Documentation only: the publisher sends what
 * functions/problems/domain/events.ts builds, and unit tests check built records against this.
 */

export const problemEventDetail = z
  .object({
    schemaVersion: z.literal(DETAIL_SCHEMA_VERSION).describe('Changes only on an incompatible change of this schema'),
    eventId: z.string().describe('Stable across redeliveries: dedupe on it (the EventBridge event id is not stable)'),
    type: z.enum(PROBLEM_EVENT_TYPES).describe('Also the detail-type'),
    occurredAt: z.string().describe('When the write was committed (ISO 8601)'),
    actor: z.string().describe('Who made the change: a user id, or the component that did'),
    problem: z.object({
      id: z.string(),
      number: z.string().describe('No title: it is free text; GET /problems/{id} has it'),
      status: z.enum(PROBLEM_STATUSES),
      priority: z.string(),
      service: z.string().optional(),
      assignmentGroup: z.string().optional(),
      assignee: z.string().optional(),
      knownError: z.boolean(),
      version: z.number().int().describe('The problem version after the write: order events of one problem by it'),
    }),
    changes: z
      .array(
        z.object({
          field: z.string(),
          from: z.unknown().optional().describe('Absent for a free-text field'),
          to: z.unknown().optional().describe('Absent for a free-text field'),
        }),
      )
      .optional()
      .describe(
        'What changed, as in the problem history, with free-text fields (title, description, configurationItem, category, rootCause, workaround) named without their values, `fix` reduced to its change request, `resolution` to code, who and when, `review` to who and when (absent on Problem Opened and Problem Note Added)',
      ),
    note: z
      .object({ id: z.string(), visibility: z.enum(['work', 'public']), author: z.string() })
      .optional()
      .describe('Problem Note Added: which note, never its body (read it with GET /problems/{id}/notes)'),
    incident: z
      .object({ id: z.string(), number: z.string() })
      .optional()
      .describe('Problem Incident Linked and Problem Incident Unlinked: the incident (GET /problems/{id}/incidents lists them)'),
    fix: z
      .object({
        change: z.object({ id: z.string(), number: z.string() }).describe("The change request of the problem's fix"),
        outcome: z
          .enum(['failed', 'backed_out', 'canceled', 'rejected', 'expired', 'successful'])
          .describe('How it ended: closed with a failed or backed-out implementation, canceled, rejected, or expired unapproved'),
      })
      .optional()
      .describe('Problem Fix Failed: the change request that was to fix the problem and how it ended'),
    resolution: z
      .object({
        code: z.enum(PROBLEM_RESOLUTION_CODES),
        at: z.string().describe('When the problem was resolved (ISO 8601)'),
        by: z.string().describe('Who resolved it: a user id, or `system` (its fix change closed)'),
      })
      .optional()
      .describe('Problem Resolved: the resolution announced (never its notes)'),
    resolveLinkedIncidents: z
      .boolean()
      .optional()
      .describe("Problem Resolved: whether the problem's open linked incidents are resolved with it (else they are told only), as it was when resolved"),
  })
  .meta({ title: 'Problem event detail' });
