import type { QueueHeadDefinition } from '../shared/domain/queue-heads.ts';
import { ARTICLE_FIELD_ORDER } from './domain/field-order.ts';
import { ARTICLE_WORKING_STATUS_PREFIX } from './store/keys.ts';

/** What a list of summaries reads of an article: neither body (up to 50,000 characters, and its HTML) nor keys. */
export const ARTICLE_SUMMARY_ATTRIBUTES = ARTICLE_FIELD_ORDER.filter((field) => field !== 'body' && field !== 'bodyHtml');

/**
 * The article queues whose first page is kept as one item (functions/shared/domain/queue-heads.ts):
 * an agent's GET /articles?status=<draft, review or retired> (by working status) and GET
 * /articles, newest first.
 */
export const ARTICLE_HEADS: readonly QueueHeadDefinition[] = [
  {
    name: 'articles by working status',
    recordSortKey: 'ARTICLE',
    index: 'gsi6',
    partition: { prefix: ARTICLE_WORKING_STATUS_PREFIX },
    descending: true,
    attributes: ARTICLE_SUMMARY_ATTRIBUTES,
  },
  { name: 'every article', recordSortKey: 'ARTICLE', index: 'gsi1', partition: { exact: 'ARTICLE' }, descending: true, attributes: ARTICLE_SUMMARY_ATTRIBUTES },
];
