import * as z from 'zod';
import { eventEnvelope, publishedFieldDiffs } from '../../shared/schemas/events.ts';
import { APPROVAL_DECISIONS, CHANGE_EVENT_TYPES, VOTE_DECISIONS } from '../domain/events.ts';
import { CHANGE_STATUSES, CHANGE_TYPES } from '../domain/lifecycle.ts';
import { RISK_LEVELS } from '../domain/risk.ts';

/*
 * The published shape of change request events (`detail` on EventBridge; the body of SNS
 * notifications adds `text` and `recipients`). Documentation only: the publisher sends what
 * functions/changes/domain/events.ts builds, and unit tests check built records against this.
 * Declared in ../api.ts (publishedEvents), which joins it to the catalogue-wide schemas.
 */

export const changeEventDetail = z
  .object({
    ...eventEnvelope,
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
    changes: publishedFieldDiffs('change').describe(
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
