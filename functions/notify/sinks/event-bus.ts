import { putEvents } from '../../shared/aws/eventbridge.ts';
import type { OutboxRecord } from '../../shared/domain/outbox.ts';
import { requireEnv } from '../../shared/env.ts';
import { EVENT_SOURCE } from '../../shared/events.ts';

const EVENT_BUS_NAME = requireEnv('EVENT_BUS_NAME');

/** One domain event per record; `detail.eventId` is stable across redeliveries (EventBridge's own id is not). */
export async function publishEvent(record: OutboxRecord): Promise<void> {
  const result = await putEvents({
    Entries: [
      {
        EventBusName: EVENT_BUS_NAME,
        Source: EVENT_SOURCE,
        DetailType: record.detail.type,
        Detail: JSON.stringify(record.detail),
        Time: new Date(record.detail.occurredAt),
      },
    ],
  });
  const failure = result.Entries?.[0];
  if ((result.FailedEntryCount ?? 0) > 0) {
    throw new Error(`PutEvents refused the event: ${failure?.ErrorCode ?? 'unknown'} ${failure?.ErrorMessage ?? ''}`);
  }
}
