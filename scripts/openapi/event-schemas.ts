/**
 * JSON Schemas (draft 2020-12) of the `detail` of the EventBridge events the product takes in,
 * generated from the zod schemas the ingestion handlers validate with, so that senders can validate
 * their events before putting them on the bus. scripts/generate-openapi.ts writes them to
 * docs/schemas/ beside docs/openapi.json (and `--check` covers them); test/unit/openapi.test.ts
 * checks the committed files are current.
 */
import type * as z from 'zod';
import { CHANGE_EVENT_TYPES } from '../../functions/changes/domain/events.ts';
import { INCIDENT_EVENT_TYPES } from '../../functions/incidents/domain/events.ts';
import { incidentEventDetail } from '../../functions/ingestion/domain/bus-events.ts';
import { PRODUCT_DETAIL_TYPES } from '../../functions/ingestion/rules.ts';
import { domainEventDetail, notificationMessage } from '../../functions/notify/schemas/events.ts';
import { inlineSchema, type JsonObject } from './build.ts';

const DIALECT = 'https://json-schema.org/draft/2020-12/schema';

/**
 * A standalone schema: the dialect, then title and description, then the schema as zod *input*
 * (what a sender writes). No `$id`: the file is published at whatever address serves it.
 */
function eventDetailSchema(where: string, schema: z.ZodType, about: { title?: string; description: string }, io: 'input' | 'output' = 'input'): JsonObject {
  const { title: ownTitle, description: _own, ...rest } = inlineSchema(where, schema, io);
  const title = about.title ?? ownTitle;
  if (typeof title !== 'string') throw new Error(`${where}: a published schema needs a title`);
  return { $schema: DIALECT, title, description: about.description, ...rest };
}

const detailTypes = PRODUCT_DETAIL_TYPES.map((type) => `\`${type}\``).join(', ');

/** Repository-relative path -> the schema written there. */
export const EVENT_SCHEMA_FILES: Readonly<Record<string, () => JsonObject>> = {
  'docs/schemas/incident-event-detail.schema.json': () =>
    eventDetailSchema('incident-event-detail', incidentEventDetail, {
      description: [
        `The \`detail\` of the events that open, acknowledge and resolve incidents from your own services: put them on the product's ingestion event bus (stack output IngestionBusName) with detail-type ${detailTypes}, any \`source\`.`,
        '`Incident Trigger` opens an incident of `service`, or adds an occurrence to the open incident with the same `dedupKey` in that service; it needs `title` and `severity` (the detail-type is outside the detail, so this schema cannot require them). `Incident Acknowledge` and `Incident Resolve` act on the open incident of the dedup key, and are dropped when there is none.',
        'Unknown members are refused: an event that does not match this schema is logged with the reason and dropped, not retried. The EventBridge event id is the event id: a redelivered event is applied once.',
      ].join('\n\n'),
    }),
  'docs/schemas/domain-event-detail.schema.json': () =>
    eventDetailSchema(
      'domain-event-detail',
      domainEventDetail,
      {
        description: [
          `The \`detail\` of the domain events the product puts on its event bus (stack output IngestionBusName), \`source\` \`open-itsm\`. \`type\` is the detail-type and tells the two kinds apart: incident events (${INCIDENT_EVENT_TYPES.map((t) => `\`${t}\``).join(', ')}) carry \`incident\`; change request events (${CHANGE_EVENT_TYPES.map((t) => `\`${t}\``).join(', ')}) carry \`change\`.`,
          "Every committed change of an incident or a change request publishes exactly one event, after the commit (transactional outbox). Delivery is at least once: dedupe on `eventId`, and order one record's events by `incident.version` or `change.version`.",
          'No free text: no titles, and in `changes` free-text fields (descriptions, plans, notes, reasons) are named without `from` and `to`; read the text through the API (docs/events.md, "No free text").',
        ].join('\n\n'),
      },
      'output',
    ),
  'docs/schemas/notification-message.schema.json': () =>
    eventDetailSchema(
      'notification-message',
      notificationMessage,
      {
        description:
          "The JSON body of the SNS notifications the product publishes (the notifications topic, and the major-incident topic for Major Incident Breach): the event's detail (an incident's or a change request's, by `type`) with `text` and `recipients`. Message attributes eventType, priority, assignmentGroup and service ('-' when none; a change request has no priority, and its service attribute is its first service) are there for subscription filter policies.",
      },
      'output',
    ),
};
