import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import type { QueueCountDefinition } from '../domain/queue-counts.ts';
import type { QueueHeadDefinition } from '../domain/queue-heads.ts';
import { withLogContext } from '../log.ts';
import { keepQueueCounts } from './queue-counts-handler.ts';
import { keepQueueHeads } from './queue-heads-handler.ts';

/**
 * The one table stream consumer that keeps what lists answer from besides their index: the queue
 * counts (`count=true`) and the queue heads (first pages). One consumer, not one each: every
 * consumer is one more reader of every stream shard. The two write items of their own, so they
 * run side by side; the batch is retried from the earliest record either left unwritten (both
 * are safe to repeat).
 */
export function queueViewsHandler(counted: readonly QueueCountDefinition[], headed: readonly QueueHeadDefinition[]) {
  const counts = keepQueueCounts(counted);
  const handle = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const outcomes = await Promise.all([counts(event), keepQueueHeads(headed, event)]);
    const failures = outcomes.flatMap((outcome) => outcome.batchItemFailures.map((failure) => failure.itemIdentifier));
    if (failures.length === 0) return { batchItemFailures: [] };
    return { batchItemFailures: [{ itemIdentifier: failures.reduce((a, b) => (BigInt(a) <= BigInt(b) ? a : b)) }] };
  };
  return withLogContext(handle);
}
