import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { log, withLogContext } from '../../shared/log.ts';
import { unmarshall } from '../../shared/store/attribute-values.ts';
import type { AttributeValue } from '../../shared/store/dynamodb.ts';
import type { ProblemEventDetail } from '../domain/events.ts';
import { CHANGE_END_EVENT_TYPES, CHANGE_FINAL_STATUSES, type ChangeEndEventType } from '../domain/links.ts';
import { type AnnouncedResolution, applyFixChangeOutcome, tellLinkedIncidents } from '../reactions.ts';

/*
 * Problem management's reactions, from the table stream (one consumer for both, so the stream has
 * one reader fewer: the consumer's filter, functions/problems/area.ts, passes outbox records of the
 * types below):
 * - `Problem Resolved`: the problem's open linked incidents are told, and resolved when it says so;
 * - a change request's end (Change Implemented / Closed / Canceled / Rejected / Expired, with its
 *   status after the write final): the problems its fix names are resolved or their assignee told.
 * In stream order; at the first failure the batch is reported failed from that record on, and the
 * retry skips what was done (reactions.ts: each step recognises its own earlier run).
 */

type Reaction = ({ kind: 'problem-resolved' } & AnnouncedResolution) | { kind: 'change-ended'; changeId: string; type: ChangeEndEventType };

/** What a stream record asks for, or undefined when it is none of ours (the filter lets through a change end that is not final). */
function reactionOf(item: Record<string, unknown>): Reaction | undefined {
  const detail = item.detail as Partial<Pick<ProblemEventDetail, 'resolution' | 'resolveLinkedIncidents'>> &
    ({ type?: string; problem?: { version?: unknown }; change?: { status?: string } } | undefined);
  if (detail?.type === 'Problem Resolved') {
    const { problemId } = item;
    const version = detail.problem?.version;
    if (typeof problemId === 'string' && typeof version === 'number') {
      // The resolution as the record announces it: the reaction acts on it, not on the problem as it is by then.
      return {
        kind: 'problem-resolved',
        problemId,
        version,
        ...(detail.resolution === undefined ? {} : { resolution: { code: detail.resolution.code, at: detail.resolution.at } }),
        ...(typeof detail.resolveLinkedIncidents === 'boolean' ? { resolveLinkedIncidents: detail.resolveLinkedIncidents } : {}),
      };
    }
    log.error('Problem Resolved record without problemId or detail.problem.version; skipped', { pk: item.pk, sk: item.sk });
    return undefined;
  }
  const { changeId } = item;
  const type = detail?.type as ChangeEndEventType | undefined;
  const status = detail?.change?.status;
  if (typeof changeId !== 'string' || type === undefined || !CHANGE_END_EVENT_TYPES.includes(type)) return undefined;
  if (status === undefined || !(CHANGE_FINAL_STATUSES as readonly string[]).includes(status)) return undefined;
  return { kind: 'change-ended', changeId, type };
}

export const handler = withLogContext(problemReactions);
async function problemReactions(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  for (const record of event.Records) {
    const image = record.dynamodb?.NewImage;
    if (record.eventName !== 'INSERT' || image === undefined) continue;
    const reaction = reactionOf(unmarshall(image as Record<string, AttributeValue>));
    if (reaction === undefined) continue;
    try {
      if (reaction.kind === 'problem-resolved') await tellLinkedIncidents(reaction);
      else await applyFixChangeOutcome(reaction.changeId, reaction.type);
    } catch (error) {
      log.error('problem reaction failed; retried from this record', { ...reaction, error });
      return { batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? '0' }] };
    }
  }
  return { batchItemFailures: [] };
}
