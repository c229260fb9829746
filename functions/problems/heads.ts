import type { QueueHeadDefinition } from '../shared/domain/queue-heads.ts';
import { PROBLEM_FIELD_ORDER } from './schemas/problem.ts';

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
    attributes: PROBLEM_FIELD_ORDER,
  },
  { name: 'every problem', recordSortKey: 'PROBLEM', index: 'gsi1', partition: { exact: 'PROBLEM' }, descending: true, attributes: PROBLEM_FIELD_ORDER },
];
