import type { FieldDiff } from '../shared/domain/audit.ts';
import type { NoteReference, Recipients } from '../shared/domain/outbox.ts';
import { isUnchangedWrite } from '../shared/domain/version.ts';
import { newId, writeHistoryDraft } from '../shared/store/audit.ts';
import { named, type TransactionEntry } from '../shared/store/transaction.ts';
import { slaTimers } from '../sla/domain/incident-sla.ts';
import { timerChanges, timerRecordId } from '../sla/domain/timers.ts';
import type { SlaConfig } from '../sla/domain/types.ts';
import { loadSlaConfig } from '../sla/store/config-store.ts';
import { planFormFields } from './domain/answers.ts';
import { type RequestEventType, type TaskSlaCrossing, taskEventRecord } from './domain/events.ts';
import type { RequestTaskSummary, ServiceRequest } from './domain/request.ts';
import type { FulfilmentTask } from './domain/task.ts';
import { fillTaskTemplate, isClosedTask, taskSummary } from './domain/task-rules.ts';
import { startTaskClocks } from './domain/task-sla.ts';
import { taskOutboxPut } from './store/request-outbox.ts';
import { takeTaskNumbers, taskCreate, taskHistoryPut, taskReplace, taskUnchanged } from './store/task-store.ts';

/*
 * Every write of a fulfilment task goes through here: the task at its version, its history record
 * and one outbox record ('Task Created', 'Task Updated' or 'Task Closed'), as items of ONE
 * transaction the caller commits with whatever else the change touches (its request, a note).
 * The outbox record carries the SLA timers the write moved (its clocks' upcoming thresholds before
 * and after, as an incident's record does): the publisher sets them as schedules named
 * `task-<id>-<clock>-<threshold>`, which start the escalation workflow, whose step records the
 * crossing through recordTaskSlaThreshold (task-sla-threshold.ts).
 * The task's own item is named TASK_ITEM: callers map its refused condition (412) by that name.
 */

export const TASK_ITEM = 'task';
/** The name of a created task's item in createFulfilmentTasks' entries. */
export const createdTaskItemName = (order: number): string => `task-${order}`;

/** The same entries, the task's own item named `name` instead of TASK_ITEM (a transaction holding several tasks). */
export function renameTaskItem(entries: TransactionEntry[], name: string): TransactionEntry[] {
  return entries.map((entry) => ('name' in entry && entry.name === TASK_ITEM ? { ...entry, name } : entry));
}

export interface TaskWrite {
  /** Undefined when the task is being created. */
  before?: FulfilmentTask;
  /** The task after the rules ran; `before` itself (same version) when nothing of it changes, as for a note. */
  after: FulfilmentTask;
  actor: string;
  changes: FieldDiff[];
  now: Date;
  action?: 'created' | 'updated' | 'note_added';
  /** Overrides the event derived from the write, its recipients, and names a note or an SLA crossing. */
  event?: { type: RequestEventType; recipients?: Recipients; note?: NoteReference; sla?: TaskSlaCrossing };
  /** The history record of a note says which kind it was. */
  noteVisibility?: 'work';
}

/** The event an ordinary task write announces. */
export function taskEventType(before: FulfilmentTask | undefined, after: FulfilmentTask): RequestEventType {
  if (before === undefined) return 'Task Created';
  return !isClosedTask(before.status) && isClosedTask(after.status) ? 'Task Closed' : 'Task Updated';
}

export function taskWrite(input: TaskWrite): TransactionEntry[] {
  const { before, after, now } = input;
  const unchanged = isUnchangedWrite(before, after, input.changes);
  const type = input.event?.type ?? taskEventType(before, after);
  const record = taskEventRecord(type, after, {
    eventId: newId(),
    actor: input.actor,
    occurredAt: now.toISOString(),
    ...(input.event?.recipients === undefined ? {} : { recipients: input.event.recipients }),
    ...(before === undefined || unchanged ? {} : { changes: input.changes }),
    ...(input.event?.note === undefined ? {} : { note: input.event.note }),
    ...(input.event?.sla === undefined ? {} : { sla: input.event.sla }),
    ...timersOf(before, after),
  });
  return [
    named(TASK_ITEM, before === undefined ? taskCreate(after) : unchanged ? taskUnchanged(before) : taskReplace(after, before.version)),
    taskHistoryPut(after.id, writeHistoryDraft(input)),
    taskOutboxPut(record, now),
  ];
}

/** The SLA timers a write moves: none when its clocks' upcoming thresholds stay as they were. */
function timersOf(before: FulfilmentTask | undefined, after: FulfilmentTask) {
  const timers = timerChanges(timerRecordId({ kind: 'task', id: after.id }), slaTimers(before?.sla), slaTimers(after.sla));
  return timers === undefined ? {} : { timers };
}

export interface FulfilmentTasksDraft {
  /** The tasks as created, in plan order: all open (parallel), or the first open and the rest pending (sequential). */
  tasks: FulfilmentTask[];
  /** The request's `tasks`, in the same order. */
  summaries: RequestTaskSummary[];
  /** Each task's item, history and 'Task Created' outbox record: for the caller's transaction, with the request's write. */
  entries: TransactionEntry[];
}

/**
 * The fulfilment tasks of `request` (its plan, copied from the catalog item version it was
 * ordered from), ready to commit in the caller's transaction. One round trip: a block of task
 * numbers and the SLA configuration, read in parallel. Open tasks start their clocks at `now`;
 * pending ones start theirs when they open.
 */
export async function createFulfilmentTasks(
  request: ServiceRequest,
  now: Date,
  options: { actor?: string; numbers?: string[] } = {},
): Promise<FulfilmentTasksDraft> {
  const templates = request.plan.fulfilment.tasks;
  if (templates.length === 0) throw new Error(`${request.number}'s plan has no fulfilment task`);
  if (options.numbers !== undefined && options.numbers.length !== templates.length) {
    throw new Error(`${request.number} needs ${templates.length} task numbers, not ${options.numbers.length}`);
  }
  const [numbers, config] = await Promise.all([options.numbers ?? takeTaskNumbers(templates.length), loadSlaConfig()]);
  const tasks = buildFulfilmentTasks(request, numbers, config, now);
  const actor = options.actor ?? 'system';
  return {
    tasks,
    summaries: tasks.map(taskSummary),
    // Each created task's item is named after its place in the plan: names are unique in a transaction.
    entries: tasks.flatMap((task) => renameTaskItem(taskWrite({ after: task, actor, changes: [], now }), createdTaskItemName(task.order))),
  };
}

/** The tasks of a request's plan, pure: numbers given, clocks started from `config`. */
export function buildFulfilmentTasks(request: ServiceRequest, numbers: readonly string[], config: SlaConfig, now: Date): FulfilmentTask[] {
  const at = now.toISOString();
  const sequential = request.plan.fulfilment.mode === 'sequential';
  return request.plan.fulfilment.tasks.map((template, order) => {
    const number = numbers[order] as string;
    const open = !sequential || order === 0;
    const sla = open ? startTaskClocks(config, request.plan.slaPolicy, now) : undefined;
    return {
      id: newId(),
      number,
      requestId: request.id,
      requestNumber: request.number,
      order,
      name: template.name,
      description: fillTaskTemplate(template.description, {
        number: request.number,
        requester: request.requester,
        item: request.item.name,
        answers: request.answers,
        fields: planFormFields(request.plan),
      }),
      assignmentGroup: template.assignmentGroup,
      status: open ? 'open' : 'pending',
      ...(sla === undefined ? {} : { sla }),
      createdAt: at,
      updatedAt: at,
      ...(open ? { openedAt: at } : {}),
      version: 1,
    };
  });
}
