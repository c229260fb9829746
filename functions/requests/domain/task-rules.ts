import type { FieldDiff } from '../../shared/domain/audit.ts';
import { answerLines, answerText } from './answers.ts';
import type { FormField, FulfilmentMode } from './catalog.ts';
import type { RequestStatus, RequestTaskSummary } from './request.ts';
import { CLOSED_TASK_STATUSES, type FulfilmentTask, type TaskStatus } from './task.ts';

/*
 * What agents may do to a fulfilment task, and what closing one does to its request.
 *
 * - Taking: a task is taken once it has an assignee or is being worked (work_in_progress). Moving it
 *   to work_in_progress without naming an assignee makes the agent who does it the assignee.
 * - Handing back: work_in_progress -> open (the assignee is cleared unless one is given).
 * - Closing: closed_complete or closed_incomplete, from open or work_in_progress; closed_incomplete
 *   needs closeNotes (why it could not be done). A task closed without an assignee is the closer's.
 * - A pending task (a sequential plan's later step) cannot be worked until the one before it closes;
 *   a closed task is final.
 */

export class TaskRuleError extends Error {
  constructor(
    readonly code: 'task-closed' | 'task-pending' | 'invalid-transition' | 'close-notes-required' | 'nothing-to-close',
    message: string,
    /** For transitions: where the task is, where it was asked to go, and where it may go. */
    readonly details: { from?: TaskStatus; to?: TaskStatus; allowedTransitions?: readonly TaskStatus[] } = {},
  ) {
    super(message);
  }
}

export interface TaskPatch {
  /** null: nobody (hand the task back). */
  assignee?: string | null;
  status?: TaskStatus;
  closeNotes?: string;
}

export const isClosedTask = (status: TaskStatus): boolean => CLOSED_TASK_STATUSES.includes(status);
export const isTaken = (task: Pick<FulfilmentTask, 'assignee' | 'status'>): boolean => task.assignee !== undefined || task.status === 'work_in_progress';

/** The fields a task's history and events compare. */
export const TASK_TRACKED_FIELDS = ['status', 'assignee', 'closeNotes'] as const;

const ALLOWED: Record<TaskStatus, readonly TaskStatus[]> = {
  pending: [],
  open: ['open', 'work_in_progress', 'closed_complete', 'closed_incomplete'],
  work_in_progress: ['open', 'work_in_progress', 'closed_complete', 'closed_incomplete'],
  closed_complete: [],
  closed_incomplete: [],
};

/**
 * The task after `patch`, by `actor` at `now` (clocks are not moved here: task-sla.ts does it from
 * before and after). Throws TaskRuleError when the rules refuse the change.
 */
export function applyTaskPatch(task: FulfilmentTask, patch: TaskPatch, actor: string, now: Date): FulfilmentTask {
  const status = patch.status ?? task.status;
  const details = { from: task.status, to: status, allowedTransitions: ALLOWED[task.status].filter((to) => to !== task.status) };
  if (isClosedTask(task.status)) throw new TaskRuleError('task-closed', `${task.number} is ${task.status}: a closed task is final`, details);
  if (task.status === 'pending') {
    throw new TaskRuleError('task-pending', `${task.number} is pending: it opens when the task before it in its request is closed`, details);
  }
  if (!ALLOWED[task.status].includes(status)) {
    throw new TaskRuleError('invalid-transition', `A task cannot go from ${task.status} to ${status}`, details);
  }
  if (patch.closeNotes !== undefined && !isClosedTask(status)) {
    throw new TaskRuleError('nothing-to-close', 'closeNotes are given when closing a task (status closed_complete or closed_incomplete)');
  }
  const closeNotes = patch.closeNotes ?? task.closeNotes;
  if (status === 'closed_incomplete' && (closeNotes === undefined || closeNotes.trim() === '')) {
    throw new TaskRuleError('close-notes-required', 'Closing a task incomplete needs closeNotes saying why');
  }

  let assignee: string | undefined = patch.assignee === null ? undefined : (patch.assignee ?? task.assignee);
  const handedBack = task.status === 'work_in_progress' && status === 'open';
  if (handedBack && patch.assignee === undefined) assignee = undefined;
  // Working or closing a task nobody holds makes it the actor's.
  if (assignee === undefined && (status === 'work_in_progress' || isClosedTask(status))) assignee = actor;

  const at = now.toISOString();
  const { assignee: _a, closeNotes: _c, closedAt: _d, ...rest } = task;
  return {
    ...rest,
    ...(assignee === undefined ? {} : { assignee }),
    status,
    ...(closeNotes === undefined ? {} : { closeNotes }),
    ...(isClosedTask(status) ? { closedAt: at } : {}),
    updatedAt: at,
    version: task.version + 1,
  };
}

/** The history of a task change: the tracked fields that differ. */
export function taskChanges(before: FulfilmentTask, after: FulfilmentTask): FieldDiff[] {
  const changes: FieldDiff[] = [];
  for (const field of TASK_TRACKED_FIELDS) {
    const from = before[field] ?? null;
    const to = after[field] ?? null;
    if (from !== to) changes.push({ field, from, to });
  }
  return changes;
}

/** A pending task reaching its turn. */
export function openPendingTask(task: FulfilmentTask, now: Date): FulfilmentTask {
  if (task.status !== 'pending') throw new Error(`${task.number} is ${task.status}, not pending`);
  const at = now.toISOString();
  return { ...task, status: 'open', openedAt: at, updatedAt: at, version: task.version + 1 };
}

export const taskSummary = (task: FulfilmentTask): RequestTaskSummary => ({
  id: task.id,
  number: task.number,
  name: task.name,
  status: task.status,
  assignmentGroup: task.assignmentGroup,
});

/**
 * What a task's change does to its request: the request's task summaries with the task's new
 * status; in a sequential plan, the task to open next when this one closed (the first pending one);
 * and the request's status when every task is closed (fulfilled, or closed_incomplete if any was).
 */
export interface FulfilmentProgress {
  summaries: RequestTaskSummary[];
  /** The id of the task to open now (sequential plans). */
  openNext?: string;
  /** Set when the request is done. */
  outcome?: Extract<RequestStatus, 'fulfilled' | 'closed_incomplete'>;
}

export function fulfilmentProgress(summaries: readonly RequestTaskSummary[], changed: FulfilmentTask, mode: FulfilmentMode): FulfilmentProgress {
  let next = summaries.map((summary) => (summary.id === changed.id ? taskSummary(changed) : summary));
  if (!next.some((summary) => summary.id === changed.id)) throw new Error(`${changed.number} is not one of its request's tasks`);
  let openNext: string | undefined;
  if (isClosedTask(changed.status) && mode === 'sequential' && !next.some((summary) => summary.status === 'open' || summary.status === 'work_in_progress')) {
    openNext = next.find((summary) => summary.status === 'pending')?.id;
    if (openNext !== undefined) next = next.map((summary) => (summary.id === openNext ? { ...summary, status: 'open' } : summary));
  }
  if (!next.every((summary) => isClosedTask(summary.status))) return { summaries: next, ...(openNext === undefined ? {} : { openNext }) };
  const outcome = next.some((summary) => summary.status === 'closed_incomplete') ? 'closed_incomplete' : 'fulfilled';
  return { summaries: next, outcome };
}

/** Whether a field was answered: a missing answer, null, empty text and an empty list are not. */
const answered = (answer: unknown): boolean => answer !== undefined && answer !== null && answer !== '' && !(Array.isArray(answer) && answer.length === 0);

/** `{{#answers.<field>}}...{{/answers.<field>}}`: the text between, shown only when the field was answered. */
const SECTION = /\{\{#\s*answers\.([A-Za-z0-9_-]+)\s*\}\}([\s\S]*?)\{\{\/\s*answers\.\1\s*\}\}/g;
/** `{{name}}`, or `{{answers.<field>|text}}`: `text` when the field was not answered. */
const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.-]+)\s*(?:\|([^}]*))?\}\}/g;
/** Sections inside sections are resolved from the outside in, this many deep at most. */
const MAX_SECTION_DEPTH = 5;

/**
 * Fills a task template: {{number}} {{requester}} {{item}} {{answers.<field>}} (a choice by its
 * label), {{answers}} (every answer on its own line under its title, in the form's order); an
 * unknown placeholder is left as written. An optional field's answer may be missing:
 * `{{answers.<field>|text}}` shows `text` then, and `{{#answers.<field>}}...{{/answers.<field>}}`
 * shows what is between only when it was answered (` until {{answers.endDate}}`), so that a
 * description never reads "until ." `fields`: the form's fields (planFormFields).
 */
export function fillTaskTemplate(
  template: string,
  values: { number: string; requester: string; item: string; answers: Record<string, unknown>; fields?: readonly FormField[] },
): string {
  const fields = values.fields ?? [];
  let text = template;
  for (let depth = 0; depth < MAX_SECTION_DEPTH; depth += 1) {
    const resolved = text.replace(SECTION, (_whole, field: string, inside: string) => (answered(values.answers[field]) ? inside : ''));
    if (resolved === text) break;
    text = resolved;
  }
  return text.replace(PLACEHOLDER, (whole, name: string, fallback: string | undefined) => {
    if (name === 'number') return values.number;
    if (name === 'requester') return values.requester;
    if (name === 'item') return values.item;
    if (name === 'answers')
      return answerLines(values.answers, fields)
        .map((line) => `${line.title}: ${line.text}`)
        .join('\n');
    if (name.startsWith('answers.')) {
      const field = name.slice('answers.'.length);
      const answer = values.answers[field];
      if (!answered(answer)) return fallback ?? '';
      return answerText(
        answer,
        fields.find((candidate) => candidate.name === field),
      );
    }
    return whole;
  });
}
