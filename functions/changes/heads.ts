import type { QueueHeadDefinition } from '../shared/domain/queue-heads.ts';

/**
 * A change request's fields, as CHANGE_FIELD_ORDER (schemas/change.ts) derives them from its
 * schema: written out here so that the queue views consumer, which imports this file, does not
 * load zod (test/unit/queue-heads.test.ts holds the two equal).
 */
export const CHANGE_LIST_ATTRIBUTES: readonly string[] = [
  'id',
  'number',
  'type',
  'status',
  'title',
  'description',
  'justification',
  'template',
  'services',
  'configurationItems',
  'plannedStart',
  'plannedEnd',
  'implementationPlan',
  'backoutPlan',
  'testPlan',
  'outageRequired',
  'assignmentGroup',
  'risk',
  'conflicts',
  'blackoutOverride',
  'startBlocked',
  'startOverride',
  'submissions',
  'workflow',
  'rejection',
  'implementation',
  'review',
  'reviewRequired',
  'cancelReason',
  'createdAt',
  'createdBy',
  'updatedAt',
  'updatedBy',
  'closedAt',
  'canceledAt',
  'version',
];

/**
 * The change queues whose first page is kept as one item (functions/shared/domain/queue-heads.ts):
 * GET /changes?status=<one status> and GET /changes, newest first.
 */
export const CHANGE_HEADS: readonly QueueHeadDefinition[] = [
  {
    name: 'changes by status',
    recordSortKey: 'CHANGE',
    index: 'gsi2',
    partition: { prefix: 'CHANGE#STATUS#' },
    descending: true,
    attributes: CHANGE_LIST_ATTRIBUTES,
  },
  { name: 'every change', recordSortKey: 'CHANGE', index: 'gsi1', partition: { exact: 'CHANGE' }, descending: true, attributes: CHANGE_LIST_ATTRIBUTES },
];
