import type { TransactItem } from '../../shared/store/db.ts';
import { type OutboxKey, outboxItemPut, outboxKey } from '../../shared/store/outbox.ts';
import type { ProblemOutboxRecord } from '../domain/events.ts';

/** A problem's outbox items live in its partition: pk PROBLEM#<id>, sk OUTBOX#<eventId> (shared/store/outbox.ts). */
export const problemOutboxKey = (problemId: string, eventId: string): OutboxKey => outboxKey(`PROBLEM#${problemId}`, eventId);

/** The record's Put, for the transaction of the write it announces. */
export function problemOutboxPut(record: ProblemOutboxRecord, now: Date): TransactItem {
  return outboxItemPut(problemOutboxKey(record.problemId, record.eventId), record, now);
}
