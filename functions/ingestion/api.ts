/**
 * The ingestion area's API description: its tag, one operation per route of ./area.ts (what the
 * handlers read and answer, read off functions/ingestion/handlers), the components they name and
 * the JSON Schema of the bus events it takes in. Loaded by the OpenAPI build only
 * (scripts/openapi/), never by a handler.
 */
import * as z from 'zod';
import { defineApi, PAGE_NOTE } from '../shared/api/operation.ts';
import { isoTimestamp, listEnvelope } from '../shared/schemas/common.ts';
import { ALERT_ACTIONS, type AlertSource, SEVERITIES } from './domain/alert-event.ts';
import { incidentEventDetail } from './domain/bus-events.ts';
import { pagerDutyEvent } from './domain/pagerduty.ts';
import { PRODUCT_DETAIL_TYPES } from './rules.ts';
import { createdIntegrationSchema, createIntegrationBody, DEFAULT_RATE_LIMIT_PER_MINUTE, integrationSchema, pageQuery } from './schemas/ingestion.ts';
// Types only: the store module connects to the table when loaded.
import type { EventOutcome } from './store/alert-store.ts';

/**
 * The PagerDuty Events API v2 body, as functions/ingestion/domain/pagerduty.ts validates it. It is
 * a plain (stripping) zod object, which converts as zod input without `additionalProperties`:
 * unknown members are ignored, as PagerDuty ignores them, and the schema says so by staying open.
 */
const pagerDutyEventRequest = pagerDutyEvent.meta({
  description:
    'A PagerDuty Events API v2 event (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/). `event_action` selects the shape: `trigger` needs `payload` (`summary`, `source`, `severity`); `acknowledge` and `resolve` need `dedup_key`; of their payload only `summary` is kept. Members not listed here are ignored, not refused.',
});

/** PagerDuty's own answers (not problem+json): the tools that speak Events v2 parse them. */
const pagerDutyAccepted = z
  .object({
    status: z.literal('success'),
    message: z.string().describe('`Event processed`'),
    dedup_key: z
      .string()
      .describe('The dedup key of the event: the one sent, or for a trigger without one, a generated key to acknowledge and resolve it with'),
  })
  .describe('The event is recorded; it is applied to incidents right after');

const pagerDutyInvalid = z
  .object({
    status: z.literal('invalid event'),
    message: z.string().describe('e.g. `Event object is invalid`'),
    errors: z.array(z.string()).describe("One message per problem, naming the field, e.g. `'payload.severity' is missing`"),
  })
  .describe("PagerDuty's answer to an event it refuses: nothing was recorded");

const pagerDutyThrottled = z
  .object({ status: z.literal('throttle event'), message: z.string(), errors: z.array(z.string()) })
  .describe("PagerDuty's answer when the integration key sent more events this minute than its `rateLimitPerMinute`: nothing was recorded");

const pagerDutyError = z
  .object({ status: z.literal('error'), message: z.string(), errors: z.array(z.string()) })
  .describe(
    "An unexpected failure while recording the event, in PagerDuty's shape: nothing was recorded and no rate-limit slot was spent; retry. `message` quotes the request id",
  );

/** AlertSource is a type only; a record of it fails to compile when a source is added or removed. */
const ALERT_SOURCE_SET: Record<AlertSource, true> = { pagerduty: true, eventbridge: true, cloudwatch: true };
const ALERT_SOURCES = Object.keys(ALERT_SOURCE_SET) as [AlertSource, ...AlertSource[]];
/** EVENT_OUTCOMES of functions/ingestion/store/alert-store.ts, in its order (a unit test checks it). */
const EVENT_OUTCOME_SET: Record<EventOutcome, true> = { opened: true, occurrence: true, acknowledged: true, resolved: true, recorded: true, dropped: true };
export const EVENT_OUTCOMES = Object.keys(EVENT_OUTCOME_SET) as [EventOutcome, ...EventOutcome[]];

/**
 * One stored event as GET /incidents/{id}/events answers it: functions/ingestion/store/alert-store.ts
 * `StoredEvent` (an AlertEvent of functions/ingestion/domain/alert-event.ts with what applying it did),
 * in `EVENT_ORDER`. Only events applied to an incident are listed, so `appliedAt`, `outcome` and
 * `incidentId` are always there.
 */
const incidentEvent = z
  .object({
    eventId: z.string().describe('Unique per event: the EventBridge event id for bus events, a ULID for HTTP events'),
    source: z
      .enum(ALERT_SOURCES)
      .describe('How it came in: `pagerduty` (POST /v2/enqueue), `eventbridge` (Incident Trigger/Acknowledge/Resolve), `cloudwatch` (alarm state change)'),
    action: z.enum(ALERT_ACTIONS).describe('`record`: a CloudWatch INSUFFICIENT_DATA state, noted and acting on nothing'),
    dedupKey: z.string(),
    service: z.string().optional().describe('The service the event named (through its integration key for HTTP events)'),
    sender: z.string().describe('`integration:<id>` for HTTP events, `eventbridge:<source>` for bus events'),
    receivedAt: isoTimestamp,
    appliedAt: isoTimestamp.describe('When it was applied to the incident'),
    outcome: z
      .enum(EVENT_OUTCOMES)
      .describe(
        'What it did: `opened` the incident, added an `occurrence`, `acknowledged` or `resolved` it, or was only `recorded` on it. (`dropped` events touched no incident and are not listed.)',
      ),
    incidentId: z.string(),
    summary: z.string().optional(),
    severity: z.enum(SEVERITIES).optional(),
    origin: z.string().optional().describe('Where the problem is: the PagerDuty `payload.source`, the EventBridge source, or the alarm ARN'),
    component: z.string().optional(),
    group: z.string().optional(),
    class: z.string().optional(),
    configurationItem: z.string().optional(),
    details: z
      .record(z.string(), z.unknown())
      .optional()
      .describe("The sender's free-form facts (`custom_details`, an EventBridge `details`), when a DynamoDB map holds them unchanged; otherwise `detailsJson`"),
    detailsJson: z
      .string()
      .optional()
      .describe(
        'The same facts as the JSON text sent, when a map could not hold them unchanged: numbers beyond a double or DynamoDB (integers above 2^53, 1e400, 1e-400), an empty or duplicate key, nesting deeper than 31 levels',
      ),
    links: z.array(z.object({ href: z.string(), text: z.string().optional() })).optional(),
    images: z.array(z.object({ src: z.string(), href: z.string().optional(), alt: z.string().optional() })).optional(),
    client: z.string().optional(),
    clientUrl: z.string().optional(),
    occurredAt: z.string().optional().describe('When the sender says it happened, as it wrote it (PagerDuty timestamps are converted to UTC)'),
    omitted: z
      .array(z.enum(['details', 'detailsJson', 'images', 'links']))
      .optional()
      .describe('Fields left out of this record because the event was too large for one item; they are in `raw` / `rawJson`'),
    raw: z
      .unknown()
      .optional()
      .describe(
        'The event as it arrived (for PagerDuty events, without `routing_key`), parsed: present when JSON.parse reads it without loss (no number beyond a double, no duplicate key, nesting at most 100 deep); otherwise `rawJson`. Kept for the retention period',
      ),
    rawJson: z
      .string()
      .optional()
      .describe('The event as the JSON text it arrived as (for PagerDuty events, without `routing_key`), when `raw` could not carry it without loss'),
    scope: z.string().describe('The dedup scope: the service, or `-` for events without one'),
  })
  .describe('An event that touched the incident, as recorded');

const detailTypes = PRODUCT_DETAIL_TYPES.map((type) => `\`${type}\``).join(', ');

export default defineApi({
  tags: {
    Events: 'Incidents opened, acknowledged and resolved by monitoring tools: the PagerDuty Events API v2 intake and the integration keys it takes',
  },
  requestSchemas: {
    CreateIntegration: createIntegrationBody,
    PagerDutyEvent: pagerDutyEventRequest,
  },
  responseSchemas: {
    IncidentEvent: incidentEvent,
    IncidentEventPage: listEnvelope(incidentEvent),
    Integration: integrationSchema,
    IntegrationPage: listEnvelope(integrationSchema),
    CreatedIntegration: createdIntegrationSchema,
    PagerDutyAccepted: pagerDutyAccepted,
    PagerDutyInvalid: pagerDutyInvalid,
    PagerDutyThrottled: pagerDutyThrottled,
    PagerDutyError: pagerDutyError,
  },
  pathParameters: {
    id: {
      schema: z.string().min(1),
      description: 'The id (a ULID) or the number (INC0001001) of the incident; anything else is 404',
    },
    key: {
      schema: z.string().min(1),
      description: 'The integration id (`id` in the list and in the creation answer), not the routing key itself, which is never stored',
    },
  },
  eventSchemas: [
    {
      file: 'docs/schemas/incident-event-detail.schema.json',
      schema: incidentEventDetail,
      description: [
        `The \`detail\` of the events that open, acknowledge and resolve incidents from your own services: put them on the product's ingestion event bus (stack output IngestionBusName) with detail-type ${detailTypes}, any \`source\`.`,
        '`Incident Trigger` opens an incident of `service`, or adds an occurrence to the open incident with the same `dedupKey` in that service; it needs `title` and `severity` (the detail-type is outside the detail, so this schema cannot require them). `Incident Acknowledge` and `Incident Resolve` act on the open incident of the dedup key, and are dropped when there is none.',
        'Unknown members are refused: an event that does not match this schema is logged with the reason and dropped, not retried. The EventBridge event id is the event id: a redelivered event is applied once.',
      ].join('\n\n'),
    },
  ],
  operations: {
    'GET /incidents/{id}/events': {
      operationId: 'listIncidentEvents',
      summary: 'List the events that touched an incident',
      tag: 'Incidents',
      audience: 'agent',
      description: [
        'The events from monitoring tools (POST /v2/enqueue, the ingestion event bus) that opened the incident, added an occurrence to it, acknowledged, resolved or were recorded on it: oldest first (by the time they were received), each raw as it arrived (without the routing key) and with what it did (`outcome`). Events are kept for the retention period (30 days by default), then drop out of the list. Events that touched no incident (`dropped`) are not listed.',
        'Applying an event happens right after it is recorded, and this list is read from an index: an event answered 202 a moment ago may not be listed yet.',
        'A requester gets 404 for incidents they are not the caller of, and 403 for their own.',
        PAGE_NOTE,
      ].join('\n\n'),
      query: pageQuery,
      responses: { 200: { description: 'One page of events', schema: 'IncidentEventPage' } },
      errorTypes: ['forbidden', 'not-found'],
    },
    'GET /services/{name}/integrations': {
      operationId: 'listIntegrations',
      summary: "List a service's integration keys",
      tag: 'Events',
      audience: 'admin',
      description: [
        'Oldest first (by creation), revoked keys included (with `revokedAt`). The keys themselves are never shown again after their creation, only their last 4 characters (`keyHint`).',
        'An unknown service has no keys: an empty page, not 404.',
        PAGE_NOTE,
      ].join('\n\n'),
      query: pageQuery,
      responses: { 200: { description: 'One page of integrations', schema: 'IntegrationPage' } },
      errorTypes: ['forbidden'],
    },
    'POST /services/{name}/integrations': {
      operationId: 'createIntegration',
      summary: 'Create an integration key',
      tag: 'Events',
      audience: 'admin',
      description: [
        `An integration key (a PagerDuty "routing key", 32 hex characters) that lets a monitoring tool open, acknowledge and resolve incidents of this service through POST /v2/enqueue. \`rateLimitPerMinute\` defaults to ${DEFAULT_RATE_LIMIT_PER_MINUTE}, as PagerDuty's.`,
        '**The key is in this answer only** (`routingKey`, answered with `Cache-Control: no-store`): only a hash of it is stored. Lost keys are revoked and replaced, not recovered.',
        "The service must exist (checked in the same transaction as the write); the creation is recorded in the service's history.",
      ].join('\n\n'),
      body: { schema: 'CreateIntegration' },
      idempotencyKey: true,
      responses: {
        201: {
          description: 'Created; `Location` names the integration by its id (the path to revoke it with)',
          schema: 'CreatedIntegration',
          headers: ['Location', 'Cache-Control', 'Idempotent-Replayed'],
        },
      },
      errorTypes: ['forbidden', 'not-found'],
      notes: { 404: 'The service does not exist.' },
    },
    'DELETE /services/{name}/integrations/{key}': {
      operationId: 'revokeIntegration',
      summary: 'Revoke an integration key',
      tag: 'Events',
      audience: 'admin',
      description: [
        'The path names the integration by its **id** (as listed, and as `Location` gave it), not by the routing key.',
        "From then on, events sent with the key are refused (400 `invalid event`, as for a key that never existed). The record stays, with `revokedAt` and `revokedBy`, and the revocation is recorded in the service's history.",
        'Idempotent: revoking a revoked key answers 204 and changes nothing. Integrations have no version, so no If-Match.',
      ].join('\n\n'),
      responses: { 204: { description: 'Revoked (now or before)' } },
      errorTypes: ['forbidden', 'not-found'],
      notes: { 404: 'The service has no integration with this id.' },
    },
    'POST /v2/enqueue': {
      operationId: 'enqueueEvent',
      summary: 'Send an event (PagerDuty Events API v2)',
      tag: 'Events',
      audience: 'public',
      description: [
        "Compatible with PagerDuty's Events API v2, so that Prometheus Alertmanager, Grafana, Datadog and other tools work unchanged: point their PagerDuty URL at this deployment. No bearer token: the `routing_key` in the body, an integration key of a service (POST /services/{name}/integrations), authenticates the event and names the service.",
        [
          '- `trigger` opens an incident of the service, unless an open incident (`new`, `in_progress`, `on_hold`) has the same `dedup_key` in the service: then it adds an occurrence to it and opens nothing. Without `dedup_key`, a key is generated and answered.',
          '- `acknowledge` moves the open incident of the dedup key from `new` to `in_progress`.',
          '- `resolve` resolves it (`auto_resolved`); the next trigger of the key opens a new incident.',
          '- Acknowledge and resolve of a dedup key with no open incident are accepted and dropped.',
        ].join('\n'),
        'Severity maps to impact and urgency per service (`severityMapping`). **202 means recorded durably**: the event is applied to incidents asynchronously, right after, in the order received per dedup key; see GET /incidents/{id}/events for what each event did.',
        'Every answer is PagerDuty\'s (`{status, message, errors}`), not problem+json, errors included; only what API Gateway answers itself (over its 10 MB payload limit, its own throttling, a function that did not answer) is `{"message": ...}`. Bodies up to 512 KB are accepted, as PagerDuty\'s; any JSON the format allows is recorded (numbers beyond a double, empty keys, deep nesting: see `detailsJson` and `rawJson` in GET /incidents/{id}/events). This POST takes no Idempotency-Key (PagerDuty clients send none): deduplication is by `dedup_key`. Unknown members are ignored, not refused.',
      ].join('\n\n'),
      body: { schema: 'PagerDutyEvent', parsedByHandler: true },
      responses: { 202: { description: 'Recorded', schema: 'PagerDutyAccepted' } },
      ownErrors: {
        400: {
          description:
            'Refused, nothing recorded: the event is invalid (`errors` names every problem), the body is not JSON, or the routing key is unknown or revoked (`errors`: `Invalid routing key`; the two are not told apart).',
          schemas: ['PagerDutyInvalid'],
        },
        429: {
          description:
            'The integration key sent more than its `rateLimitPerMinute` events this minute (`throttle event`); retry after `Retry-After` seconds. Nothing was recorded. API Gateway\'s own throttling answers `{"message":"Too Many Requests"}`.',
          schemas: ['PagerDutyThrottled', 'GatewayError'],
          headers: ['Retry-After'],
        },
        413: {
          description:
            'The body is over 512 KB, PagerDuty\'s limit (`invalid event`, `errors` says the size): nothing recorded. Over API Gateway\'s own 10 MB limit the gateway answers `{"message":"Request Entity Too Large"}`.',
          schemas: ['PagerDutyInvalid', 'GatewayError'],
        },
        500: {
          description:
            'The event could not be recorded (`error`): nothing recorded, no rate-limit slot spent; retry. `message` quotes the request id (API Gateway\'s, also in the `apigw-requestid` header), as every 5xx answer names it, for the caller to quote when reporting it. A function that did not answer at all gets API Gateway\'s `{"message":"Internal Server Error"}`.',
          schemas: ['PagerDutyError', 'GatewayError'],
        },
      },
    },
  },
});
