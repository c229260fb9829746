import * as z from 'zod';
import { type AlertEvent, detailsFrom, SEVERITIES } from './alert-event.ts';
import { memberOf, type ScannedJson, textWithout } from './json-text.ts';

/**
 * PagerDuty Events API v2 (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/), as
 * Prometheus Alertmanager, Grafana, Datadog and others send it. Unknown members are ignored, as
 * PagerDuty ignores them: tools add their own fields and must work unchanged.
 */
export const ROUTING_KEY_LENGTH = 32;
const MAX_DEDUP_KEY = 255;

const link = z.object({ href: z.string().min(1).max(2048), text: z.string().max(1024).optional() });
const image = z.object({ src: z.string().min(1).max(2048), href: z.string().max(2048).optional(), alt: z.string().max(1024).optional() });

const payload = z.object({
  summary: z.string().trim().min(1).max(1024),
  source: z.string().trim().min(1).max(255),
  severity: z.enum(SEVERITIES),
  // ISO 8601 as tools write it, `+0000` offsets included (PagerDuty's own examples use them).
  timestamp: z
    .string()
    .max(64)
    .refine((value) => !Number.isNaN(Date.parse(value)), 'must be an ISO 8601 date and time')
    .optional(),
  component: z.string().max(255).optional(),
  group: z.string().max(255).optional(),
  class: z.string().max(255).optional(),
  custom_details: z.record(z.string(), z.unknown()).optional(),
});

const common = {
  routing_key: z.string().length(ROUTING_KEY_LENGTH, `routing_key must be ${ROUTING_KEY_LENGTH} characters`),
  links: z.array(link).max(50).optional(),
  images: z.array(image).max(50).optional(),
  client: z.string().max(255).optional(),
  client_url: z.string().max(2048).optional(),
};

export const pagerDutyEvent = z.discriminatedUnion('event_action', [
  z.object({
    ...common,
    event_action: z.literal('trigger'),
    dedup_key: z.string().min(1).max(MAX_DEDUP_KEY).optional(),
    payload,
  }),
  z.object({
    ...common,
    event_action: z.enum(['acknowledge', 'resolve']),
    dedup_key: z.string().min(1).max(MAX_DEDUP_KEY),
    // PagerDuty ignores the payload of acknowledge and resolve; a summary, if sent, is kept.
    payload: z.looseObject({ summary: z.string().max(1024).optional() }).optional(),
  }),
]);
export type PagerDutyEvent = z.output<typeof pagerDutyEvent>;

export type ParseResult = { ok: true; event: PagerDutyEvent } | { ok: false; errors: string[] };

/** PagerDuty answers invalid events with a list of plain messages; so do we, naming each field. */
export function parsePagerDutyEvent(body: unknown): ParseResult {
  const result = pagerDutyEvent.safeParse(body);
  if (result.success) return { ok: true, event: result.data };
  const errors = result.error.issues.map((issue) => {
    const path = issue.path.join('.');
    if (issue.code === 'invalid_union' && path === '') return "event_action must be 'trigger', 'acknowledge' or 'resolve'";
    if (issue.code === 'invalid_type' && issue.input === undefined) return `'${path}' is missing`;
    return path === '' ? issue.message : `'${path}': ${issue.message}`;
  });
  return { ok: false, errors };
}

export function fromPagerDuty(
  event: PagerDutyEvent,
  context: { eventId: string; dedupKey: string; service: string; sender: string; receivedAt: string; body: ScannedJson },
): AlertEvent {
  const { body } = context;
  const base: AlertEvent = {
    eventId: context.eventId,
    source: 'pagerduty',
    action: event.event_action,
    dedupKey: context.dedupKey,
    service: context.service,
    sender: context.sender,
    receivedAt: context.receivedAt,
    // The routing key is a credential: it is not kept with the stored event.
    rawJson: textWithout(body, body.root, ['routing_key']),
    ...(event.links === undefined ? {} : { links: event.links }),
    ...(event.images === undefined ? {} : { images: event.images }),
    ...(event.client === undefined ? {} : { client: event.client }),
    ...(event.client_url === undefined ? {} : { clientUrl: event.client_url }),
  };
  if (event.event_action !== 'trigger') {
    const summary = event.payload?.summary;
    return summary === undefined ? base : { ...base, summary };
  }
  const p = event.payload;
  return {
    ...base,
    summary: p.summary,
    severity: p.severity,
    origin: p.source,
    ...(p.timestamp === undefined ? {} : { occurredAt: new Date(p.timestamp).toISOString() }),
    ...(p.component === undefined ? {} : { component: p.component }),
    ...(p.group === undefined ? {} : { group: p.group }),
    ...(p.class === undefined ? {} : { class: p.class }),
    ...detailsFrom(body, memberOf(memberOf(body.root, 'payload'), 'custom_details')),
  };
}
