import { randomUUID } from 'node:crypto';
import { ProblemError } from '../../shared/errors.ts';
import { type ApiResult, httpHandler } from '../../shared/http/handler.ts';
import { log } from '../../shared/log.ts';
import { newId } from '../../shared/store/audit.ts';
import { dedupScope } from '../domain/alert-event.ts';
import { fromPagerDuty, parsePagerDutyEvent } from '../domain/pagerduty.ts';
import { recordEvent } from '../store/alert-store.ts';
import { admitEvent } from '../store/integration-store.ts';

/** PagerDuty's answers, which the tools that speak Events v2 parse. */
const invalid = (errors: string[], message = 'Event object is invalid'): ApiResult => ({
  status: 400,
  body: { status: 'invalid event', message, errors },
});

/**
 * POST /v2/enqueue, the PagerDuty Events API v2. Two round trips: the routing key is checked and
 * counted against its rate limit in one conditional update, then the event is recorded. It is
 * answered 202 only once recorded; the table's stream applies it to incidents (apply-alert-events).
 */
export const handler = httpHandler(
  async (request) => {
    let body: unknown;
    try {
      body = JSON.parse(request.rawBody() ?? '');
    } catch (error) {
      if (error instanceof ProblemError) throw error; // over the size limit: 413 as everywhere
      return invalid(['The body is not valid JSON'], 'Could not parse the request body as JSON');
    }
    const parsed = parsePagerDutyEvent(body);
    if (!parsed.ok) return invalid(parsed.errors);
    const event = parsed.event;

    const now = new Date();
    const admission = await admitEvent(event.routing_key, now);
    if (!admission.admitted) {
      if (admission.reason === 'rate-limited') {
        return {
          status: 429,
          headers: { 'retry-after': String(admission.retryAfterSeconds) },
          body: { status: 'throttle event', message: 'Requests for this integration key are arriving too quickly. Retry later.' },
        };
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
      raw: body,
    });
    await recordEvent(alertEvent, dedupScope(alertEvent));
    return { status: 202, body: { status: 'success', message: 'Event processed', dedup_key: dedupKey } };
  },
  { authenticated: false },
);
