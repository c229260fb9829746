import { requireEnv } from '../env.ts';
import type { TransactItem } from './db.ts';

/*
 * outbox  pk <the record's partition>  sk OUTBOX#<eventId>   e.g. pk INCIDENT#<id> or CHANGE#<id>;
 *         written only inside the transaction of the change it announces; the table stream (INSERT,
 *         entity outbox) drives the publisher. In the record's own partition, so one record's events
 *         reach the publisher in the order they were committed.
 *
 * No AWS client here, only the shape of the items: the table name is read when a Put is built,
 * not at load, so areas hand out their Put without loading the DynamoDB client.
 */

/** Kept a week after it was written: long enough to inspect, redrive or replay a failed delivery. */
export const OUTBOX_RETENTION_SECONDS = 7 * 24 * 3600;

/** Where an outbox record is stored; the publisher marks delivered sinks on the item it was given. */
export interface OutboxKey {
  pk: string;
  sk: string;
}

/** The key of a record's outbox item, in the partition of the record it announces. */
export const outboxKey = (recordPartition: string, eventId: string): OutboxKey => ({ pk: recordPartition, sk: `OUTBOX#${eventId}` });

/** One key as a map key: the delivered sinks of a batch are looked up by it. */
export const outboxKeyId = (key: OutboxKey): string => `${key.pk}\n${key.sk}`;

/** The Put of an outbox record at its key; only ever new (a record is written once, in its change's transaction). */
export function outboxItemPut(key: OutboxKey, record: object, now: Date): TransactItem {
  return {
    Put: {
      TableName: requireEnv('TABLE_NAME'),
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
