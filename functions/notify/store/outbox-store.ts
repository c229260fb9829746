import { BatchGetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, type Item, TABLE_NAME, type TransactItem } from '../../shared/store/db.ts';
import type { OutboxRecord } from '../domain/events.ts';

/*
 * outbox  pk INCIDENT#<id>  sk OUTBOX#<eventId>   written only inside the transaction of the change it
 *                                                 announces; the table stream (INSERT, entity outbox)
 *                                                 drives the publisher. In the incident's partition,
 *                                                 so one incident's records reach the publisher in
 *                                                 the order they were committed.
 */

/** Kept a week after it was written: long enough to inspect, redrive or replay a failed delivery. */
const OUTBOX_RETENTION_SECONDS = 7 * 24 * 3600;

export const SINKS = ['events', 'notifications', 'timers'] as const;
export type Sink = (typeof SINKS)[number];

export const outboxKey = (incidentId: string, eventId: string) => ({ pk: `INCIDENT#${incidentId}`, sk: `OUTBOX#${eventId}` });

export function outboxPut(record: OutboxRecord, now: Date): TransactItem {
  return {
    Put: {
      TableName: TABLE_NAME,
      Item: {
        ...outboxKey(record.incidentId, record.eventId),
        entity: 'outbox',
        ...record,
        expiresAt: Math.floor(now.getTime() / 1000) + OUTBOX_RETENTION_SECONDS,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/**
 * Which sinks already took each record. A stream record carries the item as inserted, so a
 * redelivered batch (after a later sink failed) must read what was marked since: one BatchGetItem
 * for the whole batch.
 */
export async function deliveredSinks(records: readonly Pick<OutboxRecord, 'incidentId' | 'eventId'>[]): Promise<Map<string, Set<Sink>>> {
  const delivered = new Map<string, Set<Sink>>();
  for (let start = 0; start < records.length; start += 100) {
    let keys: Item[] = records.slice(start, start + 100).map((r) => outboxKey(r.incidentId, r.eventId));
    for (let attempt = 0; keys.length > 0; attempt++) {
      if (attempt === 5) throw new Error('BatchGetItem left outbox keys unprocessed after retries');
      const result = await db.send(
        new BatchGetCommand({
          RequestItems: { [TABLE_NAME]: { Keys: keys, ConsistentRead: true, ProjectionExpression: 'eventId, deliveredTo' } },
        }),
      );
      for (const item of result.Responses?.[TABLE_NAME] ?? []) {
        const sinks = item.deliveredTo as Set<Sink> | undefined;
        if (sinks !== undefined) delivered.set(item.eventId as string, new Set(sinks));
      }
      keys = result.UnprocessedKeys?.[TABLE_NAME]?.Keys ?? [];
    }
  }
  return delivered;
}

/**
 * Marks one sink of a record as done, after it took the record. If this write fails after the
 * publish succeeded, that sink sees the record again on the retry; consumers dedupe on eventId.
 */
export async function markDelivered(record: Pick<OutboxRecord, 'incidentId' | 'eventId'>, sink: Sink): Promise<void> {
  await db.send(
    new UpdateCommand({
      TableName: TABLE_NAME,
      Key: outboxKey(record.incidentId, record.eventId),
      UpdateExpression: 'ADD deliveredTo :sink',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':sink': new Set([sink]) },
    }),
  );
}
