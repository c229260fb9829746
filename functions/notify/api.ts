/**
 * The notify area's API description: no routes of its own, but the JSON Schemas of what it
 * publishes (the domain events' detail and the SNS notification body), built from the event details
 * every area declares (publishedEvents in its api.ts): notify names no area. Loaded by the OpenAPI
 * build only (scripts/openapi/), never by a handler.
 */
import { defineApi, type PublishedEventDetail, publishedEventTypesOf } from '../shared/api/operation.ts';
import { domainEventDetailOf, notificationMessageOf } from './schemas/events.ts';

const listed = (types: readonly string[]): string => types.map((type) => `\`${type}\``).join(', ');

const kinds = (published: readonly PublishedEventDetail[]): string =>
  published.map((detail) => `\`${detail.record}\` (${listed(publishedEventTypesOf(detail))})`).join('; ');

const versions = (published: readonly PublishedEventDetail[]): string => published.map(({ record }) => `\`${record}.version\``).join(', ');

export default defineApi({
  operations: {},
  eventSchemas: [
    {
      file: 'docs/schemas/domain-event-detail.schema.json',
      schema: domainEventDetailOf,
      io: 'output',
      description: (published) =>
        [
          `The \`detail\` of the domain events the product puts on its event bus (stack output IngestionBusName), \`source\` \`open-itsm\`. \`type\` is the detail-type and tells the kinds apart; each kind carries the record it is about: ${kinds(published)}.`,
          `Every committed write publishes its events after the commit (transactional outbox). Delivery is at least once: dedupe on \`eventId\`, and order one record's events by its version (${versions(published)}).`,
          'No free text: no titles, and in `changes` free-text fields (descriptions, plans, notes, reasons) are named without `from` and `to`; read the text through the API (docs/events.md, "No free text").',
        ].join('\n\n'),
    },
    {
      file: 'docs/schemas/notification-message.schema.json',
      schema: notificationMessageOf,
      io: 'output',
      description: (published) =>
        [
          "The JSON body of the SNS notifications the product publishes (the notifications topic, and the major-incident topic for the events an area sends there): the event's detail (docs/schemas/domain-event-detail.schema.json, by `type`) with `text` and `recipients`.",
          `Message attributes eventType, priority, assignmentGroup and service ('-' when the record has none) are there for subscription filter policies. ${published
            .flatMap(({ record, attributes }) => (attributes === undefined ? [] : [`\`${record}\`: ${attributes}`]))
            .join(' ')}`.trim(),
        ].join('\n\n'),
    },
  ],
});
