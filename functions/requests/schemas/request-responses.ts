import * as z from 'zod';
import { countedListEnvelope, isoTimestamp } from '../../shared/schemas/common.ts';
import { FULFILMENT_MODES } from '../domain/catalog.ts';
import { REQUEST_STATUSES, STAGE_STATUSES } from '../domain/request.ts';
import { TASK_STATUSES } from '../domain/task.ts';
import { NOTE_VISIBILITIES } from './request.ts';

/*
 * What the service requests' API answers: a request, its notes and history, and their pages.
 * Loaded by the OpenAPI build (../request-api.ts) and the tests; handlers take only types from
 * here, and order a request's fields through ../domain/field-order.ts (REQUEST_FIELD_ORDER,
 * which test/unit/field-order.test.ts holds to requestSchema).
 */

const stageSchema = z.object({
  index: z.number().int(),
  kind: z.enum(['manager', 'group']),
  group: z.string().optional(),
  approvers: z.array(z.string()).optional().describe('Who was asked, once the stage is asked'),
  quorum: z.number().int(),
  status: z.enum(STAGE_STATUSES),
  approvals: z.number().int(),
  rejections: z.number().int(),
  askedAt: isoTimestamp.optional(),
  decidedAt: isoTimestamp.optional(),
});

const approvalStageSchema = z.union([
  z.object({ kind: z.literal('manager') }),
  z.object({ kind: z.literal('group'), group: z.string(), quorum: z.number().int() }),
]);

export const requestSchema = z
  .object({
    id: z.string(),
    number: z.string().describe('`REQ` + 7 digits'),
    item: z.object({ id: z.string(), version: z.number().int(), name: z.string(), category: z.string() }).describe('The catalog item version ordered'),
    plan: z
      .object({
        approval: z.object({ stages: z.array(approvalStageSchema) }),
        fulfilment: z.object({
          mode: z.enum(FULFILMENT_MODES),
          tasks: z.array(z.object({ name: z.string(), assignmentGroup: z.string(), description: z.string() })),
        }),
        slaPolicy: z.string().optional(),
        formFields: z
          .array(
            z.object({
              name: z.string(),
              title: z.string().describe("The field's title (its name when it has none)"),
              choices: z
                .array(z.object({ value: z.unknown(), label: z.string() }))
                .optional()
                .describe('The labelled values of a choice (`oneOf` of `{ const, title }`, or a list of such): answers are shown by their labels'),
            }),
          )
          .optional()
          .describe(
            "The form's fields in the form's order, with titles and choice labels: e-mail and task descriptions show the answers this way. Absent on requests made before it was recorded (formTitles stands in, without labels)",
          ),
        formTitles: z.record(z.string(), z.string()).describe("Each field's title by name (unordered: formFields keeps the order)"),
      })
      .describe("The item version's approval and fulfilment plans, copied at submission: editing the item never changes this request"),
    answers: z.record(z.string(), z.unknown()),
    requester: z.string(),
    manager: z.string().optional().describe("The requester's manager at submission, when a stage asks the manager"),
    source: z.enum(['api', 'email']),
    status: z.enum(REQUEST_STATUSES),
    stages: z.array(stageSchema),
    currentStage: z.number().int().optional(),
    tasks: z.array(z.object({ id: z.string(), number: z.string(), name: z.string(), status: z.enum(TASK_STATUSES), assignmentGroup: z.string() })),
    workflow: z.object({ executionArn: z.string() }).optional(),
    rejection: z.object({ reason: z.enum(['rejected', 'expired']), by: z.string().optional(), stage: z.number().int() }).optional(),
    cancellation: z.object({ by: z.string(), reason: z.string().optional() }).optional(),
    createdAt: isoTimestamp,
    updatedAt: isoTimestamp,
    approvedAt: isoTimestamp.optional(),
    fulfilledAt: isoTimestamp.optional(),
    closedAt: isoTimestamp.optional(),
    version: z.number().int().describe('Also the ETag'),
  })
  .meta({ id: 'ServiceRequest' });

export const requestPageSchema = countedListEnvelope(requestSchema).meta({ id: 'ServiceRequestPage' });

export const requestNoteSchema = z
  .object({
    id: z.string(),
    requestId: z.string(),
    visibility: z.enum(NOTE_VISIBILITIES),
    text: z.string(),
    author: z.string(),
    source: z.enum(['api', 'email']),
    createdAt: isoTimestamp,
  })
  .meta({ id: 'RequestNote' });
export type RequestNote = z.output<typeof requestNoteSchema>;

export const requestNotePageSchema = z.object({ items: z.array(requestNoteSchema), nextCursor: z.string().optional() }).meta({ id: 'RequestNotePage' });

export const requestHistoryRecordSchema = z
  .object({
    id: z.string(),
    requestId: z.string(),
    at: isoTimestamp,
    actor: z.string().describe('A user id, or the fulfilment workflow'),
    action: z.enum(['created', 'updated', 'note_added']),
    version: z.number().int().describe('The request version this record produced'),
    changes: z.array(z.object({ field: z.string(), from: z.unknown(), to: z.unknown() })),
    noteVisibility: z.enum(NOTE_VISIBILITIES).optional(),
  })
  .meta({ id: 'RequestHistoryRecord' });
export type RequestHistoryRecord = z.output<typeof requestHistoryRecordSchema>;

export const requestHistoryPageSchema = z
  .object({ items: z.array(requestHistoryRecordSchema), nextCursor: z.string().optional() })
  .meta({ id: 'RequestHistoryPage' });
