import type { QueueHeadDefinition } from '../shared/domain/queue-heads.ts';
import { REQUEST_FIELD_ORDER, TASK_FIELD_ORDER } from './domain/field-order.ts';

/**
 * The request and task queues whose first page is kept as one item
 * (functions/shared/domain/queue-heads.ts): GET /requests (an agent's, every request) and
 * ?status=<one status>, newest first; GET /tasks?assignmentGroup=<group>&status=<status> (a group's
 * queue, in its order), ?status=<status>, and GET /tasks, newest first.
 */
export const REQUEST_HEADS: readonly QueueHeadDefinition[] = [
  { name: 'every request', recordSortKey: 'REQUEST', index: 'gsi1', partition: { exact: 'REQUEST' }, descending: true, attributes: REQUEST_FIELD_ORDER },
  {
    name: 'requests by status',
    recordSortKey: 'REQUEST',
    index: 'gsi2',
    partition: { prefix: 'REQUEST#STATUS#' },
    descending: true,
    attributes: REQUEST_FIELD_ORDER,
  },
];

export const TASK_HEADS: readonly QueueHeadDefinition[] = [
  {
    name: "a group's tasks by status",
    recordSortKey: 'TASK',
    index: 'gsi2',
    partition: { prefix: 'TASK#GROUP#' },
    bySortSegment: true,
    descending: false,
    attributes: TASK_FIELD_ORDER,
    jsonAttributes: ['sla'],
  },
  {
    name: 'tasks by status',
    recordSortKey: 'TASK',
    index: 'gsi3',
    partition: { prefix: 'TASK#STATUS#' },
    descending: false,
    attributes: TASK_FIELD_ORDER,
    jsonAttributes: ['sla'],
  },
  {
    name: 'every task',
    recordSortKey: 'TASK',
    index: 'gsi1',
    partition: { exact: 'TASK' },
    descending: true,
    attributes: TASK_FIELD_ORDER,
    jsonAttributes: ['sla'],
  },
];
