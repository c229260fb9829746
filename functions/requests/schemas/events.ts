import * as z from 'zod';
import { eventEnvelope, publishedFieldDiffs } from '../../shared/schemas/events.ts';
import { CLOCK_NAMES } from '../../sla/domain/types.ts';
import { REQUEST_EVENT_TYPES, type RequestEventType } from '../domain/events.ts';
import { REQUEST_STATUSES, STAGE_STATUSES } from '../domain/request.ts';
import { TASK_STATUSES } from '../domain/task.ts';

/*
 * The published shape of the requests area's events (`detail` on EventBridge; the body of SNS
 * notifications adds `text` and `recipients`): request events carry `request`, task events
 * `task`, catalog events `catalogItem`. Documentation only: the publisher sends what
 * functions/requests/domain/events.ts (and catalog-events.ts) build, and unit tests check built
 * records against this. Declared in ../api.ts (publishedEvents).
 */

const typesStartingWith = (prefix: string) => REQUEST_EVENT_TYPES.filter((type) => type.startsWith(prefix)) as [RequestEventType, ...RequestEventType[]];

const noteReference = z
  .object({ id: z.string(), visibility: z.enum(['work', 'public']), author: z.string() })
  .optional()
  .describe('Note Added: which note, never its text (read it through the API)');

export const requestEventDetail = z
  .object({
    ...eventEnvelope,
    type: z.enum(typesStartingWith('Request ')).describe('Also the detail-type'),
    occurredAt: z.string().describe('When the request was written (ISO 8601)'),
    actor: z.string().describe('Who acted: a user id, or the fulfilment workflow'),
    request: z
      .object({
        id: z.string(),
        number: z.string().describe('`REQ` + 7 digits; no answers: they are free text, GET /requests/{id} has them'),
        status: z.enum(REQUEST_STATUSES),
        item: z.object({ id: z.string(), version: z.number().int() }).describe('The catalog item version ordered'),
        requester: z.string(),
        source: z.enum(['api', 'email']),
        currentStage: z.number().int().optional().describe('The index of the approval stage being decided'),
        version: z.number().int().describe('The request version after the write: order events of one request by it'),
      })
      .describe('The request'),
    changes: publishedFieldDiffs('request').describe(
      'What changed, as in the request history, with free-text fields (answers, the cancel reason) named without their values (absent on Request Submitted and on notes)',
    ),
    stage: z
      .object({
        index: z.number().int(),
        kind: z.enum(['manager', 'group']),
        group: z.string().optional(),
        quorum: z.number().int(),
        approvers: z.array(z.string()).describe('Who was asked (user ids)'),
        approvals: z.number().int(),
        rejections: z.number().int(),
        status: z.enum(STAGE_STATUSES),
        vote: z
          .object({ by: z.string(), decision: z.enum(['approve', 'reject']) })
          .optional()
          .describe('Request Vote Recorded: who voted how, never the comment'),
      })
      .optional()
      .describe('The approval stage the event is about: Request Approval Requested, Reminder, Vote Recorded and Expired'),
    note: noteReference,
  })
  .meta({ title: 'Request event detail' });

export const taskEventDetail = z
  .object({
    ...eventEnvelope,
    type: z.enum(typesStartingWith('Task ')).describe('Also the detail-type'),
    occurredAt: z.string().describe('When the task was written (ISO 8601)'),
    actor: z.string().describe('Who acted: a user id, the fulfilment workflow, or `sla` (the SLA engine: Task SLA Warning, Task SLA Breached)'),
    task: z
      .object({
        id: z.string(),
        number: z.string().describe('`TASK` + 7 digits; no description or close notes (free text)'),
        requestId: z.string(),
        requestNumber: z.string(),
        order: z.number().int().describe("Its place in the request's plan (0-based)"),
        status: z.enum(TASK_STATUSES),
        assignmentGroup: z.string(),
        assignee: z.string().optional(),
        version: z.number().int().describe('The task version after the write: order events of one task by it'),
      })
      .describe('The task'),
    changes: publishedFieldDiffs('task').describe('What changed, as in the task history, with close notes named without their values'),
    note: noteReference,
    sla: z
      .object({
        clock: z.enum(CLOCK_NAMES),
        threshold: z.number().int().describe('Percent of the target; 100 is the breach'),
        crossedAt: z.string().describe('The exact instant the threshold was reached'),
        policy: z.string(),
        target: z.string(),
      })
      .optional()
      .describe('Task SLA Warning, Task SLA Breached: the clock and the threshold it crossed'),
  })
  .meta({ title: 'Fulfilment task event detail' });

export const catalogItemEventDetail = z
  .object({
    ...eventEnvelope,
    type: z.enum(typesStartingWith('Catalog Item ')).describe('Also the detail-type'),
    occurredAt: z.string().describe('When the item was written (ISO 8601)'),
    actor: z.string().describe('The admin who changed it'),
    catalogItem: z
      .object({
        id: z.string(),
        number: z.string().describe('The item id again: items have no separate number'),
        category: z.string(),
        active: z.boolean(),
        version: z.number().int().describe('The item version after the write'),
      })
      .describe('The catalog item (no name, description or form: GET /catalog-items/{id} has them)'),
    changes: publishedFieldDiffs('catalog item'),
  })
  .meta({ title: 'Catalog item event detail' });
