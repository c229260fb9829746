import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { type CountedRecord, foldChanges, type QueueCountDefinition, type RecordChange } from '../domain/queue-counts.ts';
import { log, withLogContext } from '../log.ts';
import { unmarshall } from '../store/attribute-values.ts';
import type { AttributeValue } from '../store/dynamodb.ts';
import { applyCountSteps, type RecordCountStep } from '../store/queue-counts.ts';

const imageOf = (image: Record<string, unknown> | undefined): CountedRecord | undefined =>
  image === undefined ? undefined : unmarshall(image as Record<string, AttributeValue>);

/** One counted record's changes within a batch, in stream order, and where they start in it. */
interface RecordChanges {
  readonly definition: QueueCountDefinition;
  readonly changes: RecordChange[];
  readonly firstSequenceNumber: string;
}

/**
 * The table stream consumer that keeps the queue counts (functions/shared/domain/queue-counts.ts)
 * of the kinds it is given, picked by their entity: one consumer for every counted kind
 * (keepQueues, functions/platform/area.ts), its stream filter on their sort keys.
 *
 * A record's changes within the batch are folded into one write of its counters and marker (in
 * stream order), the batch's records written together in few transactions. Delivery is at least
 * once: a change the marker shows counted already moves nothing, so a redelivered or replayed
 * batch never counts twice. What could not be written is reported from the earliest change of a
 * record left unwritten, so the stream retries from there (the records after it come again, and
 * are found counted).
 */
export function keepQueueCounts(definitions: readonly QueueCountDefinition[]): (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse> {
  const byEntity = new Map(definitions.map((definition) => [definition.entity, definition]));
  return async (event) => {
    const records = new Map<string, RecordChanges>();
    for (const record of event.Records) {
      const change = changeOf(record);
      const recordPk = record.dynamodb?.Keys?.pk?.S;
      const definition = byEntity.get(String((change?.newImage ?? change?.oldImage)?.entity));
      if (change === undefined || recordPk === undefined || definition === undefined) continue;
      const changes = records.get(recordPk) ?? { definition, changes: [], firstSequenceNumber: record.dynamodb?.SequenceNumber ?? '0' };
      changes.changes.push(change);
      records.set(recordPk, changes);
    }
    const steps = [...records].flatMap(([recordPk, { definition, changes }]): RecordCountStep[] => {
      const step = foldChanges(definition, changes);
      return step === undefined ? [] : [{ recordPk, step }];
    });
    if (steps.length === 0) return { batchItemFailures: [] };
    const outcome = await applyCountSteps(steps);
    if (outcome.unfinished.length === 0) return { batchItemFailures: [] };
    const firstUnfinished = outcome.unfinished
      .map((recordPk) => records.get(recordPk)?.firstSequenceNumber ?? '0')
      .reduce((a, b) => (BigInt(a) <= BigInt(b) ? a : b));
    log.error('queue counts not written; the stream retries them', { records: outcome.unfinished.length, error: outcome.error });
    return { batchItemFailures: [{ itemIdentifier: firstUnfinished }] };
  };
}

function changeOf(record: DynamoDBRecord): RecordChange | undefined {
  const event = record.eventName;
  if (event === undefined) return undefined;
  const oldImage = imageOf(record.dynamodb?.OldImage);
  const newImage = imageOf(record.dynamodb?.NewImage);
  return { event, ...(oldImage === undefined ? {} : { oldImage }), ...(newImage === undefined ? {} : { newImage }) };
}

/** The counting consumer alone (the platform's keepQueues also keeps the queue heads: queue-views-handler.ts). */
export const queueCountsHandler = (definitions: readonly QueueCountDefinition[]) => withLogContext(keepQueueCounts(definitions));
