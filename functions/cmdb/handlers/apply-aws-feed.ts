import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { log, withLogContext } from '../../shared/log.ts';
import { type FeedEnvelope, feedEnvelopeShape } from '../domain/aws-feed.ts';
import { applyFeedEvent, feedOrderOf } from '../feed/apply-feed-event.ts';
import { loadCmdbConfig } from '../store/ci-class-store.ts';

/**
 * Applies the AWS Config and CloudFormation events the ingestion bus routes to the CMDB's queue
 * (feed/apply-feed-event.ts: recorded, deduplicated by event id, applied in capture order per
 * resource). A message is deleted once its event is settled (or known unusable); one that fails is
 * reported alone and delivered again, and after repeated failures lands in the dead-letter queue.
 *
 * The queue delivers in no order: a batch's events of one resource are applied one after the
 * other, oldest capture first, and those of different resources side by side. Across batches the
 * CI's capture-time condition keeps the order (an older item is recorded as stale).
 */
export const handler = withLogContext(applyAwsFeed);

function envelopeOf(message: SQSRecord): FeedEnvelope | undefined {
  let json: unknown;
  try {
    json = JSON.parse(message.body);
  } catch {
    log.warn('AWS feed message rejected: not JSON', { messageId: message.messageId });
    return undefined;
  }
  const envelope = feedEnvelopeShape.safeParse(json);
  if (!envelope.success) log.warn('AWS feed message rejected: not an EventBridge event', { messageId: message.messageId });
  return envelope.success ? envelope.data : undefined;
}

async function applyAwsFeed(event: SQSEvent): Promise<SQSBatchResponse> {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  const receivedAt = new Date().toISOString();
  // The tag mapping once per batch: a change of /cmdb-config applies from the next batch.
  const tagMapping = await loadCmdbConfig();
  const perResource = new Map<string, { message: SQSRecord; envelope: FeedEnvelope; at: string }[]>();
  for (const message of event.Records) {
    const envelope = envelopeOf(message);
    if (envelope === undefined) continue;
    const { key, at } = feedOrderOf(envelope, tagMapping);
    perResource.set(key, [...(perResource.get(key) ?? []), { message, envelope, at }]);
  }
  await Promise.all(
    [...perResource.values()].map(async (events) => {
      events.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
      for (const { message, envelope } of events) {
        try {
          const result = await applyFeedEvent(envelope, { tagMapping, receivedAt });
          log.info('AWS feed event settled', { ...result, detailType: envelope['detail-type'] });
        } catch (error) {
          log.error('AWS feed event not applied; the queue will deliver it again', { messageId: message.messageId, eventId: envelope.id, error });
          batchItemFailures.push({ itemIdentifier: message.messageId });
        }
      }
    }),
  );
  return { batchItemFailures };
}
