import { batchGetAll } from '../../shared/store/batch-get.ts';
import { db, TABLE_NAME } from '../../shared/store/db.ts';
import { UpdateCommand } from '../../shared/store/dynamodb.ts';
import { type OutboxKey, outboxKeyId } from '../../shared/store/outbox.ts';

/*
 * The publisher's bookkeeping on the outbox items (keys and shape in shared/store/outbox.ts; each
 * work area puts its own records): which sinks already took a record.
 */

export const SINKS = ['events', 'notifications', 'timers'] as const;
export type Sink = (typeof SINKS)[number];

/**
 * Which sinks already took each record, by outboxKeyId. A stream record carries the item as
 * inserted, so a redelivered batch (after a later sink failed) must read what was marked since: one
 * BatchGetItem per 100 records.
 */
export async function deliveredSinks(records: readonly OutboxKey[]): Promise<Map<string, Set<Sink>>> {
  const delivered = new Map<string, Set<Sink>>();
  const items = await batchGetAll(records, { consistentRead: true, attributes: ['deliveredTo'] });
  records.forEach((record, i) => {
    const sinks = items[i]?.deliveredTo as Set<Sink> | undefined;
    if (sinks !== undefined) delivered.set(outboxKeyId(record), new Set(sinks));
  });
  return delivered;
}

/**
 * Marks one sink of a record as done, after it took the record, on the stored item's own key (an
 * incident's or a change request's). If this write fails after the publish succeeded, that sink
 * sees the record again on the retry; consumers dedupe on eventId.
 */
export async function markDelivered(record: OutboxKey, sink: Sink): Promise<void> {
  await db.send(
    new UpdateCommand({
      TableName: TABLE_NAME,
      Key: { pk: record.pk, sk: record.sk },
      UpdateExpression: 'ADD deliveredTo :sink',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':sink': new Set([sink]) },
    }),
  );
}
