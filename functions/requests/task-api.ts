/**
 * The fulfilment tasks' part of the requests area's API description (./api.ts spreads it in):
 * GET /tasks, GET/PATCH /tasks/{id}, work notes and history. Loaded by the OpenAPI build only.
 */
import * as z from 'zod';
import { firstPageNote, PAGE_NOTE } from '../shared/api/operation.ts';
import { countableFilterSets } from '../shared/domain/queue-counts.ts';
import { countedListEnvelope, listEnvelope } from '../shared/schemas/common.ts';
import { TASK_COUNTS } from './counts.ts';
import { addTaskNoteBody, listTasksQuery, patchTaskBody, taskHistoryRecordSchema, taskNoteSchema, taskPageQuery, taskSchema } from './schemas/task.ts';

const REQUESTERS = "Requesters get 404 on every /tasks route: they follow their request's tasks through the request (`tasks` of GET /requests/{id}).";
const TAG = 'Fulfilment tasks';
const pathParameters = {
  id: { schema: z.string().min(1), description: 'The id (a ULID) or the number (TASK0000001) of the task; anything else is 404' },
};

export const taskRequestSchemas = { PatchTask: patchTaskBody, AddTaskNote: addTaskNoteBody } as const;

export const taskResponseSchemas = {
  FulfilmentTask: taskSchema,
  FulfilmentTaskPage: countedListEnvelope(taskSchema),
  TaskNote: taskNoteSchema,
  TaskNotePage: listEnvelope(taskNoteSchema),
  TaskHistoryRecord: taskHistoryRecordSchema,
  TaskHistoryPage: listEnvelope(taskHistoryRecordSchema),
} as const;

export const taskOperations = {
  'GET /tasks': {
    operationId: 'listTasks',
    summary: 'List fulfilment tasks',
    tag: TAG,
    audience: 'agent',
    description: [
      "ONE Query of an index, whatever the filters: `request` (that request's tasks in plan order), else `assignee` (`me` for the caller), else `assignmentGroup` (the group's queue; with `status`, only that status: one Query, `begins_with`), else `status`; those the chosen index does not key on narrow it. Queues come oldest first; without filters every task, newest first.",
      "Each task's SLA clocks are shown as an incident's, computed at the moment of the response (`state` breached once the target passes, `dueAt`).",
      `\`count=true\` adds \`total\`, read from counters beside the page's Query (no scan, no extra round trip; counters follow writes within about a second). Counted: ${countableFilterSets(TASK_COUNTS)}; other filter sets (\`request\`: one short page) are a \`validation-error\` on \`count\`.`,
      PAGE_NOTE,
      firstPageNote("`assignmentGroup` with `status` (a group's queue), of `status` alone, and of every task"),
      REQUESTERS,
    ].join('\n\n'),
    query: listTasksQuery,
    queryDescriptions: {
      status: 'Only tasks in this status',
      limit: 'Most items on one page',
    },
    responses: { 200: { description: 'One page of tasks', schema: 'FulfilmentTaskPage' } },
    errorTypes: ['not-found'],
    notes: { 404: 'Requesters.' },
  },
  'GET /tasks/{id}': {
    operationId: 'getTask',
    summary: 'Get a fulfilment task',
    tag: TAG,
    audience: 'agent',
    description: [
      'By id or by number. Send the ETag back in If-Match to change it.',
      "Its SLA clocks' timers record each warning threshold and the breach on the task as they come (`thresholdsCrossed`, `breachedAt`; Task SLA Warning, Task SLA Breached, by `sla`): each is a new version, so an ETag read before one is stale (412) and the task is read again.",
      REQUESTERS,
    ].join('\n\n'),
    responses: { 200: { description: 'The task', schema: 'FulfilmentTask', headers: ['ETag', 'Location'] } },
    errorTypes: ['not-found'],
    pathParameters,
  },
  'PATCH /tasks/{id}': {
    operationId: 'updateTask',
    summary: 'Take, work or close a fulfilment task',
    tag: TAG,
    audience: 'agent',
    description: [
      'Needs the current version in If-Match (428 without it, 412 when stale). A patch that restates the current values changes nothing: 200 with the same version.',
      "**Taking.** An `assignee` (who must exist and belong to the task's group: 400 on `assignee`), or `status: work_in_progress` (the caller becomes the assignee when there is none, so they must belong to the task's group too: 403 otherwise), takes the task and stops its response clock. `status: open` from work_in_progress hands it back (the assignee is cleared unless one is given).",
      '**Closing.** `closed_complete` or `closed_incomplete` (with `closeNotes`, required for closed_incomplete: 400 on `closeNotes`) closes the task for good and stops its resolution clock; a task nobody holds gets the closer as its assignee, so only a member of its group closes it (403 otherwise). A closed task changes no more, and a `pending` one (a later step of a sequential plan) cannot be worked until the one before it closes: 409 `invalid-transition` with `from`, `to`, `allowedTransitions` and `reason` (`task-closed`, `task-pending`).',
      "**The request.** A status change updates the request's `tasks` in the SAME transaction. In a sequential plan, closing a task opens the next pending one (its clocks start then). When every task is closed, the request becomes `fulfilled` (`Request Fulfilled`), or `closed_incomplete` if any task was closed incomplete (`Request Closed Incomplete`). Two tasks of one request closed at the same moment both land: the loser of the race on the request's version reads it again and retries.",
      'Events: `Task Updated`, or `Task Closed` when it closes; the task opened next announces `Task Updated`.',
      REQUESTERS,
    ].join('\n\n'),
    body: { schema: 'PatchTask', mediaTypes: ['application/json', 'application/merge-patch+json'] },
    ifMatch: 'required',
    responses: { 200: { description: 'The task as it is now', schema: 'FulfilmentTask', headers: ['ETag', 'Location'] } },
    errorTypes: ['forbidden', 'not-found', 'invalid-transition'],
    pathParameters,
  },
  'POST /tasks/{id}/notes': {
    operationId: 'addTaskNote',
    summary: 'Add a work note to a fulfilment task',
    tag: TAG,
    audience: 'agent',
    description: [
      "A work note (tasks are agents' work, so every note is internal). Recorded in the task's history (`note_added`) with a `Task Updated` event naming the note, never its text; the task and its ETag stay as they are.",
      REQUESTERS,
    ].join('\n\n'),
    body: { schema: 'AddTaskNote' },
    idempotencyKey: true,
    responses: { 201: { description: 'Added', schema: 'TaskNote', headers: ['Idempotent-Replayed'] } },
    errorTypes: ['not-found'],
    pathParameters,
  },
  'GET /tasks/{id}/notes': {
    operationId: 'listTaskNotes',
    summary: "List a fulfilment task's work notes",
    tag: TAG,
    audience: 'agent',
    description: `Oldest first, like a conversation. ${PAGE_NOTE} ${REQUESTERS}`,
    query: taskPageQuery,
    responses: { 200: { description: 'One page of notes', schema: 'TaskNotePage' } },
    errorTypes: ['not-found'],
    pathParameters,
  },
  'GET /tasks/{id}/history': {
    operationId: 'getTaskHistory',
    summary: "Get a fulfilment task's audit trail",
    tag: TAG,
    audience: 'agent',
    description: `Oldest first: one record per write, with the fields it changed, written in the same transaction as the write; records are never updated or deleted. ${PAGE_NOTE} ${REQUESTERS}`,
    query: taskPageQuery,
    responses: { 200: { description: 'One page of history records', schema: 'TaskHistoryPage' } },
    errorTypes: ['not-found'],
    pathParameters,
  },
} as const;
