/**
 * The incidents area's API description: its tags, one operation per route of ./area.ts (what the
 * handlers read and answer, read off functions/incidents/handlers) and the components they name.
 * Loaded by the OpenAPI build only (scripts/openapi/), never by a handler.
 */
import * as z from 'zod';
import { MAX_KNOWN_ERROR_MATCHES } from '../known-errors/domain/known-error.ts';
import { knownErrorMatchSchema } from '../known-errors/schemas/known-error.ts';
import { defineApi, firstPageNote, PAGE_NOTE } from '../shared/api/operation.ts';
import { countableFilterSets } from '../shared/domain/queue-counts.ts';
import { countedListEnvelope, listEnvelope } from '../shared/schemas/common.ts';
import { suggestedArticlesSchema } from '../shared/search/suggested-article-schema.ts';
import { INCIDENT_COUNTS } from './counts.ts';
import { INCIDENT_TRANSITIONS } from './domain/lifecycle.ts';
import { incidentEventDetail } from './schemas/events.ts';
import {
  addNoteBody,
  createIncidentBody,
  historyQuery,
  historyRecordSchema,
  incidentListItemSchema,
  incidentSchema,
  listIncidentsQuery,
  noteSchema,
  priorityMatrixBody,
  slaClockViewSchema,
  updateIncidentBody,
} from './schemas/incident.ts';

const lifecycle = Object.entries(INCIDENT_TRANSITIONS)
  .map(([from, to]) => `- \`${from}\` -> ${to.length === 0 ? 'final' : to.map((s) => `\`${s}\``).join(', ')}`)
  .join('\n');

/** What create and update answer: the incident, and for agents the known errors it matches (functions/known-errors). */
const incidentWithKnownErrors = incidentSchema
  .extend({
    knownErrors: z
      .array(knownErrorMatchSchema)
      .max(MAX_KNOWN_ERROR_MATCHES)
      .optional()
      .describe(
        `Agents only, and only when some match: the published known errors matching the incident's configuration item, service or category, at most ${MAX_KNOWN_ERROR_MATCHES}, most specific first (configuration item, then service, then category; each newest first), each problem once. Looked up for the answer, never stored: GET /incidents/{id} does not show them.`,
      ),
  })
  .meta({ id: 'IncidentWithKnownErrors', description: 'An incident as update answers it' });

const createdIncident = incidentWithKnownErrors
  .extend({ suggestedArticles: suggestedArticlesSchema })
  .meta({ id: 'CreatedIncident', description: 'An incident as POST /incidents answers it' });

const priorityMatrixConfig = priorityMatrixBody
  .extend({ version: z.number().int().describe('Also sent as the ETag; 0 until the matrix is first changed') })
  .describe('The matrix in force and its version');

export default defineApi({
  tags: {
    Incidents: 'Incidents, their notes and their audit trail',
    Configuration: 'Settings kept in the table, changed without a deploy',
  },
  sharedSchemas: {
    PriorityMatrixRow: priorityMatrixBody.shape.matrix.shape['1'],
  },
  requestSchemas: {
    CreateIncident: createIncidentBody,
    UpdateIncident: updateIncidentBody,
    AddNote: addNoteBody,
    PriorityMatrix: priorityMatrixBody,
  },
  responseSchemas: {
    Incident: incidentSchema,
    IncidentWithKnownErrors: incidentWithKnownErrors,
    CreatedIncident: createdIncident,
    IncidentListItem: incidentListItemSchema,
    IncidentPage: countedListEnvelope(incidentListItemSchema),
    IncidentAlert: incidentSchema.shape.alert.unwrap(),
    SlaClock: slaClockViewSchema,
    Note: noteSchema,
    NotePage: listEnvelope(noteSchema),
    HistoryRecord: historyRecordSchema,
    HistoryPage: listEnvelope(historyRecordSchema),
    PriorityMatrixConfig: priorityMatrixConfig,
  },
  pathParameters: {
    id: {
      schema: z.string().min(1),
      description: 'The id (a ULID) or the number (INC0001001) of the incident; anything else is 404',
    },
  },
  publishedEvents: [{ schema: incidentEventDetail, record: 'incident' }],
  operations: {
    'POST /incidents': {
      operationId: 'createIncident',
      summary: 'Open an incident',
      tag: 'Incidents',
      audience: 'requester',
      description: [
        'Impact and urgency default to 3 (low); the priority follows from the priority matrix. `status` starts at `new`.',
        'Requesters open incidents for themselves: they may not set `assignmentGroup` or `assignee`, nor a `caller` other than themselves, nor `impact` (the service desk assesses it, so no requester declares a P1; which of `impact` and `urgency` requesters may set is deployment configuration, `urgency` only by default): 403 `forbidden-field` naming each field, not silently dropped. Agents may set all fields.',
        '`service`, `assignmentGroup` and `assignee` must exist, and an assignee given with a group must be one of its members (400 `validation-error` naming the field).',
        "An agent's answer carries `knownErrors` when published known errors match the incident's configuration item, service or category, so the workaround is at hand at once (see GET /known-errors). They are looked up alongside the incident's number, adding no round trip; a requester's answer never carries them.",
        'Every answer carries `suggestedArticles`: the published articles most likely to solve it (public ones only for a requester; see POST /suggestions), searched for the title, description and service beside the create, adding no round trip (the search index is kept in memory and refreshed by at most one Query of its change log a second). Never stored, so a replay searches again; `[]` when none match or the index cannot be read (the create never fails on it). Incidents opened by e-mail or by monitoring alerts are not searched for.',
      ].join('\n\n'),
      body: { schema: 'CreateIncident' },
      idempotencyKey: true,
      responses: { 201: { description: 'Opened', schema: 'CreatedIncident', headers: ['Location', 'ETag', 'Idempotent-Replayed'] } },
      errorTypes: ['forbidden-field'],
    },
    'GET /incidents': {
      operationId: 'listIncidents',
      summary: 'List incidents',
      tag: 'Incidents',
      audience: 'requester',
      description: [
        'Newest first: by opening time with a filter or an opening-time range, by number otherwise (the same order, but for incidents opened within the same instant). Different filters combine with AND; the values of one filter with OR: `status=new,in_progress` (or `status=new&status=in_progress`), at most 10 values per filter. Each value is read by a key Query on an index, all in flight together and merged, never a scan; `openedAfter` and `openedBefore` are a range on the index sort key.',
        'Items are `IncidentListItem`: the incident without `alert` (GET /incidents/{id} has it).',
        'Agents see every incident. A requester sees only incidents they are the caller of: the list is narrowed to `caller` = themselves, and asking only for other callers gives an empty page.',
        `\`count=true\` adds \`total\`, read from counters beside the page's Queries (no scan, no extra round trip; counters follow writes within about a second). Counted: ${countableFilterSets(INCIDENT_COUNTS)}; each filter with any of its values, no opening-time range. A requester's list is counted as \`caller\` (and \`caller + status\`).`,
        PAGE_NOTE,
        firstPageNote('`status` with one value, and of every incident'),
      ].join('\n\n'),
      query: listIncidentsQuery,
      queryDescriptions: {
        status: 'Only incidents in one of these statuses (comma-separated)',
        priority: 'Only incidents of one of these priorities (comma-separated)',
        assignmentGroup: 'Only incidents assigned to one of these groups (comma-separated)',
        assignee: 'Only incidents assigned to one of these users (comma-separated)',
        service: 'Only incidents about one of these services (comma-separated)',
        caller: 'Only incidents raised for one of these users (comma-separated; for a requester, only themselves)',
      },
      notes: {
        400: 'An unknown value is a `validation-error` on its parameter, the message naming the value; `openedBefore` not after `openedAfter` is a `validation-error` on `openedBefore`; `count=true` with filters no counter is kept for is a `validation-error` on `count` listing what can be counted.',
      },
      responses: { 200: { description: 'One page of incidents', schema: 'IncidentPage' } },
    },
    'GET /incidents/{id}': {
      operationId: 'getIncident',
      summary: 'Get an incident',
      tag: 'Incidents',
      audience: 'requester',
      description:
        'By id or by number. Requesters see only incidents they are the caller of; any other is 404. Send the ETag back in If-Match to update the incident.',
      responses: { 200: { description: 'The incident', schema: 'Incident', headers: ['ETag'] } },
      errorTypes: ['not-found'],
    },
    'PATCH /incidents/{id}': {
      operationId: 'updateIncident',
      summary: 'Update an incident',
      tag: 'Incidents',
      audience: 'agent',
      description: [
        'A merge patch: absent fields stay, `null` clears an optional field. Needs the current version in If-Match.',
        `Status moves:\n\n${lifecycle}`,
        'Putting on hold needs `holdReason`; resolving needs `resolutionCode` and `resolutionNotes`; reopening (`resolved` -> `in_progress`) clears the resolution and counts in `reopenCount`. The first move out of `new` records the first response (`acknowledgedAt`). Changing impact or urgency recomputes the priority.',
        'A patch that restates the current values changes nothing: 200 with the same version. References are checked as on create.',
        'Requesters cannot update incidents (403 on their own incidents, 404 on others); they add notes instead.',
        'The answer carries `knownErrors` when published known errors match the incident as it is after the patch (its configuration item, service or category); they are looked up alongside the write.',
      ].join('\n\n'),
      body: { schema: 'UpdateIncident', mediaTypes: ['application/json', 'application/merge-patch+json'] },
      ifMatch: 'required',
      responses: { 200: { description: 'The incident as it is now', schema: 'IncidentWithKnownErrors', headers: ['ETag', 'Location'] } },
      errorTypes: ['empty-patch', 'forbidden', 'not-found', 'invalid-transition'],
      notes: { 400: 'A lifecycle field missing or not allowed for the status (e.g. `holdReason` without `on_hold`) is a `validation-error`.' },
    },
    'POST /incidents/{id}/notes': {
      operationId: 'addIncidentNote',
      summary: 'Add a note to an incident',
      tag: 'Incidents',
      audience: 'requester',
      description: [
        "Agents write `work` notes (internal, the default) or `public` ones; an agent's first public note records the first response (`acknowledgedAt`).",
        'Requesters comment on incidents they are the caller of; their notes are always `public`, and asking for `work` is 403.',
      ].join('\n\n'),
      body: { schema: 'AddNote' },
      idempotencyKey: true,
      responses: { 201: { description: 'Added', schema: 'Note', headers: ['Idempotent-Replayed'] } },
      errorTypes: ['forbidden', 'not-found'],
    },
    'GET /incidents/{id}/notes': {
      operationId: 'listIncidentNotes',
      summary: "List an incident's notes",
      tag: 'Incidents',
      audience: 'requester',
      description: `Oldest first, like a conversation. Requesters see public notes only, on incidents they are the caller of. ${PAGE_NOTE}`,
      query: historyQuery,
      responses: { 200: { description: 'One page of notes', schema: 'NotePage' } },
      errorTypes: ['not-found'],
    },
    'GET /incidents/{id}/history': {
      operationId: 'getIncidentHistory',
      summary: "Get an incident's audit trail",
      tag: 'Incidents',
      audience: 'requester',
      description: `Oldest first: one record per change, written in the same transaction as the change; records are never updated or deleted. Requesters see the trail of incidents they are the caller of, without the records of work notes. ${PAGE_NOTE}`,
      query: historyQuery,
      responses: { 200: { description: 'One page of history records', schema: 'HistoryPage' } },
      errorTypes: ['not-found'],
    },
    'GET /config/priority-matrix': {
      operationId: 'getPriorityMatrix',
      summary: 'Get the priority matrix',
      tag: 'Configuration',
      audience: 'agent',
      description: '`matrix[impact][urgency]` is the priority an incident gets. Until an admin changes it, the ITIL default with version 0.',
      responses: { 200: { description: 'The matrix in force', schema: 'PriorityMatrixConfig', headers: ['ETag'] } },
      errorTypes: ['forbidden'],
    },
    'PUT /config/priority-matrix': {
      operationId: 'replacePriorityMatrix',
      summary: 'Replace the priority matrix',
      tag: 'Configuration',
      audience: 'admin',
      description:
        'Needs the current version in If-Match (`"0"` before the first change). Applies to incidents created, or whose impact or urgency change, afterwards; existing priorities stay. The change is recorded in the settings history.',
      body: { schema: 'PriorityMatrix' },
      ifMatch: 'required',
      responses: { 200: { description: 'The matrix now in force', schema: 'PriorityMatrixConfig', headers: ['ETag'] } },
      errorTypes: ['forbidden'],
    },
  },
});
