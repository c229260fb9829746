import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { log } from '../../shared/log.ts';
import type { RequestEventDetail } from '../domain/events.ts';
import { getRequestConfig, type RequestConfig } from '../store/request-config-store.ts';
import { getRequest } from '../store/request-store.ts';
import { startFulfilment } from '../workflow.ts';

/*
 * The RequestFulfilmentStart bus rule's queue: every Request Submitted event. Placing a request
 * starts its workflow right after the request's transaction commits; if that start fails (Step
 * Functions throttled or unreachable), the request is placed all the same and this start is what
 * runs it, within seconds. Request Submitted is in the same transaction as the request (the
 * outbox), so every committed request comes by here at least once: no sweep is needed.
 *
 * The execution is named after the request's number, so a start of one already running (the usual
 * case: placing it started it) is the same execution, and one that exists with other input or has
 * ended answers ExecutionAlreadyExists: started already, nothing to do. A request no longer
 * `submitted` was moved by its workflow (or canceled before it began): it is left alone, and a
 * replayed old event never starts a second execution. A request that moves between the read and
 * the start is fine too: the workflow's first step ends quietly on a canceled request and finds
 * an advanced one done. A start that fails is retried through the queue, then dead-lettered.
 */

interface BusEvent {
  id: string;
  'detail-type': string;
  detail: Partial<Pick<RequestEventDetail, 'request'>>;
}

async function ensureStarted(message: SQSRecord, config: () => Promise<RequestConfig>): Promise<void> {
  const event = JSON.parse(message.body) as BusEvent;
  const requestId = event.detail?.request?.id;
  if (event['detail-type'] !== 'Request Submitted' || typeof requestId !== 'string') {
    log.warn('not a Request Submitted event; ignored', { eventId: event.id, detailType: event['detail-type'] });
    return;
  }
  const request = await getRequest(requestId);
  if (request === undefined) {
    log.warn('request of a Request Submitted event not found; nothing started', { eventId: event.id, requestId });
    return;
  }
  if (request.status !== 'submitted') return;
  await startFulfilment(request, await config());
}

export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  // The timing a workflow starts with (approvalTimeoutSeconds, reminders): read once per batch, and only if a start is due.
  let configRead: Promise<RequestConfig> | undefined;
  const config = () => {
    configRead ??= getRequestConfig().catch((error: unknown) => {
      configRead = undefined;
      throw error;
    });
    return configRead;
  };
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const message of event.Records) {
    try {
      await ensureStarted(message, config);
    } catch (error) {
      log.error('fulfilment workflow not started; the event is retried', { messageId: message.messageId, error: String(error) });
      batchItemFailures.push({ itemIdentifier: message.messageId });
    }
  }
  return { batchItemFailures };
};
