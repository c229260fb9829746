import type { QueueHeadDefinition } from '../shared/domain/queue-heads.ts';
import { CI_FIELD_ORDER } from './domain/ci.ts';

/**
 * The CI lists whose first page is kept as one item (functions/shared/domain/queue-heads.ts):
 * GET /cis?class=<class>, by name. (GET /cis without a filter merges the CMDB's own CIs with the
 * directory's services: two Queries, no head.)
 */
export const CI_HEADS: readonly QueueHeadDefinition[] = [
  { name: 'CIs by class', recordSortKey: 'CI', index: 'gsi2', partition: { prefix: 'CIS#CLASS#' }, descending: false, attributes: CI_FIELD_ORDER },
];
