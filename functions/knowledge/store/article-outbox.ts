import type { TransactItem } from '../../shared/store/db.ts';
import { type OutboxKey, outboxItemPut, outboxKey } from '../../shared/store/outbox.ts';
import type { ArticleOutboxRecord } from '../domain/events.ts';
import { articlePartition } from './keys.ts';

/** An article's outbox items live in its partition: pk ARTICLE#<id>, sk OUTBOX#<eventId> (shared/store/outbox.ts). */
export const articleOutboxKey = (articleId: string, eventId: string): OutboxKey => outboxKey(articlePartition(articleId), eventId);

/** The record's Put, for the transaction of the write it announces. */
export function articleOutboxPut(record: ArticleOutboxRecord, now: Date): TransactItem {
  return outboxItemPut(articleOutboxKey(record.articleId, record.eventId), record, now);
}
