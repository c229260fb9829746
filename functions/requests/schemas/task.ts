import * as z from 'zod';
import { countParam, cursorParam, isoTimestamp, limitParam, slug, userId } from '../../shared/schemas/common.ts';
import { slaClockViewSchema } from '../../sla/schemas/clock-view.ts';
import { TASK_STATUSES } from '../domain/task.ts';

/* The wire shapes of fulfilment tasks: GET /tasks's query, PATCH /tasks/{id}, work notes, and what the API answers. */

export const listTasksQuery = z
  .strictObject({
    assignmentGroup: slug.optional().describe("A group's queue; with status, one Query of that group's tasks in that status"),
    status: z.enum(TASK_STATUSES).optional(),
    assignee: userId.optional().describe('A user id, or `me`'),
    request: z.string().min(1).max(64).optional().describe("A request's id: its tasks in plan order"),
    limit: limitParam,
    cursor: cursorParam.optional(),
    count: countParam,
  })
  .meta({
    id: 'ListTasksQuery',
    description: "Queues oldest first (by group, status or assignee); a request's tasks in plan order; without filters every task, newest first",
  });
export type ListTasksQuery = z.output<typeof listTasksQuery>;

export const patchTaskBody = z
  .strictObject({
    assignee: userId
      .nullable()
      .optional()
      .describe('Take the task (a member of its assignment group), or hand it to someone; null hands it back. Taking stops the response clock'),
    status: z
      .enum(['open', 'work_in_progress', 'closed_complete', 'closed_incomplete'])
      .optional()
      .describe(
        'work_in_progress takes the task (the caller becomes its assignee when it has none); open hands it back; closed_complete / closed_incomplete close it for good and stop the resolution clock. Closing the last open task of a request fulfils the request (closed_incomplete if any task was closed incomplete); in a sequential plan it opens the next task',
      ),
    closeNotes: z.string().trim().min(1).max(20_000).optional().describe('With a closing status; required for closed_incomplete'),
  })
  .meta({ id: 'PatchTask' });
export type PatchTaskBody = z.output<typeof patchTaskBody>;

export const addTaskNoteBody = z
  .strictObject({ text: z.string().trim().min(1).max(20_000) })
  .meta({ id: 'AddTaskNote', description: "A work note: tasks are agents' work, so every note is internal" });

export const taskPageQuery = z.strictObject({ limit: limitParam, cursor: cursorParam.optional() });

export const taskSchema = z
  .object({
    id: z.string().describe('Opaque id (a ULID); the path accepts it or the number'),
    number: z
      .string()
      .regex(/^TASK\d{7}$/)
      .describe('Human number, e.g. TASK0000001'),
    requestId: z.string(),
    requestNumber: z.string().describe('e.g. REQ0000001'),
    order: z.number().int().describe("The task's place in its request's plan, from 0"),
    name: z.string(),
    description: z.string().describe("Filled from the catalog item's task template with the request's number, requester, item and answers"),
    assignmentGroup: z.string(),
    assignee: z.string().optional(),
    status: z
      .enum(TASK_STATUSES)
      .describe('pending: a later step of a sequential plan, not open yet (it cannot be worked). open: waiting to be taken. Closed statuses are final'),
    sla: z
      .object({ response: slaClockViewSchema.optional(), resolution: slaClockViewSchema.optional() })
      .optional()
      .describe(
        "response runs from opening until the task is taken, resolution until it is closed; under the catalog item's slaPolicy, else the policy of a P4 incident of category `request`. A pending task has none yet",
      ),
    closeNotes: z.string().optional(),
    createdAt: isoTimestamp,
    updatedAt: isoTimestamp,
    openedAt: isoTimestamp.optional(),
    closedAt: isoTimestamp.optional(),
    version: z.number().int().describe('Also the ETag'),
  })
  .meta({ id: 'FulfilmentTask' });

export const taskNoteSchema = z
  .object({
    id: z.string(),
    taskId: z.string(),
    text: z.string(),
    author: z.string(),
    visibility: z.literal('work'),
    createdAt: isoTimestamp,
  })
  .meta({ id: 'TaskNote' });

export const taskHistoryRecordSchema = z
  .object({
    id: z.string(),
    taskId: z.string(),
    at: isoTimestamp,
    actor: z.string().describe('A user id, or `system` (created by the fulfilment workflow, opened when the task before it closed)'),
    action: z.enum(['created', 'updated', 'note_added']),
    version: z.number().int().describe('The task version this record produced'),
    changes: z.array(z.object({ field: z.string(), from: z.unknown(), to: z.unknown() })),
    noteVisibility: z.literal('work').optional(),
  })
  .meta({ id: 'TaskHistoryRecord' });
