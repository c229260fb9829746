import { type HistoryDraft, historyPut } from '../../shared/store/audit.ts';
import { filterFingerprint } from '../../shared/store/cursor.ts';
import { checkAtVersion, db, type Item, itemByNumber, putAtVersion, putNew, TABLE_NAME, type TransactItem, withoutKeys } from '../../shared/store/db.ts';
import { GetCommand, QueryCommand, type QueryCommandInput, UpdateCommand } from '../../shared/store/dynamodb.ts';
import { fromJsonAttribute, toJsonAttribute } from '../../shared/store/json-attribute.ts';
import { type Page, queryPage } from '../../shared/store/pagination.ts';
import { TASK_FIELD_ORDER } from '../domain/field-order.ts';
import { type FulfilmentTask, TASK_NUMBER_PATTERN, type TaskStatus, taskNumber } from '../domain/task.ts';
import { TASK_HEADS } from '../heads.ts';
import { TASK_SEQUENCE_KEY, taskIndexes, taskKey, taskNoteKey, taskPartition } from './keys.ts';

/*
 * Fulfilment task items (keys.ts; docs/data-model.md):
 *   task      pk TASK#<id>  sk TASK      gsi1 TASK / number                                   every task, newest first (and by number)
 *                                        gsi2 TASK#GROUP#<group> / <status>#<createdAt>#<number>  a group's queue, by status (begins_with)
 *                                        gsi3 TASK#STATUS#<status> / <createdAt>#<number>
 *                                        gsi4 TASK#ASSIGNEE#<user> / <createdAt>#<number>       (sparse)
 *                                        gsi5 TASK#REQUEST#<requestId> / <order>               a request's tasks, in plan order
 *   note      pk TASK#<id>  sk NOTE#<ulid>      (work notes)
 *   history   pk TASK#<id>  sk HISTORY#<ulid>
 *   outbox    pk TASK#<id>  sk OUTBOX#<eventId>
 *   sequence  pk SEQUENCE#TASK sk SEQUENCE     the number sequence
 * Every list below is ONE Query (plus the bounded extra pages a filter expression may need).
 */

export { TASK_FIELD_ORDER };

const toItem = (task: FulfilmentTask): Item => ({
  ...taskKey(task.id),
  entity: 'request-task',
  ...taskIndexes(task),
  ...task,
  ...(task.sla === undefined ? {} : { sla: toJsonAttribute(task.sla) }),
});

function fromItem(item: Item): FulfilmentTask {
  const task = withoutKeys<FulfilmentTask>(item, TASK_FIELD_ORDER);
  if (task.sla !== undefined) task.sla = fromJsonAttribute(task.sla);
  return task;
}

export const taskCreate = (task: FulfilmentTask): TransactItem => putNew(toItem(task));
/** Replaces the task if, and only if, it is still at the version the caller read. */
export const taskReplace = (next: FulfilmentTask, expectedVersion: number): TransactItem => putAtVersion(toItem(next), expectedVersion);
/** Something lands on the task without changing it (a note): it must still be at the version read. */
export const taskUnchanged = (task: FulfilmentTask): TransactItem => checkAtVersion(taskKey(task.id), task.version);
export const taskHistoryPut = (taskId: string, draft: HistoryDraft): TransactItem => historyPut(taskPartition(taskId), taskId, draft);
export const taskFromItem = fromItem;

/**
 * `count` task numbers in one round trip: the sequence moves by `count` at once (an atomic ADD),
 * so concurrent callers get disjoint blocks.
 */
export async function takeTaskNumbers(count: number): Promise<string[]> {
  const result = await db.send(
    new UpdateCommand({
      TableName: TABLE_NAME,
      Key: TASK_SEQUENCE_KEY,
      UpdateExpression: 'ADD #sequence :count SET entity = :entity',
      ExpressionAttributeNames: { '#sequence': 'sequence' },
      ExpressionAttributeValues: { ':count': count, ':entity': 'task-sequence' },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  const last = Number(result.Attributes?.sequence);
  return Array.from({ length: count }, (_, i) => taskNumber(last - count + 1 + i));
}

export async function getTask(id: string): Promise<FulfilmentTask | undefined> {
  const result = await db.send(new GetCommand({ TableName: TABLE_NAME, Key: taskKey(id), ConsistentRead: true }));
  return result.Item === undefined ? undefined : fromItem(result.Item);
}

/** By id (strongly consistent) or by number (through gsi1, eventually consistent like every index read). */
export async function findTask(idOrNumber: string): Promise<FulfilmentTask | undefined> {
  if (!TASK_NUMBER_PATTERN.test(idOrNumber)) return getTask(idOrNumber);
  const item = await itemByNumber('TASK', idOrNumber);
  return item === undefined ? undefined : fromItem(item);
}

export interface TaskFilters {
  assignmentGroup?: string;
  status?: TaskStatus;
  assignee?: string;
  request?: string;
}

/**
 * One Query: by request (gsi5, plan order), else assignee (gsi4), else assignment group (gsi2,
 * begins_with `<status>#` when a status is given too), else status (gsi3): queues oldest first.
 * Without filters, every task newest first (gsi1). Filters the chosen index does not key on narrow
 * it with a filter expression.
 */
export async function listTasks(filters: TaskFilters, limit: number, cursor?: string): Promise<Page<FulfilmentTask>> {
  const values: Record<string, unknown> = {};
  const names: Record<string, string> = {};
  const narrow: string[] = [];
  const also = (field: keyof TaskFilters, attribute: string) => {
    const wanted = filters[field];
    if (wanted === undefined) return;
    names[`#${field}`] = attribute;
    values[`:${field}`] = wanted;
    narrow.push(`#${field} = :${field}`);
  };
  let input: QueryCommandInput;
  if (filters.request !== undefined) {
    values[':pk'] = `TASK#REQUEST#${filters.request}`;
    input = { TableName: TABLE_NAME, IndexName: 'gsi5', KeyConditionExpression: 'gsi5pk = :pk' };
    also('assignmentGroup', 'assignmentGroup');
    also('status', 'status');
    also('assignee', 'assignee');
  } else if (filters.assignee !== undefined) {
    values[':pk'] = `TASK#ASSIGNEE#${filters.assignee}`;
    input = { TableName: TABLE_NAME, IndexName: 'gsi4', KeyConditionExpression: 'gsi4pk = :pk' };
    also('assignmentGroup', 'assignmentGroup');
    also('status', 'status');
  } else if (filters.assignmentGroup !== undefined) {
    values[':pk'] = `TASK#GROUP#${filters.assignmentGroup}`;
    if (filters.status === undefined) {
      input = { TableName: TABLE_NAME, IndexName: 'gsi2', KeyConditionExpression: 'gsi2pk = :pk' };
    } else {
      values[':status'] = `${filters.status}#`;
      input = { TableName: TABLE_NAME, IndexName: 'gsi2', KeyConditionExpression: 'gsi2pk = :pk AND begins_with(gsi2sk, :status)' };
    }
  } else if (filters.status !== undefined) {
    values[':pk'] = `TASK#STATUS#${filters.status}`;
    input = { TableName: TABLE_NAME, IndexName: 'gsi3', KeyConditionExpression: 'gsi3pk = :pk' };
  } else {
    values[':pk'] = 'TASK';
    input = { TableName: TABLE_NAME, IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :pk', ScanIndexForward: false };
  }
  const page = await queryPage(
    {
      ...input,
      ExpressionAttributeValues: values,
      ...(narrow.length === 0 ? {} : { FilterExpression: narrow.join(' AND '), ExpressionAttributeNames: names }),
    },
    limit,
    cursor,
    filterFingerprint({ ...filters, kind: 'tasks' }),
    { projection: TASK_FIELD_ORDER, heads: TASK_HEADS },
  );
  return { ...page, items: page.items.map(fromItem) };
}

/** A request's tasks in plan order (at most a plan's worth: one page). */
export async function tasksOfRequest(requestId: string): Promise<FulfilmentTask[]> {
  const result = await db.send(
    new QueryCommand({
      TableName: TABLE_NAME,
      IndexName: 'gsi5',
      KeyConditionExpression: 'gsi5pk = :pk',
      ExpressionAttributeValues: { ':pk': `TASK#REQUEST#${requestId}` },
    }),
  );
  return (result.Items ?? []).map(fromItem);
}

export interface TaskNote {
  id: string;
  taskId: string;
  text: string;
  author: string;
  visibility: 'work';
  createdAt: string;
}
const NOTE_FIELDS = ['id', 'taskId', 'text', 'author', 'visibility', 'createdAt'] as const;

export const taskNotePut = (note: TaskNote): TransactItem => putNew({ ...taskNoteKey(note.taskId, note.id), entity: 'task-note', ...note });

/** Oldest first, like a conversation. */
export async function listTaskNotes(taskId: string, limit: number, cursor?: string): Promise<Page<TaskNote>> {
  const page = await queryPage(
    {
      TableName: TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': taskPartition(taskId), ':prefix': 'NOTE#' },
    },
    limit,
    cursor,
    filterFingerprint({ taskId, kind: 'task-notes' }),
  );
  return { ...page, items: page.items.map((item) => withoutKeys<TaskNote>(item, NOTE_FIELDS)) };
}

export interface TaskHistoryRecord extends HistoryDraft {
  id: string;
  taskId: string;
}

/** The audit trail, oldest first. */
export async function listTaskHistory(taskId: string, limit: number, cursor?: string): Promise<Page<TaskHistoryRecord>> {
  const page = await queryPage(
    {
      TableName: TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': taskPartition(taskId), ':prefix': 'HISTORY#' },
    },
    limit,
    cursor,
    filterFingerprint({ taskId, kind: 'task-history' }),
  );
  return {
    ...page,
    items: page.items.map((item) => {
      const { subjectId, id, ...record } = withoutKeys<HistoryDraft & { id: string; subjectId: string }>(item);
      return { id, taskId: subjectId, ...record };
    }),
  };
}
