import type { QueueCountDefinition } from '../shared/domain/queue-counts.ts';

/*
 * The counts GET /requests?count=true and GET /tasks?count=true answer from
 * (functions/shared/domain/queue-counts.ts).
 */

/** Every filter alone, and a catalog item's and a requester's requests by status (a requester's list is always theirs). */
export const REQUEST_COUNTS: QueueCountDefinition = {
  kind: 'requests',
  entity: 'request',
  allOfKind: 'REQUEST',
  recordSortKey: 'REQUEST',
  dimensions: { status: 'status', item: 'item.id', requester: 'requester' },
  combinations: [[], ['status'], ['item'], ['requester'], ['item', 'status'], ['requester', 'status']],
};

/** The queues: a group's and an assignee's tasks, alone and by status, and every status. A request's own tasks are one short page: not counted. */
export const TASK_COUNTS: QueueCountDefinition = {
  kind: 'tasks',
  entity: 'request-task',
  allOfKind: 'TASK',
  recordSortKey: 'TASK',
  dimensions: { status: 'status', assignmentGroup: 'assignmentGroup', assignee: 'assignee' },
  combinations: [[], ['status'], ['assignmentGroup'], ['assignee'], ['assignmentGroup', 'status'], ['assignee', 'status']],
};
