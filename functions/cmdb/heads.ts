import type { QueueHeadDefinition } from '../shared/domain/queue-heads.ts';
import { CI_FIELD_ORDER } from './domain/ci.ts';

/**
 * The CI lists whose first page is kept as one item (functions/shared/domain/queue-heads.ts):
 * GET /cis?class=<class> and GET /cis, by name.
 */
export const CI_HEADS: readonly QueueHeadDefinition[] = [
  { name: 'CIs by class', recordSortKey: 'CI', index: 'gsi2', partition: { prefix: 'CIS#CLASS#' }, descending: false, attributes: CI_FIELD_ORDER },
  { name: 'every CI', recordSortKey: 'CI', index: 'gsi1', partition: { exact: 'CIS' }, descending: false, attributes: CI_FIELD_ORDER },
];
