/**
 * One entry per route of functions/routes.ts, keyed `METHOD /path`: what the handler reads and
 * answers, read off the handlers (functions/<area>/handlers, functions/directory/crud.ts). A unit
 * test checks that the keys are exactly the route table's.
 *
 * Problems implied by the shape of an operation are added by the builder and need not be listed:
 * a body (body-required, malformed-json, validation-error, payload-too-large,
 * unsupported-media-type), a query (validation-error, invalid-cursor), an Idempotency-Key
 * (invalid-idempotency-key, idempotency-key-reused), If-Match (precondition-required when
 * required, precondition-failed), a JWT route (unauthorized) and every route (internal-error).
 * A body the handler parses itself (`parsedByHandler`, POST /v2/enqueue) implies only
 * payload-too-large; its other refusals are `ownErrors`, in PagerDuty's shape.
 */
import type * as z from 'zod';
import { directoryListQuery } from '../../functions/directory/schemas/directory.ts';
import { TRANSITIONS } from '../../functions/incidents/domain/lifecycle.ts';
import { historyQuery, listIncidentsQuery } from '../../functions/incidents/schemas/incident.ts';
import { DEFAULT_RATE_LIMIT_PER_MINUTE, pageQuery } from '../../functions/ingestion/schemas/ingestion.ts';
import { DEFAULT_CALENDARS, DEFAULT_ESCALATION_POLICY, DEFAULT_SLA_POLICIES } from '../../functions/sla/defaults.ts';
import { configListQuery } from '../../functions/sla/schemas/calendar.ts';
import { DEFAULT_REPORT_DAYS, MAX_REPORT_DAYS, slaReportQuery } from '../../functions/sla/schemas/report.ts';
import type { ProblemSlug } from './problems.ts';
import type { REQUEST_SCHEMAS, RESPONSE_SCHEMAS } from './schemas.ts';

export const TAGS = {
  Incidents: 'Incidents, their notes and their audit trail',
  Directory: 'Assignment groups, business services and users: the records incidents refer to',
  Configuration: 'Settings kept in the table, changed without a deploy',
  Events: 'Incidents opened, acknowledged and resolved by monitoring tools: the PagerDuty Events API v2 intake and the integration keys it takes',
  SLA: 'Service level agreements: the policies that set targets, the calendars their clocks count in, the escalation policies of groups, and the SLA report',
  Platform: 'Health and this description (public)',
} as const;
export type Tag = keyof typeof TAGS;

/** Who may call: every signed-in user is a requester; `agent` and `admin` come from the groups claim. */
export type Audience = 'public' | 'requester' | 'agent' | 'admin';

export type ResponseHeader = 'ETag' | 'Location' | 'Idempotent-Replayed' | 'Cache-Control' | 'Retry-After';

export interface SuccessResponse {
  readonly description: string;
  /** A component name; no body when absent. */
  readonly schema?: keyof typeof RESPONSE_SCHEMAS;
  readonly headers?: readonly ResponseHeader[];
}

/** An error answer in a shape of its own, not problem+json (the PagerDuty-compatible intake). */
export interface OwnErrorResponse {
  readonly description: string;
  /** The component(s) the body may be; several become `anyOf`. */
  readonly schemas: readonly (keyof typeof RESPONSE_SCHEMAS)[];
  readonly headers?: readonly ResponseHeader[];
}

export interface OperationSpec {
  readonly operationId: string;
  readonly summary: string;
  readonly tag: Tag;
  readonly audience: Audience;
  /** What the audience line does not say: role rules, semantics. Markdown. */
  readonly description: string;
  readonly query?: z.ZodObject;
  /** Descriptions of query parameters whose schema has none (kept out of the bundled schemas). */
  readonly queryDescriptions?: Readonly<Record<string, string>>;
  readonly body?: {
    readonly schema: keyof typeof REQUEST_SCHEMAS;
    readonly mediaTypes?: readonly string[];
    /**
     * The handler reads the raw body and answers invalid ones itself (see `ownErrors`): any media
     * type is read, and of the problems a body implies only payload-too-large remains.
     */
    readonly parsedByHandler?: boolean;
  };
  readonly ifMatch?: 'required' | 'optional';
  /** The handler honours Idempotency-Key (a replay answers the first response). */
  readonly idempotencyKey?: boolean;
  readonly responses: Readonly<Partial<Record<200 | 201 | 202 | 204, SuccessResponse>>>;
  /** Problems this operation raises beyond those implied by its shape. */
  readonly problems?: readonly ProblemSlug[];
  /** Per status, what the generic list of problem types does not say. */
  readonly notes?: Readonly<Partial<Record<number, string>>>;
  /** Error answers that are not problem+json; each replaces the generic answer of its status. */
  readonly ownErrors?: Readonly<Partial<Record<400 | 429, OwnErrorResponse>>>;
}

const lifecycle = Object.entries(TRANSITIONS)
  .map(([from, to]) => `- \`${from}\` -> ${to.length === 0 ? 'final' : to.map((s) => `\`${s}\``).join(', ')}`)
  .join('\n');

const pageNote =
  'Pages come newest or oldest first as stated; a page may hold fewer than `limit` items while more follow: stop when `nextCursor` is absent.';

type ResponseSchemaName = keyof typeof RESPONSE_SCHEMAS;

interface DirectoryKind {
  readonly label: 'group' | 'service' | 'user';
  readonly plural: string;
  readonly sortedBy: string;
  readonly schema: ResponseSchemaName;
  readonly page: ResponseSchemaName;
  /** Who may read: services are readable by requesters too (they name one when raising an incident). */
  readonly readers: 'requester' | 'agent';
}

const GROUP: DirectoryKind = { label: 'group', plural: 'groups', sortedBy: 'name', schema: 'Group', page: 'GroupPage', readers: 'agent' };
const SERVICE: DirectoryKind = { label: 'service', plural: 'services', sortedBy: 'name', schema: 'Service', page: 'ServicePage', readers: 'requester' };
const USER: DirectoryKind = { label: 'user', plural: 'users', sortedBy: 'id', schema: 'User', page: 'UserPage', readers: 'agent' };

const listDirectory = (kind: DirectoryKind, operationId: string): OperationSpec => ({
  operationId,
  summary: `List ${kind.plural}`,
  tag: 'Directory',
  audience: kind.readers,
  description: `Sorted by ${kind.sortedBy}. ${pageNote}`,
  query: directoryListQuery,
  responses: { 200: { description: `One page of ${kind.plural}`, schema: kind.page } },
  problems: kind.readers === 'agent' ? ['forbidden'] : [],
});

const getDirectory = (kind: DirectoryKind, operationId: string): OperationSpec => ({
  operationId,
  summary: `Get a ${kind.label}`,
  tag: 'Directory',
  audience: kind.readers,
  description: `Admins send the ETag back in If-Match to replace or delete the ${kind.label}.`,
  responses: { 200: { description: `The ${kind.label}`, schema: kind.schema, headers: ['ETag', 'Location'] } },
  problems: kind.readers === 'agent' ? ['forbidden', 'not-found'] : ['not-found'],
});

const deleteDirectory = (kind: DirectoryKind, operationId: string, extra = '', problems: readonly ProblemSlug[] = []): OperationSpec => ({
  operationId,
  summary: `Delete a ${kind.label}`,
  tag: 'Directory',
  audience: 'admin',
  description: `Needs the current version in If-Match; the deletion is audited.${extra}`,
  ifMatch: 'required',
  responses: { 204: { description: 'Deleted' } },
  problems: ['forbidden', 'not-found', ...problems],
});

const slaDefaults = [
  `Defaults written at the first deployment: calendars ${DEFAULT_CALENDARS.map((c) => `\`${c.name}\``).join(', ')};`,
  `policies ${DEFAULT_SLA_POLICIES.map((p) => `\`${p.name}\` (${p.appliesTo.priority?.join(', ')}: ${p.targets.response} / ${p.targets.resolution}, ${p.calendar})`).join(', ')}.`,
  'Admins change or delete them like any other record; a deleted default does not come back.',
].join(' ');

const defaultEscalation = DEFAULT_ESCALATION_POLICY.levels
  .map((level, i) => `level ${i + 1} notifies ${Object.keys(level.notify).join(' and ')}, then waits ${level.delay}`)
  .join('; ');

export const OPERATIONS: Record<string, OperationSpec> = {
  'POST /incidents': {
    operationId: 'createIncident',
    summary: 'Open an incident',
    tag: 'Incidents',
    audience: 'requester',
    description: [
      'Impact and urgency default to 3 (low); the priority follows from the priority matrix. `status` starts at `new`.',
      'Requesters open incidents for themselves: they may not set `assignmentGroup` or `assignee`, nor a `caller` other than themselves (403 `forbidden-field`, not silently dropped). Agents may set all fields.',
      '`service`, `assignmentGroup` and `assignee` must exist, and an assignee given with a group must be one of its members (400 `validation-error` naming the field).',
    ].join('\n\n'),
    body: { schema: 'CreateIncident' },
    idempotencyKey: true,
    responses: { 201: { description: 'Opened', schema: 'Incident', headers: ['Location', 'ETag', 'Idempotent-Replayed'] } },
    problems: ['forbidden-field'],
  },
  'GET /incidents': {
    operationId: 'listIncidents',
    summary: 'List incidents',
    tag: 'Incidents',
    audience: 'requester',
    description: [
      'Newest first (by number). Filters combine with AND; each is served by an index, never a scan.',
      'Agents see every incident. A requester sees only incidents they are the caller of: the list is narrowed to `caller` = themselves, and asking for another caller gives an empty page.',
      pageNote,
    ].join('\n\n'),
    query: listIncidentsQuery,
    queryDescriptions: {
      status: 'Only incidents in this status',
      priority: 'Only incidents of this priority',
      assignmentGroup: 'Only incidents assigned to this group',
      assignee: 'Only incidents assigned to this user',
      service: 'Only incidents about this service',
      caller: 'Only incidents raised for this user (for a requester, only themselves)',
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
    problems: ['not-found'],
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
    ].join('\n\n'),
    body: { schema: 'UpdateIncident', mediaTypes: ['application/json', 'application/merge-patch+json'] },
    ifMatch: 'required',
    responses: { 200: { description: 'The incident as it is now', schema: 'Incident', headers: ['ETag', 'Location'] } },
    problems: ['empty-patch', 'forbidden', 'not-found', 'invalid-transition'],
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
    problems: ['forbidden', 'not-found'],
  },
  'GET /incidents/{id}/notes': {
    operationId: 'listIncidentNotes',
    summary: "List an incident's notes",
    tag: 'Incidents',
    audience: 'requester',
    description: `Oldest first, like a conversation. Requesters see public notes only, on incidents they are the caller of. ${pageNote}`,
    query: historyQuery,
    responses: { 200: { description: 'One page of notes', schema: 'NotePage' } },
    problems: ['not-found'],
  },
  'GET /incidents/{id}/history': {
    operationId: 'getIncidentHistory',
    summary: "Get an incident's audit trail",
    tag: 'Incidents',
    audience: 'requester',
    description: `Oldest first: one record per change, written in the same transaction as the change; records are never updated or deleted. Requesters see the trail of incidents they are the caller of, without the records of work notes. ${pageNote}`,
    query: historyQuery,
    responses: { 200: { description: 'One page of history records', schema: 'HistoryPage' } },
    problems: ['not-found'],
  },

  'GET /incidents/{id}/events': {
    operationId: 'listIncidentEvents',
    summary: 'List the events that touched an incident',
    tag: 'Incidents',
    audience: 'agent',
    description: [
      'The events from monitoring tools (POST /v2/enqueue, the ingestion event bus) that opened the incident, added an occurrence to it, acknowledged, resolved or were recorded on it: oldest first (by the time they were received), each raw as it arrived (without the routing key) and with what it did (`outcome`). Events are kept for the retention period (30 days by default), then drop out of the list. Events that touched no incident (`dropped`) are not listed.',
      'Applying an event happens right after it is recorded, and this list is read from an index: an event answered 202 a moment ago may not be listed yet.',
      'A requester gets 404 for incidents they are not the caller of, and 403 for their own.',
      pageNote,
    ].join('\n\n'),
    query: pageQuery,
    responses: { 200: { description: 'One page of events', schema: 'IncidentEventPage' } },
    problems: ['forbidden', 'not-found'],
  },

  'GET /groups': listDirectory(GROUP, 'listGroups'),
  'POST /groups': {
    operationId: 'createGroup',
    summary: 'Create a group',
    tag: 'Directory',
    audience: 'admin',
    description: 'An assignment group. `members` and `manager` must be existing users (400 `validation-error` naming each one).',
    body: { schema: 'CreateGroup' },
    idempotencyKey: true,
    responses: { 201: { description: 'Created', schema: 'Group', headers: ['Location', 'ETag', 'Idempotent-Replayed'] } },
    problems: ['forbidden', 'already-exists'],
  },
  'GET /groups/{name}': getDirectory(GROUP, 'getGroup'),
  'PUT /groups/{name}': {
    operationId: 'replaceGroup',
    summary: 'Replace a group',
    tag: 'Directory',
    audience: 'admin',
    description:
      'Replaces every field: an absent optional field is removed and absent `members` means none. Needs the current version in If-Match. `members` and `manager` must be existing users. A replacement equal to the current record changes nothing (200, same version).',
    body: { schema: 'ReplaceGroup' },
    ifMatch: 'required',
    responses: { 200: { description: 'The group as it is now', schema: 'Group', headers: ['ETag', 'Location'] } },
    problems: ['forbidden', 'not-found'],
  },
  'DELETE /groups/{name}': deleteDirectory(GROUP, 'deleteGroup', ' A group that owns services cannot be deleted (409 `group-in-use`).', ['group-in-use']),

  'GET /services': listDirectory(SERVICE, 'listServices'),
  'POST /services': {
    operationId: 'createService',
    summary: 'Create a service',
    tag: 'Directory',
    audience: 'admin',
    description: 'A business service. `ownerGroup` must be an existing group (checked in the same transaction as the write).',
    body: { schema: 'CreateService' },
    idempotencyKey: true,
    responses: { 201: { description: 'Created', schema: 'Service', headers: ['Location', 'ETag', 'Idempotent-Replayed'] } },
    problems: ['forbidden', 'already-exists'],
  },
  'GET /services/{name}': getDirectory(SERVICE, 'getService'),
  'PUT /services/{name}': {
    operationId: 'replaceService',
    summary: 'Replace a service',
    tag: 'Directory',
    audience: 'admin',
    description:
      'Replaces every field: an absent optional field is removed. Needs the current version in If-Match. `ownerGroup` must be an existing group. A replacement equal to the current record changes nothing (200, same version).',
    body: { schema: 'ReplaceService' },
    ifMatch: 'required',
    responses: { 200: { description: 'The service as it is now', schema: 'Service', headers: ['ETag', 'Location'] } },
    problems: ['forbidden', 'not-found'],
  },
  'DELETE /services/{name}': deleteDirectory(
    SERVICE,
    'deleteService',
    ' A service with integration keys that are not revoked cannot be deleted (409 `service-in-use`).',
    ['service-in-use'],
  ),

  'GET /services/{name}/integrations': {
    operationId: 'listIntegrations',
    summary: "List a service's integration keys",
    tag: 'Events',
    audience: 'admin',
    description: [
      'Oldest first (by creation), revoked keys included (with `revokedAt`). The keys themselves are never shown again after their creation, only their last 4 characters (`keyHint`).',
      'An unknown service has no keys: an empty page, not 404.',
      pageNote,
    ].join('\n\n'),
    query: pageQuery,
    responses: { 200: { description: 'One page of integrations', schema: 'IntegrationPage' } },
    problems: ['forbidden'],
  },
  'POST /services/{name}/integrations': {
    operationId: 'createIntegration',
    summary: 'Create an integration key',
    tag: 'Events',
    audience: 'admin',
    description: [
      `An integration key (a PagerDuty "routing key", 32 hex characters) that lets a monitoring tool open, acknowledge and resolve incidents of this service through POST /v2/enqueue. \`rateLimitPerMinute\` defaults to ${DEFAULT_RATE_LIMIT_PER_MINUTE}, as PagerDuty's.`,
      '**The key is in this answer only** (`routingKey`, answered with `Cache-Control: no-store`): only a hash of it is stored. Lost keys are revoked and replaced, not recovered.',
      'The service must exist (checked in the same transaction as the write); the creation is recorded in the service\'s history.',
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
    problems: ['forbidden', 'not-found'],
    notes: { 404: 'The service does not exist.' },
  },
  'DELETE /services/{name}/integrations/{key}': {
    operationId: 'revokeIntegration',
    summary: 'Revoke an integration key',
    tag: 'Events',
    audience: 'admin',
    description: [
      'The path names the integration by its **id** (as listed, and as `Location` gave it), not by the routing key.',
      'From then on, events sent with the key are refused (400 `invalid event`, as for a key that never existed). The record stays, with `revokedAt` and `revokedBy`, and the revocation is recorded in the service\'s history.',
      'Idempotent: revoking a revoked key answers 204 and changes nothing. Integrations have no version, so no If-Match.',
    ].join('\n\n'),
    responses: { 204: { description: 'Revoked (now or before)' } },
    problems: ['forbidden', 'not-found'],
    notes: { 404: 'The service has no integration with this id.' },
  },

  'GET /users': listDirectory(USER, 'listUsers'),
  'GET /users/{userId}': getDirectory(USER, 'getUser'),
  'PUT /users/{userId}': {
    operationId: 'putUser',
    summary: 'Register or replace a user',
    tag: 'Directory',
    audience: 'admin',
    description: [
      'Users are keyed by their token subject, so the client names the id.',
      '- **Without If-Match** the user is registered: 201, or 409 `already-exists` if the id is taken. Idempotency-Key is honoured.',
      '- **With If-Match** (the current version) the user is replaced: 200; an absent optional field is removed.',
    ].join('\n'),
    body: { schema: 'PutUser' },
    ifMatch: 'optional',
    idempotencyKey: true,
    responses: {
      200: { description: 'Replaced (with If-Match)', schema: 'User', headers: ['ETag', 'Location'] },
      201: { description: 'Registered (without If-Match)', schema: 'User', headers: ['Location', 'ETag', 'Idempotent-Replayed'] },
    },
    problems: ['forbidden', 'not-found', 'already-exists'],
    notes: {
      400: 'An invalid `userId` in the path is a `validation-error` with location `path`.',
      404: 'Only with If-Match.',
      409: 'Only without If-Match.',
      412: 'Only with If-Match.',
    },
  },
  'DELETE /users/{userId}': deleteDirectory(USER, 'deleteUser'),

  'GET /config/priority-matrix': {
    operationId: 'getPriorityMatrix',
    summary: 'Get the priority matrix',
    tag: 'Configuration',
    audience: 'agent',
    description: '`matrix[impact][urgency]` is the priority an incident gets. Until an admin changes it, the ITIL default with version 0.',
    responses: { 200: { description: 'The matrix in force', schema: 'PriorityMatrixConfig', headers: ['ETag'] } },
    problems: ['forbidden'],
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
    problems: ['forbidden'],
  },

  'GET /sla-policies': {
    operationId: 'listSlaPolicies',
    summary: 'List SLA policies',
    tag: 'SLA',
    audience: 'agent',
    description: `Sorted by name. ${slaDefaults} ${pageNote}`,
    query: configListQuery,
    responses: { 200: { description: 'One page of SLA policies', schema: 'SlaPolicyPage' } },
    problems: ['forbidden'],
  },
  'POST /sla-policies': {
    operationId: 'createSlaPolicy',
    summary: 'Create an SLA policy',
    tag: 'SLA',
    audience: 'admin',
    description: [
      'Targets for the incidents `appliesTo` selects (every named criterion must match; none: every incident). When several policies match an incident, the most specific wins (service before category before priority), clock by clock; so two policies with exactly the same `appliesTo` may not both set the same target (409 `duplicate-policy-scope` naming the other).',
      'At least one target. Targets are ISO 8601 durations of weeks, days, hours, minutes and seconds (`PT15M`, `PT4H`, `PT90S`), more than 0 and at most a year, counted in the policy\'s `calendar`. With a calendar that has working hours, days and weeks are refused: a business day is not 24 hours, so write it in hours (`PT24H` is three 8-hour days).',
      '`pauseOn` (default `["on_hold"]`) lists the open statuses in which the clocks stop counting; `resolved` stops them anyway. `warnings` (default `[50, 75]`) are percentages of a target, ascending, 1 to 99, at which warnings are sent; the breach is 100.',
      'The calendar and `appliesTo.service` must exist (checked in the same transaction as the write: 400 naming the field). Clocks start when an incident is opened and keep a copy of their policy\'s target and calendar: a policy applies to incidents opened afterwards, and to running clocks that move to it when their incident\'s priority, service or category changes.',
    ].join('\n\n'),
    body: { schema: 'CreateSlaPolicy' },
    idempotencyKey: true,
    responses: { 201: { description: 'Created', schema: 'SlaPolicy', headers: ['Location', 'ETag', 'Idempotent-Replayed'] } },
    problems: ['forbidden', 'already-exists', 'duplicate-policy-scope'],
  },
  'GET /sla-policies/{name}': {
    operationId: 'getSlaPolicy',
    summary: 'Get an SLA policy',
    tag: 'SLA',
    audience: 'agent',
    description: 'Admins send the ETag back in If-Match to replace or delete the policy.',
    responses: { 200: { description: 'The SLA policy', schema: 'SlaPolicy', headers: ['ETag', 'Location'] } },
    problems: ['forbidden', 'not-found'],
  },
  'PUT /sla-policies/{name}': {
    operationId: 'replaceSlaPolicy',
    summary: 'Replace an SLA policy',
    tag: 'SLA',
    audience: 'admin',
    description:
      'Replaces every field, with the rules of creation: an absent optional field is removed, absent `pauseOn` and `warnings` take their defaults. Needs the current version in If-Match. A replacement equal to the current policy changes nothing (200, same version). Running clocks under the policy keep the copy they started with.',
    body: { schema: 'ReplaceSlaPolicy' },
    ifMatch: 'required',
    responses: { 200: { description: 'The SLA policy as it is now', schema: 'SlaPolicy', headers: ['ETag', 'Location'] } },
    problems: ['forbidden', 'not-found', 'duplicate-policy-scope'],
  },
  'DELETE /sla-policies/{name}': {
    operationId: 'deleteSlaPolicy',
    summary: 'Delete an SLA policy',
    tag: 'SLA',
    audience: 'admin',
    description: 'Needs the current version in If-Match; the deletion is audited. Incidents opened afterwards get the next most specific policy, or no clock; running clocks keep their copy.',
    ifMatch: 'required',
    responses: { 204: { description: 'Deleted' } },
    problems: ['forbidden', 'not-found'],
  },

  'GET /calendars': {
    operationId: 'listCalendars',
    summary: 'List calendars',
    tag: 'SLA',
    audience: 'agent',
    description: `Sorted by name. ${pageNote}`,
    query: configListQuery,
    responses: { 200: { description: 'One page of calendars', schema: 'CalendarPage' } },
    problems: ['forbidden'],
  },
  'POST /calendars': {
    operationId: 'createCalendar',
    summary: 'Create a calendar',
    tag: 'SLA',
    audience: 'admin',
    description: [
      'When SLA clocks count. Without `workingHours` the calendar is 24x7: every second counts and holidays do not apply. With it, only the listed local hours of each weekday count (`end` exclusive, `24:00` allowed, no interval across midnight, no overlaps), except on `holidays`, in the IANA `timeZone` (daylight saving time included).',
      'Each invalid field is named in `errors` (400): an unknown time zone, an interval that ends before it starts, overlapping intervals, a week without working time, holidays on a 24x7 calendar, a date given twice.',
    ].join('\n\n'),
    body: { schema: 'CreateCalendar' },
    idempotencyKey: true,
    responses: { 201: { description: 'Created', schema: 'Calendar', headers: ['Location', 'ETag', 'Idempotent-Replayed'] } },
    problems: ['forbidden', 'already-exists'],
  },
  'GET /calendars/{name}': {
    operationId: 'getCalendar',
    summary: 'Get a calendar',
    tag: 'SLA',
    audience: 'agent',
    description: 'Admins send the ETag back in If-Match to replace or delete the calendar.',
    responses: { 200: { description: 'The calendar', schema: 'Calendar', headers: ['ETag', 'Location'] } },
    problems: ['forbidden', 'not-found'],
  },
  'PUT /calendars/{name}': {
    operationId: 'replaceCalendar',
    summary: 'Replace a calendar',
    tag: 'SLA',
    audience: 'admin',
    description: [
      'Replaces every field: an absent optional field is removed (no `workingHours`: 24x7). Needs the current version in If-Match. A replacement equal to the current calendar changes nothing (200, same version).',
      'Giving working hours to a calendar that a policy with targets in days counts in is refused (400 on `workingHours`, naming the policy): change those targets to hours first.',
      'Running clocks keep the copy of the calendar they started with; incidents whose clocks start afterwards count in the new one.',
    ].join('\n\n'),
    body: { schema: 'ReplaceCalendar' },
    ifMatch: 'required',
    responses: { 200: { description: 'The calendar as it is now', schema: 'Calendar', headers: ['ETag', 'Location'] } },
    problems: ['forbidden', 'not-found'],
  },
  'DELETE /calendars/{name}': {
    operationId: 'deleteCalendar',
    summary: 'Delete a calendar',
    tag: 'SLA',
    audience: 'admin',
    description: 'Needs the current version in If-Match; the deletion is audited. A calendar that SLA policies count in cannot be deleted (409 `calendar-in-use`, `policies` names them).',
    ifMatch: 'required',
    responses: { 204: { description: 'Deleted' } },
    problems: ['forbidden', 'not-found', 'calendar-in-use'],
  },

  'GET /groups/{name}/escalation-policy': {
    operationId: 'getEscalationPolicy',
    summary: "Get a group's escalation policy",
    tag: 'SLA',
    audience: 'agent',
    description: [
      'Who is notified, level by level, when an incident assigned to the group breaches its SLA: level 1 at the breach, each level `delay` after the previous one; after the last level the levels run again, `repeat` more times. Escalation stops when the incident is resolved, closed or canceled (and for a response breach, when it is acknowledged).',
      `A group without a policy of its own answers the default, with \`isDefault: true\` and version 0: ${defaultEscalation}; repeat ${DEFAULT_ESCALATION_POLICY.repeat}.`,
    ].join('\n\n'),
    responses: { 200: { description: "The group's escalation policy, or the default", schema: 'EscalationPolicy', headers: ['ETag', 'Location'] } },
    problems: ['forbidden', 'not-found'],
    notes: { 404: 'The group does not exist.' },
  },
  'PUT /groups/{name}/escalation-policy': {
    operationId: 'putEscalationPolicy',
    summary: "Set a group's escalation policy",
    tag: 'SLA',
    audience: 'admin',
    description: [
      '- **The group has no policy of its own** (GET answers the default): the policy is created, 201. If-Match is not needed; `"0"`, the default\'s ETag, is accepted.',
      '- **It has one**: the policy is replaced, 200; the current version in If-Match is required (428 without it). A replacement equal to the current policy changes nothing (200, same version).',
      '',
      '1 to 10 levels; each notifies someone (`users`, the incident\'s `assignee`, its `group`, the group\'s `manager`) and has a `delay` from 1 second to 7 days; `repeat` is 0 to 5 (default 0). Named users must exist (400 naming each one). The group must exist (404).',
    ].join('\n'),
    body: { schema: 'PutEscalationPolicy' },
    ifMatch: 'optional',
    responses: {
      200: { description: 'Replaced', schema: 'EscalationPolicy', headers: ['ETag', 'Location'] },
      201: { description: 'Created (the group had none of its own)', schema: 'EscalationPolicy', headers: ['ETag', 'Location'] },
    },
    problems: ['forbidden', 'not-found', 'precondition-required'],
    notes: { 404: 'The group does not exist.', 428: 'Only when the group has a policy of its own.' },
  },

  'GET /reports/sla': {
    operationId: 'getSlaReport',
    summary: 'Get the SLA report',
    tag: 'SLA',
    audience: 'agent',
    description: [
      `SLA attainment (response and resolution clocks met and breached), breaches, mean time to acknowledge and to resolve, over UTC days \`from\` to \`to\` (inclusive; default: the last ${DEFAULT_REPORT_DAYS} days, today included; at most ${MAX_REPORT_DAYS}), grouped by priority, assignment group or service, with totals.`,
      'Read from counters that every incident change keeps up to date in its own transaction, never from the incidents themselves: each outcome counts on the UTC day it happened, under the incident\'s priority, group and service at that moment. A reopened incident takes its resolution and its resolution clock\'s outcome back. Eventually consistent: a change made a second ago may not show yet.',
    ].join('\n\n'),
    query: slaReportQuery,
    responses: { 200: { description: 'The report', schema: 'SlaReport' } },
    problems: ['forbidden'],
    notes: { 400: '`from` after `to`, or a range longer than the maximum, is a `validation-error` on `from`.' },
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
      "Severity maps to impact and urgency per service (`severityMapping`). **202 means recorded durably**: the event is applied to incidents asynchronously, right after, in the order received per dedup key; see GET /incidents/{id}/events for what each event did.",
      "Answers are PagerDuty's, not problem+json, except 413 and 500. This POST takes no Idempotency-Key (PagerDuty clients send none): deduplication is by `dedup_key`. Unknown members are ignored, not refused.",
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
          "The integration key sent more than its `rateLimitPerMinute` events this minute (`throttle event`); retry after `Retry-After` seconds. Nothing was recorded. API Gateway's own throttling answers `{\"message\":\"Too Many Requests\"}`.",
        schemas: ['PagerDutyThrottled', 'GatewayError'],
        headers: ['Retry-After'],
      },
    },
  },

  'GET /health': {
    operationId: 'getHealth',
    summary: 'Check health',
    tag: 'Platform',
    audience: 'public',
    description: 'Healthy means the function runs and its table answers a key read; nothing about the data is revealed.',
    responses: { 200: { description: 'Healthy', schema: 'Health', headers: ['Cache-Control'] } },
    problems: ['unavailable'],
    notes: { 503: 'The table did not answer: down, not a bug. Not cached.' },
  },
  'GET /openapi.json': {
    operationId: 'getOpenApiDocument',
    summary: 'Get this API description',
    tag: 'Platform',
    audience: 'public',
    description: 'This OpenAPI 3.1 document, generated from the zod schemas the functions validate with.',
    responses: { 200: { description: 'The document', schema: 'OpenApiDocument', headers: ['Cache-Control'] } },
  },
};
