import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { log } from '../../shared/log.ts';
import { type AnyOutboxRecord, isChangeOutboxRecord } from '../domain/change-events.ts';
import { publishEvent } from '../sinks/event-bus.ts';
import { publishNotification } from '../sinks/topics.ts';
import { moveTimers } from '../sinks/timers.ts';
import { deliveredSinks, markDelivered, type OutboxKey, outboxKeyId, type Sink } from '../store/outbox-store.ts';

/** An outbox item as the stream carries it: an incident's or a change request's record, with its key. */
type StoredRecord = AnyOutboxRecord & OutboxKey;

const DELIVER: Readonly<Record<Sink, (record: StoredRecord) => Promise<void>>> = {
  events: publishEvent,
  notifications: publishNotification,
  // Only incidents have SLA timers; a change request's record has nothing to move.
  timers: async (record) => {
    if (!isChangeOutboxRecord(record) && record.timers !== undefined) await moveTimers(record.incidentId, record.timers);
  },
};
const ORDER: readonly Sink[] = ['timers', 'events', 'notifications'];

/**
 * Publishes committed outbox records, strictly in stream order: one after the other, and at the
 * first failure the rest of the batch waits for the retry (reported from that record on), so
 * nothing committed is skipped and one incident's timers never move backwards. A record whose
 * later sink failed has its earlier sinks marked (on the stored item's own key, whichever record it
 * is), so the retry does not publish to them twice.
 */
export async function handler(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  const batch = event.Records.filter((r) => r.eventName === 'INSERT' && r.dynamodb?.NewImage !== undefined).map((r) => ({
    sequenceNumber: r.dynamodb?.SequenceNumber ?? '0',
    record: unmarshall(r.dynamodb?.NewImage as Record<string, AttributeValue>) as StoredRecord,
  }));
  if (batch.length === 0) return { batchItemFailures: [] };
  const delivered = await deliveredSinks(batch.map((b) => b.record));

  for (const { sequenceNumber, record } of batch) {
    const done = delivered.get(outboxKeyId(record)) ?? new Set<Sink>();
    const doneNow: Sink[] = [];
    try {
      for (const sink of ORDER) {
        if (done.has(sink)) continue;
        await DELIVER[sink](record);
        doneNow.push(sink);
      }
    } catch (error) {
      log.error('outbox record not published; it will be retried', { eventId: record.eventId, type: record.detail.type, error });
      await Promise.all(doneNow.map((sink) => markDelivered(record, sink))).catch((markError: unknown) =>
        log.warn('could not mark delivered sinks; the retry may publish them again (consumers dedupe on eventId)', {
          eventId: record.eventId,
          error: markError,
        }),
      );
      return { batchItemFailures: [{ itemIdentifier: sequenceNumber }] };
    }
    log.info(
      'published',
      isChangeOutboxRecord(record)
        ? { eventId: record.eventId, type: record.detail.type, change: record.detail.change.number }
        : { eventId: record.eventId, type: record.detail.type, incident: record.detail.incident.number },
    );
  }
  return { batchItemFailures: [] };
}
