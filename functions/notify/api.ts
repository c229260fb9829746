/**
 * The notify area's API description: no routes of its own, but the JSON Schemas of what it
 * publishes (the domain events' detail and the SNS notification body). The event types are the
 * publishing areas' own (incidents, changes). Loaded by the OpenAPI build only (scripts/openapi/),
 * never by a handler.
 */
import { CHANGE_EVENT_TYPES } from '../changes/domain/events.ts';
import { INCIDENT_EVENT_TYPES } from '../incidents/domain/events.ts';
import { PROBLEM_EVENT_TYPES } from '../problems/domain/events.ts';
import { defineApi } from '../shared/api/operation.ts';
import { domainEventDetail, notificationMessage } from './schemas/events.ts';

const listed = (types: readonly string[]): string => types.map((type) => `\`${type}\``).join(', ');

export default defineApi({
  operations: {},
  eventSchemas: [
    {
      file: 'docs/schemas/domain-event-detail.schema.json',
      schema: domainEventDetail,
      io: 'output',
      description: [
        `The \`detail\` of the domain events the product puts on its event bus (stack output IngestionBusName), \`source\` \`open-itsm\`. \`type\` is the detail-type and tells the kinds apart: incident events (${listed(INCIDENT_EVENT_TYPES)}) carry \`incident\`; change request events (${listed(CHANGE_EVENT_TYPES)}) carry \`change\`; problem events (${listed(PROBLEM_EVENT_TYPES)}) carry \`problem\` (docs/schemas/problem-event-detail.schema.json).`,
        "Every committed change of an incident or a change request publishes exactly one event, after the commit (transactional outbox). Delivery is at least once: dedupe on `eventId`, and order one record's events by `incident.version` or `change.version`.",
        'No free text: no titles, and in `changes` free-text fields (descriptions, plans, notes, reasons) are named without `from` and `to`; read the text through the API (docs/events.md, "No free text").',
      ].join('\n\n'),
    },
    {
      file: 'docs/schemas/notification-message.schema.json',
      schema: notificationMessage,
      io: 'output',
      description:
        "The JSON body of the SNS notifications the product publishes (the notifications topic, and the major-incident topic for Major Incident Breach): the event's detail (an incident's or a change request's, by `type`) with `text` and `recipients`. Message attributes eventType, priority, assignmentGroup and service ('-' when none; a change request has no priority, and its service attribute is its first service) are there for subscription filter policies.",
    },
  ],
});
