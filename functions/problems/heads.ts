import type { QueueHeadDefinition } from '../shared/domain/queue-heads.ts';

/**
 * A problem's fields, as PROBLEM_FIELD_ORDER (schemas/problem.ts) derives them from its schema:
 * written out here so that the queue views consumer, which imports this file, does not load zod
 * (test/unit/queue-heads.test.ts holds the two equal).
 */
export const PROBLEM_LIST_ATTRIBUTES: readonly string[] = [
  'id',
  'number',
  'title',
  'description',
  'service',
  'configurationItems',
  'impactedServices',
  'configurationItem',
  'category',
  'impact',
  'urgency',
  'priority',
  'status',
  'assignmentGroup',
  'assignee',
  'rootCause',
  'rootCauseAt',
  'workaround',
  'fix',
  'knownError',
  'knownErrorPublishedAt',
  'resolveLinkedIncidents',
  'linkedIncidentCount',
  'candidate',
  'resolution',
  'review',
  'createdAt',
  'createdBy',
  'updatedAt',
  'updatedBy',
  'resolvedAt',
  'closedAt',
  'canceledAt',
  'version',
];

/**
 * The problem queues whose first page is kept as one item (functions/shared/domain/queue-heads.ts):
 * GET /problems?status=<one status> and GET /problems, newest first.
 */
export const PROBLEM_HEADS: readonly QueueHeadDefinition[] = [
  {
    name: 'problems by status',
    recordSortKey: 'PROBLEM',
    index: 'gsi2',
    partition: { prefix: 'PROBLEM#STATUS#' },
    descending: true,
    attributes: PROBLEM_LIST_ATTRIBUTES,
  },
  { name: 'every problem', recordSortKey: 'PROBLEM', index: 'gsi1', partition: { exact: 'PROBLEM' }, descending: true, attributes: PROBLEM_LIST_ATTRIBUTES },
];
