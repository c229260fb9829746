import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { log, withLogContext } from '../../shared/log.ts';
import { keyId, type RecurrenceKey, type RecurringIncident, recurrenceKeys, ruleFor } from '../domain/recurrence.ts';
import { countOnKey } from '../store/candidate-store.ts';
import { loadProblemConfig } from '../store/problem-config-store.ts';

/** Keys counted side by side within one batch; each key's incidents are counted one after the other. */
const CONCURRENT_KEYS = 8;

/**
 * Counts each new incident (table stream, INSERT of an incident item) under its recurrence keys
 * (service + category, alert dedup key) and records a problem candidate when a key reaches its
 * threshold within its window (domain/recurrence.ts, store/candidate-store.ts). The configuration
 * is read once per batch. A key's incidents are counted in stream order, different keys side by
 * side; on a failure the lowest failed sequence number is reported and the stream retries from
 * there: what was counted already is recognised by its marker and not counted twice.
 */
export const handler = withLogContext(detectRecurringIncidents);
async function detectRecurringIncidents(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  const work = new Map<string, { key: RecurrenceKey; entries: { record: DynamoDBRecord; incident: RecurringIncident }[] }>();
  for (const record of event.Records) {
    if (record.eventName !== 'INSERT' || record.dynamodb?.NewImage === undefined) continue;
    const incident = unmarshall(record.dynamodb.NewImage as Record<string, AttributeValue>) as RecurringIncident;
    for (const key of recurrenceKeys(incident)) {
      const queue = work.get(keyId(key)) ?? { key, entries: [] };
      queue.entries.push({ record, incident });
      work.set(keyId(key), queue);
    }
  }
  if (work.size === 0) return { batchItemFailures: [] };
  const config = await loadProblemConfig();

  const failed: string[] = [];
  const queues = [...work.values()];
  const worker = async () => {
    for (let queue = queues.shift(); queue !== undefined; queue = queues.shift()) {
      const { key } = queue;
      for (const { record, incident } of queue.entries) {
        try {
          const outcome = await countOnKey(key, { id: incident.id, number: incident.number, createdAt: incident.createdAt }, ruleFor(config, incident.service));
          if (outcome === 'candidate') log.info('problem candidate recorded', { incident: incident.number, key: key.kind, service: key.service });
        } catch (error) {
          log.error('incident not counted; it will be retried', { incident: incident.number, key: key.kind, error });
          failed.push(record.dynamodb?.SequenceNumber ?? '0');
          break; // the rest of this key waits for the retry, in order
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENT_KEYS, queues.length) }, worker));
  if (failed.length === 0) return { batchItemFailures: [] };
  const lowest = failed.reduce((a, b) => (BigInt(a) <= BigInt(b) ? a : b));
  return { batchItemFailures: [{ itemIdentifier: lowest }] };
}
