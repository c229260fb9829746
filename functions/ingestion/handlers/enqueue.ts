import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type ApiResult, httpHandler } from '../../shared/http/handler.ts';
import { log } from '../../shared/log.ts';
import { newId } from '../../shared/store/audit.ts';
import { dedupScope } from '../domain/alert-event.ts';
import { type ScannedJson, scanJson } from '../domain/json-text.ts';
import { fromPagerDuty, parsePagerDutyEvent } from '../domain/pagerduty.ts';
import { recordEvent } from '../store/alert-store.ts';
import { admitEvent, releaseAdmission } from '../store/integration-store.ts';

/** PagerDuty accepts event bodies up to 512 KB; so do we (API Gateway and Lambda allow more). */
export const MAX_ENQUEUE_BYTES = 512 * 1024;

/** PagerDuty's answers, `{status, message, errors}`, which the tools that speak Events v2 parse. */
const answer = (status: number, pagerDutyStatus: string, message: string, errors: string[], headers?: Record<string, string>): ApiResult => ({
  status,
  body: { status: pagerDutyStatus, message, errors },
  ...(headers === undefined ? {} : { headers }),
});
const invalid = (errors: string[], message = 'Event object is invalid'): ApiResult => answer(400, 'invalid event', message, errors);

/** The body as text, decoded as API Gateway hands it over, or how large it was. */
function bodyText(event: APIGatewayProxyEventV2): { text: string } | { tooLarge: number } {
  const body = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
  if (bytes.length > MAX_ENQUEUE_BYTES) return { tooLarge: bytes.length };
  return { text: bytes.toString('utf8') };
}

/**
 * POST /v2/enqueue, the PagerDuty Events API v2. Two round trips: the routing key is checked and
 * counted against its rate limit in one conditional update, then the event is recorded. It is
 * answered 202 only once recorded; the table's stream applies it to incidents (apply-alert-events).
 * Every answer, errors included, is in PagerDuty's shape: tools parse it.
 */
export const handler = httpHandler(
  async (request) => {
    try {
      return await enqueue(request.event);
    } catch (error) {
      log.error('event not recorded', { error });
      // As every 5xx names its request (shared/http/error-response.ts), in PagerDuty's shape: the
      // message quotes API Gateway's request id, the one every log line of this request carries.
      return answer(500, 'error', `The event could not be recorded. Retry; if it keeps failing, quote request id ${request.requestId}.`, ['Internal error']);
    }
  },
  { authenticated: false },
);

async function enqueue(httpEvent: APIGatewayProxyEventV2): Promise<ApiResult> {
  const read = bodyText(httpEvent);
  if ('tooLarge' in read) {
    return answer(413, 'invalid event', 'Request body too large', [
      `The body is ${read.tooLarge} bytes; events are limited to ${MAX_ENQUEUE_BYTES} bytes (512 KB)`,
    ]);
  }
  let body: unknown;
  let scanned: ScannedJson;
  try {
    body = JSON.parse(read.text);
    // The same text read again, keeping what JSON.parse loses (numbers beyond a double, duplicate keys).
    scanned = scanJson(read.text);
  } catch {
    return invalid(['The body is not valid JSON'], 'Could not parse the request body as JSON');
  }
  const parsed = parsePagerDutyEvent(body);
  if (!parsed.ok) return invalid(parsed.errors);
  const event = parsed.event;

  const now = new Date();
  const admission = await admitEvent(event.routing_key, now);
  if (!admission.admitted) {
    if (admission.reason === 'rate-limited') {
      return answer(429, 'throttle event', 'Requests for this integration key are arriving too quickly. Retry later.', ['Rate limit exceeded'], {
        'retry-after': String(admission.retryAfterSeconds),
      });
    }
    // Unknown and revoked keys get the same answer: a key's past existence is not disclosed.
    log.info('event refused', { reason: admission.reason, keyHint: event.routing_key.slice(-4) });
    return invalid(['Invalid routing key'], 'Event object is invalid');
  }

  const integration = admission.integration;
  // Without a dedup key, a trigger opens its own incident; the generated key is returned so the
  // sender can acknowledge and resolve it later.
  const dedupKey = event.dedup_key ?? randomUUID().replaceAll('-', '');
  const alertEvent = fromPagerDuty(event, {
    eventId: newId(),
    dedupKey,
    service: integration.service,
    sender: `integration:${integration.id}`,
    receivedAt: now.toISOString(),
    body: scanned,
  });
  try {
    await recordEvent(alertEvent, dedupScope(alertEvent));
  } catch (error) {
    await releaseAdmission(event.routing_key, admission.window).catch((releaseError: unknown) =>
      log.warn('rate-limit slot not given back', { error: releaseError }),
    );
    throw error;
  }
  return { status: 202, body: { status: 'success', message: 'Event processed', dedup_key: dedupKey } };
}
