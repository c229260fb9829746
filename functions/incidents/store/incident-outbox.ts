import type { TransactItem } from '../../shared/store/db.ts';
import { type OutboxKey, outboxItemPut, outboxKey } from '../../shared/store/outbox.ts';
import type { IncidentOutboxRecord } from '../domain/events.ts';

/** An incident's outbox items live in its partition: pk INCIDENT#<id>, sk OUTBOX#<eventId> (shared/store/outbox.ts). */
export const incidentOutboxKey = (incidentId: string, eventId: string): OutboxKey => outboxKey(`INCIDENT#${incidentId}`, eventId);

/** The record's Put, for the transaction of the incident write it announces. */
export function incidentOutboxPut(record: IncidentOutboxRecord, now: Date): TransactItem {
  return outboxItemPut(incidentOutboxKey(record.incidentId, record.eventId), record, now);
}
