import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { log, withLogContext } from '../../shared/log.ts';
import { unmarshall } from '../../shared/store/attribute-values.ts';
import type { AttributeValue } from '../../shared/store/dynamodb.ts';
import { applyInOrderPerKey } from '../../shared/stream/ordered-batch.ts';
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

  return applyInOrderPerKey(
    [...work.values()].map(({ key, entries }) => ({ entries: entries.map((entry) => ({ ...entry, key })) })),
    {
      concurrency: CONCURRENT_KEYS,
      sequenceNumberOf: ({ record }) => record.dynamodb?.SequenceNumber ?? '0',
      apply: async ({ key, incident }) => {
        const outcome = await countOnKey(key, { id: incident.id, number: incident.number, createdAt: incident.createdAt }, ruleFor(config, incident.service));
        if (outcome === 'candidate') log.info('problem candidate recorded', { incident: incident.number, key: key.kind, service: key.service });
      },
      onFailure: ({ key, incident }, error) => log.error('incident not counted; it will be retried', { incident: incident.number, key: key.kind, error }),
    },
  );
}
