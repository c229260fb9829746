import type { TransactItem } from '../../shared/store/db.ts';

/*
 * outbox  pk INCIDENT#<id>  sk OUTBOX#<eventId>   written only inside the transaction of the change it
 *         pk CHANGE#<id>    sk OUTBOX#<eventId>   announces; the table stream (INSERT, entity outbox)
 *                                                 drives the publisher. In the record's partition
 *                                                 (the incident's or the change request's), so one
 *                                                 record's events reach the publisher in the order
 *                                                 they were committed.
 *
 * No AWS client here, only the shape of the items: the domain modules that build outbox records
 * (change-events.ts) hand out their Put without loading the store, so pure code and the schema
 * generator can import them.
 */

/** Kept a week after it was written: long enough to inspect, redrive or replay a failed delivery. */
export const OUTBOX_RETENTION_SECONDS = 7 * 24 * 3600;

/** Where an outbox record is stored; the publisher marks delivered sinks on the item it was given. */
export interface OutboxKey {
  pk: string;
  sk: string;
}

export const incidentOutboxKey = (incidentId: string, eventId: string): OutboxKey => ({ pk: `INCIDENT#${incidentId}`, sk: `OUTBOX#${eventId}` });
export const changeOutboxKey = (changeId: string, eventId: string): OutboxKey => ({ pk: `CHANGE#${changeId}`, sk: `OUTBOX#${eventId}` });

/** One key as a map key: the delivered sinks of a batch are looked up by it. */
export const outboxKeyId = (key: OutboxKey): string => `${key.pk}\n${key.sk}`;

/** The Put of an outbox record at its key; only ever new (a record is written once, in its change's transaction). */
export function outboxItemPut(tableName: string, key: OutboxKey, record: object, now: Date): TransactItem {
  return {
    Put: {
      TableName: tableName,
      Item: {
        ...key,
        entity: 'outbox',
        ...record,
        expiresAt: Math.floor(now.getTime() / 1000) + OUTBOX_RETENTION_SECONDS,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}
