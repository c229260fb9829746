import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { log, withLogContext } from '../../shared/log.ts';
import { tellLinkedIncidents } from '../reactions.ts';

/**
 * The table stream's `Problem Resolved` outbox records (the consumer's filter, functions/problems/area.ts):
 * each resolved problem's open linked incidents are told, and resolved when the problem says so
 * (reactions.ts). In stream order; at the first failure the rest of the batch is reported failed
 * from that record on, and the retry redoes only what was not done (each incident is told once).
 */
export const handler = withLogContext(problemResolvedReaction);
async function problemResolvedReaction(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  for (const record of event.Records) {
    const image = record.dynamodb?.NewImage;
    if (record.eventName !== 'INSERT' || image === undefined) continue;
    const item = unmarshall(image as Record<string, AttributeValue>);
    const problemId = item.problemId as string | undefined;
    const version = (item.detail as { problem?: { version?: number } } | undefined)?.problem?.version;
    if (typeof problemId !== 'string' || typeof version !== 'number') {
      log.error('Problem Resolved record without problemId or detail.problem.version; skipped', { pk: item.pk, sk: item.sk });
      continue;
    }
    try {
      await tellLinkedIncidents(problemId, version);
    } catch (error) {
      log.error('linked incidents not all told; retried from this record', { problemId, version, error });
      return { batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? '0' }] };
    }
  }
  return { batchItemFailures: [] };
}
