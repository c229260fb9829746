import type { TransactItem } from '../../shared/store/db.ts';
import { type OutboxKey, outboxItemPut, outboxKey } from '../../shared/store/outbox.ts';
import type { ChangeOutboxRecord } from '../domain/events.ts';

/** A change request's outbox items live in its partition: pk CHANGE#<id>, sk OUTBOX#<eventId> (shared/store/outbox.ts). */
export const changeOutboxKey = (changeId: string, eventId: string): OutboxKey => outboxKey(`CHANGE#${changeId}`, eventId);

/**
 * The record's Put, for the transaction of the write it announces, kept as long as incident
 * records. The table name is read when called, not at load, so that this module stays free of the
 * DynamoDB client.
 */
export function changeOutboxPut(record: ChangeOutboxRecord, now: Date): TransactItem {
  return outboxItemPut(changeOutboxKey(record.changeId, record.eventId), record, now);
}
