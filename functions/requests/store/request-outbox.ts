import type { TransactItem } from '../../shared/store/db.ts';
import { outboxItemPut, outboxKey } from '../../shared/store/outbox.ts';
import type { RequestOutboxRecord, TaskOutboxRecord } from '../domain/events.ts';
import { requestPartition, taskPartition } from './keys.ts';

/*
 * A request's outbox items live in its partition (REQUEST#<id>), a task's in its own (TASK#<id>):
 * one record's events reach the publisher in the order they were committed (shared/store/outbox.ts).
 */

export function requestOutboxPut(record: RequestOutboxRecord, now: Date): TransactItem {
  return outboxItemPut(outboxKey(requestPartition(record.requestId), record.eventId), record, now);
}

export function taskOutboxPut(record: TaskOutboxRecord, now: Date): TransactItem {
  return outboxItemPut(outboxKey(taskPartition(record.taskId), record.eventId), record, now);
}
