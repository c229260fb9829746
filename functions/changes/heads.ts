import type { QueueHeadDefinition } from '../shared/domain/queue-heads.ts';
import { CHANGE_FIELD_ORDER } from './schemas/change.ts';

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
    attributes: CHANGE_FIELD_ORDER,
  },
  { name: 'every change', recordSortKey: 'CHANGE', index: 'gsi1', partition: { exact: 'CHANGE' }, descending: true, attributes: CHANGE_FIELD_ORDER },
];
