import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { log, withLogContext } from '../../shared/log.ts';
import { dedupScope } from '../domain/alert-event.ts';
import { busEnvelope, classifyBusEvent } from '../domain/bus-events.ts';
import { type ScannedJson, scanJson } from '../domain/json-text.ts';
import { recordEvent } from '../store/alert-store.ts';

/**
 * Records events the ingestion bus's rules routed to the queue. A message is deleted from the queue
 * only once its event is recorded (or known unusable); a failure leaves it for redelivery, and
 * after repeated failures in the dead-letter queue, which raises an alarm. Recording is
 * idempotent on the EventBridge event id, so redeliveries within the retention never double-count.
 */
export const handler = withLogContext(recordBusEvents);
async function recordBusEvents(event: SQSEvent): Promise<SQSBatchResponse> {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  const receivedAt = new Date().toISOString();
  await Promise.all(
    event.Records.map(async (message) => {
      try {
        let text: ScannedJson;
        try {
          text = scanJson(message.body);
        } catch {
          log.warn('bus event rejected: not JSON', { messageId: message.messageId });
          return;
        }
        const envelope = busEnvelope.safeParse(JSON.parse(message.body));
        if (!envelope.success) {
          log.warn('bus event rejected: not an EventBridge event', { messageId: message.messageId });
          return;
        }
        const classified = classifyBusEvent(envelope.data, receivedAt, text);
        if (!classified.ok) {
          // Retrying cannot fix the event: say why, keep the id, and let the message go.
          log.warn('bus event rejected', {
            eventId: envelope.data.id,
            detailType: envelope.data['detail-type'],
            source: envelope.data.source,
            reason: classified.reason,
          });
          return;
        }
        const outcome = await recordEvent(classified.event, dedupScope(classified.event));
        log.info('bus event recorded', { eventId: classified.event.eventId, action: classified.event.action, outcome });
      } catch (error) {
        log.error('bus event not recorded; the queue will redeliver it', { messageId: message.messageId, error });
        batchItemFailures.push({ itemIdentifier: message.messageId });
      }
    }),
  );
  return { batchItemFailures };
}
