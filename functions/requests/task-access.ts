import { conflict, fieldError, notFound, validationFailed } from '../shared/errors.ts';
import { type ApiResult, etagOf } from '../shared/http/handler.ts';
import type { Principal } from '../shared/http/principal.ts';
import type { FulfilmentTask } from './domain/task.ts';
import { TaskRuleError } from './domain/task-rules.ts';
import { taskSlaView } from './domain/task-sla.ts';
import { findTask, TASK_FIELD_ORDER } from './store/task-store.ts';

/*
 * Fulfilment tasks are agents' work: to anyone else every /tasks route answers 404, as a request
 * of someone else's does. A requester follows the tasks of their own request through the request
 * (its `tasks` summary).
 */

export function assertTaskAgent(principal: Principal, what = 'Fulfilment tasks'): void {
  if (!principal.isAgent) throw notFound(what);
}

/** By id (strongly consistent) or number (one index Query), or 404 naming what was asked for. */
export async function loadTask(idOrNumber: string): Promise<FulfilmentTask> {
  const task = await findTask(idOrNumber);
  if (task === undefined) throw notFound(`Task ${idOrNumber}`);
  return task;
}

/** The task as the API shows it: fields in the documented order, its clocks live at `now`. */
export function presentTask(task: FulfilmentTask, now = new Date()): Record<string, unknown> {
  const shown: Record<string, unknown> = {};
  for (const field of TASK_FIELD_ORDER) {
    const value = field === 'sla' ? (task.sla === undefined ? undefined : taskSlaView(task.sla, now)) : task[field];
    if (value !== undefined) shown[field] = value;
  }
  return shown;
}

export const taskResponse = (status: number, task: FulfilmentTask): ApiResult => ({
  status,
  headers: { etag: etagOf(task.version), location: `/tasks/${task.id}` },
  body: presentTask(task),
});

/** Maps the task rules' stable codes to HTTP: the only place that knows both. */
export function toTaskHttpError(error: unknown): unknown {
  if (!(error instanceof TaskRuleError)) return error;
  switch (error.code) {
    case 'task-closed':
    case 'task-pending':
    case 'invalid-transition':
      return conflict('invalid-transition', 'Transition not allowed', error.message, { reason: error.code, ...error.details });
    case 'close-notes-required':
    case 'nothing-to-close':
      return validationFailed([fieldError('body', ['closeNotes'], error.message)], error.message);
  }
}
