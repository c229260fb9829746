import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { log, withLogContext } from '../../shared/log.ts';
import { CHANGE_END_EVENT_TYPES, type ChangeEndEventType } from '../domain/links.ts';
import { applyFixChangeOutcome } from '../reactions.ts';

/**
 * The table stream's change request outbox records that end a change (Change Closed, Canceled,
 * Rejected, Expired: the consumer's filter, functions/problems/area.ts): the problems whose fix is
 * that change are resolved (a successful close) or their assignee is told the fix failed
 * (reactions.ts). In stream order; at the first failure the batch is reported failed from that
 * record on, and the retry skips what was done.
 */
export const handler = withLogContext(fixChangeReaction);
async function fixChangeReaction(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  for (const record of event.Records) {
    const image = record.dynamodb?.NewImage;
    if (record.eventName !== 'INSERT' || image === undefined) continue;
    const item = unmarshall(image as Record<string, AttributeValue>);
    const changeId = item.changeId as string | undefined;
    const type = (item.detail as { type?: string } | undefined)?.type;
    if (typeof changeId !== 'string' || !CHANGE_END_EVENT_TYPES.includes(type as ChangeEndEventType)) continue;
    try {
      await applyFixChangeOutcome(changeId, type as ChangeEndEventType);
    } catch (error) {
      log.error('problems fixed by the change not all updated; retried from this record', { changeId, type, error });
      return { batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? '0' }] };
    }
  }
  return { batchItemFailures: [] };
}
