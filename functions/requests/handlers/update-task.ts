import { referenceChecks } from '../../directory/store/references.ts';
import { forbidden, preconditionFailed, validationFailed } from '../../shared/errors.ts';
import { type ApiRequest, byRoute, etagOf, httpHandler } from '../../shared/http/handler.ts';
import { diffFields } from '../../shared/store/audit.ts';
import { fieldCheckErrors, fieldCheckItems } from '../../shared/store/field-checks.ts';
import { claimIdempotencyKey, commitIdempotently } from '../../shared/store/idempotency.ts';
import { conflictBackoff, retryOnConflict } from '../../shared/store/retry.ts';
import { type TransactionEntry, TransactionRefused, transactWrite } from '../../shared/store/transaction.ts';
import { loadSlaConfig } from '../../sla/store/config-store.ts';
import type { ServiceRequest } from '../domain/request.ts';
import type { FulfilmentTask } from '../domain/task.ts';
import { applyTaskPatch, fulfilmentProgress, openPendingTask, type TaskPatch, taskChanges } from '../domain/task-rules.ts';
import { evolveTaskClocks, startTaskClocks } from '../domain/task-sla.ts';
import { REQUEST_ITEM, requestWrite } from '../request-write.ts';
import { addTaskNoteBody, patchTaskBody, taskPageQuery } from '../schemas/task.ts';
import { getRequest, newId } from '../store/request-store.ts';
import { getTask, listTaskHistory, listTaskNotes, type TaskNote, taskNotePut } from '../store/task-store.ts';
import { assertTaskAgent, loadTask, taskResponse, toTaskHttpError } from '../task-access.ts';
import { renameTaskItem, TASK_ITEM, taskWrite } from '../task-write.ts';

/** The request moved meanwhile (another task of it closed at the same time): read it again and redo the request's part. */
const REQUEST_ATTEMPTS = 5;
/** A note on a task that moved meanwhile is simply added to its new version. */
const NOTE_ATTEMPTS = 3;
const NEXT_TASK_ITEM = 'next-task';

const REQUEST_FIELDS = ['status', 'tasks', 'fulfilledAt', 'closedAt'] as const;

/**
 * A task's status change carried to its request, in the same transaction: the request's task
 * summary, the next task of a sequential plan opened (its clocks start now), and when every task is
 * closed the request fulfilled (or closed_incomplete). Conditioned on the request's version: a
 * concurrent change of another task of it refuses this one, which is then rebuilt from the request
 * as it now is, never lost.
 */
async function requestEntries(task: FulfilmentTask, actor: string, now: Date): Promise<TransactionEntry[]> {
  const request = await getRequest(task.requestId);
  if (request === undefined) throw new Error(`${task.number}'s request ${task.requestId} does not exist`);
  const progress = fulfilmentProgress(request.tasks, task, request.plan.fulfilment.mode);
  const entries: TransactionEntry[] = [];
  if (progress.openNext !== undefined) {
    const [pending, config] = await Promise.all([getTask(progress.openNext), loadSlaConfig()]);
    if (pending === undefined) throw new Error(`${request.number}'s task ${progress.openNext} does not exist`);
    const opened = openPendingTask(pending, now);
    const sla = startTaskClocks(config, request.plan.slaPolicy, now);
    const next: FulfilmentTask = sla === undefined ? opened : { ...opened, sla };
    const written = taskWrite({ before: pending, after: next, actor, changes: diffFields({ ...pending }, { ...next }, ['status', 'openedAt']), now });
    // The task's own item is named after its role here, so a refusal of the next task is not read as the patched task's 412.
    entries.push(...renameTaskItem(written, NEXT_TASK_ITEM));
  }
  const at = now.toISOString();
  const after: ServiceRequest = {
    ...request,
    tasks: progress.summaries,
    ...(progress.outcome === undefined ? {} : { status: progress.outcome }),
    ...(progress.outcome === 'fulfilled' ? { fulfilledAt: at } : {}),
    ...(progress.outcome === 'closed_incomplete' ? { closedAt: at } : {}),
    updatedAt: at,
    version: request.version + 1,
  };
  entries.push(...requestWrite({ before: request, after, actor, changes: diffFields({ ...request }, { ...after }, REQUEST_FIELDS), now }));
  return entries;
}

/** An agent outside the task's group who would become its assignee by working or closing it. */
function notInGroup(task: FulfilmentTask, userId: string, status: FulfilmentTask['status']): Error {
  const doing = status === 'work_in_progress' ? 'take' : 'close';
  return forbidden(
    `${userId} is not a member of group '${task.assignmentGroup}': only its members ${doing} ${task.number} while nobody holds it (working or closing a task nobody holds makes you its assignee)`,
  );
}

async function patchTask(request: ApiRequest) {
  const principal = request.principal;
  const idOrNumber = request.pathParam('id');
  assertTaskAgent(principal, `Task ${idOrNumber}`);
  const ifMatch = request.ifMatch();
  const body = request.body(patchTaskBody);
  const task = await loadTask(idOrNumber);
  ifMatch.check(task.version);

  const now = new Date();
  const patch: TaskPatch = body;
  let next: FulfilmentTask;
  try {
    next = applyTaskPatch(task, patch, principal.userId, now);
  } catch (error) {
    throw toTaskHttpError(error);
  }
  const changes = taskChanges(task, next);
  // A patch restating the current values changes nothing: no write, no new version.
  if (changes.length === 0) return taskResponse(200, task);
  const sla = evolveTaskClocks(task, next, now);
  if (sla !== undefined) next = { ...next, sla };

  // Whoever becomes the assignee must exist and belong to the task's group, checked in the write's
  // transaction: someone named in the body, or the caller, whom working or closing a task nobody
  // holds makes its assignee (task-rules.ts).
  const newAssignee = next.assignee !== undefined && next.assignee !== task.assignee ? next.assignee : undefined;
  const references = newAssignee === undefined ? [] : referenceChecks({ assignee: newAssignee, assignmentGroup: task.assignmentGroup });
  const named = typeof body.assignee === 'string';
  const own = [...taskWrite({ before: task, after: next, actor: principal.userId, changes, now }), ...fieldCheckItems(references)];
  const statusMoved = task.status !== next.status;

  await retryOnConflict(
    async () => {
      try {
        await transactWrite(statusMoved ? [...own, ...(await requestEntries(next, principal.userId, now))] : own);
      } catch (error) {
        if (error instanceof TransactionRefused) {
          if (error.has(TASK_ITEM)) {
            const current = error.item(TASK_ITEM);
            throw preconditionFailed(current === undefined ? undefined : etagOf(current.version as number));
          }
          const errors = fieldCheckErrors(error, references);
          if (errors.length > 0 && named) throw validationFailed(errors);
          // The caller was not named, the rules made them the assignee: they may not take this task.
          if (errors.length > 0) throw notInGroup(task, principal.userId, next.status);
        }
        throw error;
      }
    },
    {
      attempts: REQUEST_ATTEMPTS,
      isConflict: (error) =>
        error instanceof TransactionRefused && (error.conflicted || ((error.has(REQUEST_ITEM) || error.has(NEXT_TASK_ITEM)) && !error.has(TASK_ITEM))),
      backoff: conflictBackoff,
    },
  );
  return taskResponse(200, next);
}

/**
 * Work notes: tasks are agents' work, so every note is internal. The note, its history record and
 * a Task Updated event naming the note (never its body) commit together, and leave the task and its
 * ETag as they were.
 */
async function addNote(request: ApiRequest, target: { taskId?: string }) {
  const principal = request.principal;
  const input = request.body(addTaskNoteBody);
  // A retry reads by id: strongly consistent, where the number's index may still show the old version.
  const task = await loadTask(target.taskId ?? request.pathParam('id'));
  target.taskId = task.id;
  const claim = claimIdempotencyKey(request, input, `/tasks/${task.id}/notes`);
  const now = new Date();
  const note: TaskNote = { id: newId(), taskId: task.id, text: input.text, author: principal.userId, visibility: 'work', createdAt: now.toISOString() };
  const items = taskWrite({
    before: task,
    after: task,
    actor: principal.userId,
    changes: [],
    now,
    action: 'note_added',
    noteVisibility: 'work',
    event: { type: 'Task Updated', note: { id: note.id, visibility: 'work', author: note.author } },
  });
  return commitIdempotently([...items, taskNotePut(note)], claim, { status: 201, body: note }, now);
}

const pageOptions = (request: ApiRequest) => {
  const { limit, cursor } = request.query(taskPageQuery);
  return { limit, cursor };
};

export const handler = httpHandler(
  byRoute({
    'PATCH /tasks/{id}': patchTask,
    'POST /tasks/{id}/notes': (request) => {
      assertTaskAgent(request.principal, `Task ${request.pathParam('id')}`);
      const target: { taskId?: string } = {};
      return retryOnConflict(() => addNote(request, target), {
        attempts: NOTE_ATTEMPTS,
        isConflict: (error) => error instanceof TransactionRefused && error.has(TASK_ITEM),
      });
    },
    /** Oldest first, like a conversation. */
    'GET /tasks/{id}/notes': async (request) => {
      assertTaskAgent(request.principal, `Task ${request.pathParam('id')}`);
      const { limit, cursor } = pageOptions(request);
      const task = await loadTask(request.pathParam('id'));
      return { status: 200, body: await listTaskNotes(task.id, limit, cursor) };
    },
    /** The audit trail, oldest first; read-only. */
    'GET /tasks/{id}/history': async (request) => {
      assertTaskAgent(request.principal, `Task ${request.pathParam('id')}`);
      const { limit, cursor } = pageOptions(request);
      const task = await loadTask(request.pathParam('id'));
      return { status: 200, body: await listTaskHistory(task.id, limit, cursor) };
    },
  }),
);
