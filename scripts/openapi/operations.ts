/**
 * One entry per route of functions/routes.ts, keyed `METHOD /path`: what the handler reads and
 * answers, read off the handlers (functions/<area>/handlers, functions/directory/crud.ts). A unit
 * test checks that the keys are exactly the route table's.
 *
 * Error types implied by the shape of an operation are added by the builder and need not be listed:
 * a body (body-required, malformed-json, validation-error, payload-too-large,
 * unsupported-media-type), a query (validation-error, invalid-cursor), an Idempotency-Key
 * (invalid-idempotency-key, idempotency-key-reused), If-Match (precondition-required when
 * required, precondition-failed), a JWT route (unauthorized) and every route (internal-error).
 * A body the handler parses itself (`parsedByHandler`, POST /v2/enqueue) implies only
 * payload-too-large; its other refusals are `ownErrors`, in PagerDuty's shape.
 */
import type * as z from 'zod';
import { DEFAULT_CHANGE_CONFIG } from '../../functions/changes/defaults.ts';
import { MAX_CHANGE_WINDOW_DAYS } from '../../functions/changes/domain/change.ts';
import { TRANSITIONS as CHANGE_TRANSITIONS, EDITABLE_STATUSES } from '../../functions/changes/domain/lifecycle.ts';
import { changeCalendarQuery, changePageQuery, listChangesQuery, MAX_CALENDAR_DAYS } from '../../functions/changes/schemas/change.ts';
import {
  blackoutListQuery,
  MAX_APPROVAL_TIMEOUT_SECONDS,
  MAX_BLACKOUT_DAYS,
  MAX_CAB_QUORUM,
  MAX_REMINDERS,
  MIN_APPROVAL_TIMEOUT_SECONDS,
} from '../../functions/changes/schemas/config.ts';
import { directoryListQuery } from '../../functions/directory/schemas/directory.ts';
import { INCIDENT_TRANSITIONS } from '../../functions/incidents/domain/lifecycle.ts';
import { historyQuery, listIncidentsQuery } from '../../functions/incidents/schemas/incident.ts';
import { DEFAULT_RATE_LIMIT_PER_MINUTE, pageQuery } from '../../functions/ingestion/schemas/ingestion.ts';
import { DEFAULT_CALENDARS, DEFAULT_ESCALATION_POLICY, DEFAULT_SLA_POLICIES } from '../../functions/sla/defaults.ts';
import { configListQuery } from '../../functions/sla/schemas/calendar.ts';
import { DEFAULT_REPORT_DAYS, MAX_REPORT_DAYS, slaReportQuery } from '../../functions/sla/schemas/report.ts';
import type { ErrorTypeSlug } from './error-types.ts';
import type { REQUEST_SCHEMAS, RESPONSE_SCHEMAS } from './schemas.ts';

export const TAGS = {
  Incidents: 'Incidents, their notes and their audit trail',
  Directory: 'Assignment groups, business services and users: the records incidents refer to',
  Configuration: 'Settings kept in the table, changed without a deploy',
  Events: 'Incidents opened, acknowledged and resolved by monitoring tools: the PagerDuty Events API v2 intake and the integration keys it takes',
  SLA: 'Service level agreements: the policies that set targets, the calendars their clocks count in, the escalation policies of groups, and the SLA report',
  Changes:
    'Change requests (agents only): raised as drafts, assessed for risk and conflicts on submission, approved by the right board through the approval workflow, scheduled, implemented and reviewed; with their notes, audit trail, approvals and the change calendar',
  'Change configuration':
    'How changes are approved and planned: the change configuration (boards, quorum, approval timing, risk rules), the templates standard changes are raised from, and blackout windows (agents read, admins change)',
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
     * type is read, and of the errorTypes a body implies only payload-too-large remains.
     */
    readonly parsedByHandler?: boolean;
    /** The body may be left out (no body at all, not `{}`): then body-required is never answered. */
    readonly optional?: boolean;
  };
  readonly ifMatch?: 'required' | 'optional';
  /** The handler honours Idempotency-Key (a replay answers the first response). */
  readonly idempotencyKey?: boolean;
  readonly responses: Readonly<Partial<Record<200 | 201 | 202 | 204, SuccessResponse>>>;
  /** Error types this operation raises beyond those implied by its shape. */
  readonly errorTypes?: readonly ErrorTypeSlug[];
  /** Per status, what the generic list of problem types does not say. */
  readonly notes?: Readonly<Partial<Record<number, string>>>;
  /** Error answers that are not problem+json; each replaces the generic answer of its status. */
  readonly ownErrors?: Readonly<Partial<Record<400 | 413 | 429 | 500, OwnErrorResponse>>>;
}

const lifecycle = Object.entries(INCIDENT_TRANSITIONS)
  .map(([from, to]) => `- \`${from}\` -> ${to.length === 0 ? 'final' : to.map((s) => `\`${s}\``).join(', ')}`)
  .join('\n');

const pageNote = 'Pages come newest or oldest first as stated; a page may hold fewer than `limit` items while more follow: stop when `nextCursor` is absent.';

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
  errorTypes: kind.readers === 'agent' ? ['forbidden'] : [],
});

const getDirectory = (kind: DirectoryKind, operationId: string): OperationSpec => ({
  operationId,
  summary: `Get a ${kind.label}`,
  tag: 'Directory',
  audience: kind.readers,
  description: `Admins send the ETag back in If-Match to replace or delete the ${kind.label}.`,
  responses: { 200: { description: `The ${kind.label}`, schema: kind.schema, headers: ['ETag', 'Location'] } },
  errorTypes: kind.readers === 'agent' ? ['forbidden', 'not-found'] : ['not-found'],
});

const deleteDirectory = (kind: DirectoryKind, operationId: string, extra = '', errorTypes: readonly ErrorTypeSlug[] = []): OperationSpec => ({
  operationId,
  summary: `Delete a ${kind.label}`,
  tag: 'Directory',
  audience: 'admin',
  description: `Needs the current version in If-Match; the deletion is audited.${extra}`,
  ifMatch: 'required',
  responses: { 204: { description: 'Deleted' } },
  errorTypes: ['forbidden', 'not-found', ...errorTypes, 'delete-contended'],
});

const slaDefaults = [
  `Defaults written at the first deployment: calendars ${DEFAULT_CALENDARS.map((c) => `\`${c.name}\``).join(', ')};`,
  `policies ${DEFAULT_SLA_POLICIES.map((p) => `\`${p.name}\` (${p.appliesTo.priority?.join(', ')}: ${p.targets.response} / ${p.targets.resolution}, ${p.calendar})`).join(', ')}.`,
  'Admins change or delete them like any other record; a deleted default does not come back.',
].join(' ');

const changeLifecycle = Object.entries(CHANGE_TRANSITIONS)
  .map(([from, to]) => `- \`${from}\` -> ${to.length === 0 ? 'final' : to.map((s) => `\`${s}\``).join(', ')}`)
  .join('\n');

const changeTypes =
  'Three types: `standard`, a routine change raised from a pre-authorized template (GET /change-templates) and scheduled without anyone being asked; `normal`, assessed and approved by the group owning its services (low risk) or the change advisory board (medium or high risk); `emergency`, approved by the emergency board, allowed inside blackout windows, and always reviewed after implementation.';

const riskLevels = (() => {
  const { medium, high } = DEFAULT_CHANGE_CONFIG.riskRules.levels;
  return `\`low\`, \`medium\` from \`levels.medium\` points, \`high\` from \`levels.high\`; by default ${medium} and ${high}`;
})();

const changeConfigDefaults = [
  `the boards \`${DEFAULT_CHANGE_CONFIG.cabGroup}\` (CAB), \`${DEFAULT_CHANGE_CONFIG.emergencyGroup}\` (emergency CAB) and \`${DEFAULT_CHANGE_CONFIG.changeManagersGroup}\` (change managers), created as empty groups at the first deployment (add their members with PUT /groups/{name});`,
  `a CAB quorum of ${DEFAULT_CHANGE_CONFIG.cabQuorum}; approvals waiting ${DEFAULT_CHANGE_CONFIG.approvalTimeoutSeconds} seconds at a time, with ${DEFAULT_CHANGE_CONFIG.reminders} reminders before the change managers are told;`,
  "and the default risk rules. Admins change them like any other setting; the approval workflow's own settings (statemachines/README.md) may override the quorum and the timing per deployment.",
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
      'Requesters open incidents for themselves: they may not set `assignmentGroup` or `assignee`, nor a `caller` other than themselves, nor `impact` (the service desk assesses it, so no requester declares a P1; which of `impact` and `urgency` requesters may set is deployment configuration, `urgency` only by default): 403 `forbidden-field` naming each field, not silently dropped. Agents may set all fields.',
      '`service`, `assignmentGroup` and `assignee` must exist, and an assignee given with a group must be one of its members (400 `validation-error` naming the field).',
    ].join('\n\n'),
    body: { schema: 'CreateIncident' },
    idempotencyKey: true,
    responses: { 201: { description: 'Opened', schema: 'Incident', headers: ['Location', 'ETag', 'Idempotent-Replayed'] } },
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
      pageNote,
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
      400: 'An unknown value is a `validation-error` on its parameter, the message naming the value; `openedBefore` not after `openedAfter` is a `validation-error` on `openedBefore`.',
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
    ].join('\n\n'),
    body: { schema: 'UpdateIncident', mediaTypes: ['application/json', 'application/merge-patch+json'] },
    ifMatch: 'required',
    responses: { 200: { description: 'The incident as it is now', schema: 'Incident', headers: ['ETag', 'Location'] } },
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
    description: `Oldest first, like a conversation. Requesters see public notes only, on incidents they are the caller of. ${pageNote}`,
    query: historyQuery,
    responses: { 200: { description: 'One page of notes', schema: 'NotePage' } },
    errorTypes: ['not-found'],
  },
  'GET /incidents/{id}/history': {
    operationId: 'getIncidentHistory',
    summary: "Get an incident's audit trail",
    tag: 'Incidents',
    audience: 'requester',
    description: `Oldest first: one record per change, written in the same transaction as the change; records are never updated or deleted. Requesters see the trail of incidents they are the caller of, without the records of work notes. ${pageNote}`,
    query: historyQuery,
    responses: { 200: { description: 'One page of history records', schema: 'HistoryPage' } },
    errorTypes: ['not-found'],
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
    errorTypes: ['forbidden', 'not-found'],
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
    errorTypes: ['forbidden', 'already-exists'],
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
    errorTypes: ['forbidden', 'not-found'],
  },
  'DELETE /groups/{name}': deleteDirectory(
    GROUP,
    'deleteGroup',
    ' A group still named by a service (owner), the change configuration (a board), a change template, or an incident or change that is not final cannot be deleted (409 `group-in-use`, with `references`); its escalation policy goes with it. See docs/directory.md.',
    ['group-in-use'],
  ),

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
    errorTypes: ['forbidden', 'already-exists'],
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
    errorTypes: ['forbidden', 'not-found'],
  },
  'DELETE /services/{name}': deleteDirectory(
    SERVICE,
    'deleteService',
    ' A service still named by integration keys that are not revoked, an SLA policy, a change template, a blackout window that has not ended, or an incident or change that is not final cannot be deleted (409 `service-in-use`, with `references`). See docs/directory.md.',
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
    errorTypes: ['forbidden', 'not-found', 'already-exists'],
    notes: {
      400: 'An invalid `userId` in the path is a `validation-error` with location `path`.',
      404: 'Only with If-Match.',
      409: 'Only without If-Match.',
      412: 'Only with If-Match.',
    },
  },
  'DELETE /users/{userId}': deleteDirectory(
    USER,
    'deleteUser',
    ' The user leaves every group they are a member of, in the same transaction. A user who manages a group, is named by an escalation policy, or is assignee or caller of an incident that is not final cannot be deleted (409 `user-in-use`, with `references`); set `active` to false instead. See docs/directory.md.',
    ['user-in-use'],
  ),

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

  'GET /sla-policies': {
    operationId: 'listSlaPolicies',
    summary: 'List SLA policies',
    tag: 'SLA',
    audience: 'agent',
    description: `Sorted by name. ${slaDefaults} ${pageNote}`,
    query: configListQuery,
    responses: { 200: { description: 'One page of SLA policies', schema: 'SlaPolicyPage' } },
    errorTypes: ['forbidden'],
  },
  'POST /sla-policies': {
    operationId: 'createSlaPolicy',
    summary: 'Create an SLA policy',
    tag: 'SLA',
    audience: 'admin',
    description: [
      'Targets for the incidents `appliesTo` selects (every named criterion must match; none: every incident). When several policies match an incident, the most specific wins (service before category before priority), clock by clock; so two policies with exactly the same `appliesTo` may not both set the same target (409 `duplicate-policy-scope` naming the other).',
      "At least one target. Targets are ISO 8601 durations of weeks, days, hours, minutes and seconds (`PT15M`, `PT4H`, `PT90S`), more than 0 and at most a year, counted in the policy's `calendar`. With a calendar that has working hours, days and weeks are refused: a business day is not 24 hours, so write it in hours (`PT24H` is three 8-hour days).",
      '`pauseOn` (default `["on_hold"]`) lists the open statuses in which the clocks stop counting; `resolved` stops them anyway. `warnings` (default `[50, 75]`) are percentages of a target, ascending, 1 to 99, at which warnings are sent; the breach is 100.',
      "The calendar and `appliesTo.service` must exist (checked in the same transaction as the write: 400 naming the field). Clocks start when an incident is opened and keep a copy of their policy's target and calendar: a policy applies to incidents opened afterwards, and to running clocks that move to it when their incident's priority, service or category changes.",
    ].join('\n\n'),
    body: { schema: 'CreateSlaPolicy' },
    idempotencyKey: true,
    responses: { 201: { description: 'Created', schema: 'SlaPolicy', headers: ['Location', 'ETag', 'Idempotent-Replayed'] } },
    errorTypes: ['forbidden', 'already-exists', 'duplicate-policy-scope'],
  },
  'GET /sla-policies/{name}': {
    operationId: 'getSlaPolicy',
    summary: 'Get an SLA policy',
    tag: 'SLA',
    audience: 'agent',
    description: 'Admins send the ETag back in If-Match to replace or delete the policy.',
    responses: { 200: { description: 'The SLA policy', schema: 'SlaPolicy', headers: ['ETag', 'Location'] } },
    errorTypes: ['forbidden', 'not-found'],
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
    errorTypes: ['forbidden', 'not-found', 'duplicate-policy-scope'],
  },
  'DELETE /sla-policies/{name}': {
    operationId: 'deleteSlaPolicy',
    summary: 'Delete an SLA policy',
    tag: 'SLA',
    audience: 'admin',
    description:
      'Needs the current version in If-Match; the deletion is audited. Incidents opened afterwards get the next most specific policy, or no clock; running clocks keep their copy.',
    ifMatch: 'required',
    responses: { 204: { description: 'Deleted' } },
    errorTypes: ['forbidden', 'not-found'],
  },

  'GET /calendars': {
    operationId: 'listCalendars',
    summary: 'List calendars',
    tag: 'SLA',
    audience: 'agent',
    description: `Sorted by name. ${pageNote}`,
    query: configListQuery,
    responses: { 200: { description: 'One page of calendars', schema: 'CalendarPage' } },
    errorTypes: ['forbidden'],
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
    errorTypes: ['forbidden', 'already-exists'],
  },
  'GET /calendars/{name}': {
    operationId: 'getCalendar',
    summary: 'Get a calendar',
    tag: 'SLA',
    audience: 'agent',
    description: 'Admins send the ETag back in If-Match to replace or delete the calendar.',
    responses: { 200: { description: 'The calendar', schema: 'Calendar', headers: ['ETag', 'Location'] } },
    errorTypes: ['forbidden', 'not-found'],
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
    errorTypes: ['forbidden', 'not-found'],
  },
  'DELETE /calendars/{name}': {
    operationId: 'deleteCalendar',
    summary: 'Delete a calendar',
    tag: 'SLA',
    audience: 'admin',
    description:
      'Needs the current version in If-Match; the deletion is audited. A calendar that SLA policies count in cannot be deleted (409 `calendar-in-use`, `policies` names them).',
    ifMatch: 'required',
    responses: { 204: { description: 'Deleted' } },
    errorTypes: ['forbidden', 'not-found', 'calendar-in-use'],
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
    errorTypes: ['forbidden', 'not-found'],
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
      "1 to 10 levels; each notifies someone (`users`, the incident's `assignee`, its `group`, the group's `manager`) and has a `delay` from 1 second to 7 days; `repeat` is 0 to 5 (default 0). Named users must exist (400 naming each one). The group must exist (404).",
    ].join('\n'),
    body: { schema: 'PutEscalationPolicy' },
    ifMatch: 'optional',
    responses: {
      200: { description: 'Replaced', schema: 'EscalationPolicy', headers: ['ETag', 'Location'] },
      201: { description: 'Created (the group had none of its own)', schema: 'EscalationPolicy', headers: ['ETag', 'Location'] },
    },
    errorTypes: ['forbidden', 'not-found', 'precondition-required'],
    notes: { 404: 'The group does not exist.', 428: 'Only when the group has a policy of its own.' },
  },

  'GET /reports/sla': {
    operationId: 'getSlaReport',
    summary: 'Get the SLA report',
    tag: 'SLA',
    audience: 'agent',
    description: [
      `SLA attainment (response and resolution clocks met and breached), breaches, mean time to acknowledge and to resolve, over UTC days \`from\` to \`to\` (inclusive; default: the last ${DEFAULT_REPORT_DAYS} days, today included; at most ${MAX_REPORT_DAYS}), grouped by priority, assignment group or service, with totals.`,
      "Read from counters that every incident change keeps up to date in its own transaction, never from the incidents themselves: each outcome counts on the UTC day it happened, under the incident's priority, group and service at that moment. A reopened incident takes its resolution and its resolution clock's outcome back. Eventually consistent: a change made a second ago may not show yet.",
    ].join('\n\n'),
    query: slaReportQuery,
    responses: { 200: { description: 'The report', schema: 'SlaReport' } },
    errorTypes: ['forbidden'],
    notes: { 400: '`from` after `to`, or a range longer than the maximum, is a `validation-error` on `from`.' },
  },

  'POST /changes': {
    operationId: 'createChange',
    summary: 'Raise a change request',
    tag: 'Changes',
    audience: 'agent',
    description: [
      `A change starts as a \`draft\` (version 1) numbered CHG0001001 onwards. Nothing is assessed, approved or scheduled until it is submitted (POST /changes/{id}/submit); until then (and while it is \`assess\`) its plan can be edited. ${changeTypes}`,
      'A `normal` or `emergency` change needs a `title` and names no `template`. It may be drafted without plans, but needs `implementationPlan` and `backoutPlan` to be submitted.',
      "A `standard` change names an active `template` (400 on `template` when it does not exist or is retired) and takes from it its description, services, configuration items, implementation, backout and test plans and outage flag: sending any of these is refused (400 naming each field), since they are what was pre-authorized. It takes the template's title and assignment group too, unless the request gives its own.",
      `\`plannedEnd\` must come after \`plannedStart\`, at most ${MAX_CHANGE_WINDOW_DAYS} days later; instants are stored in UTC. \`services\` and \`assignmentGroup\` must exist (checked in the same transaction as the write: 400 naming the field, or \`template\` when the template names a service or group that is gone).`,
    ].join('\n\n'),
    body: { schema: 'CreateChange' },
    idempotencyKey: true,
    responses: { 201: { description: 'Raised, as a draft', schema: 'Change', headers: ['Location', 'ETag', 'Idempotent-Replayed'] } },
    errorTypes: ['forbidden'],
  },
  'GET /changes': {
    operationId: 'listChanges',
    summary: 'List change requests',
    tag: 'Changes',
    audience: 'agent',
    description: [
      'Newest first (by number). With `plannedFrom` and/or `plannedTo`: the changes whose planned window overlaps [plannedFrom, plannedTo), by planned start, earliest first. Different filters combine with AND; the values of one filter with OR: `status=assess,authorize` (or `status=assess&status=authorize`), at most 10 values per filter. Each list is read from an index, one key Query per value, all in flight together and merged, never a scan; a change affecting several of the services asked for is listed once.',
      'For what is planned around a date, with the blackout windows, GET /changes/calendar answers in one call.',
      pageNote,
    ].join('\n\n'),
    query: listChangesQuery,
    queryDescriptions: {
      status: 'Only changes in one of these statuses (comma-separated)',
      type: 'Only changes of one of these types (comma-separated)',
      assignmentGroup: 'Only changes assigned to one of these groups (comma-separated)',
    },
    responses: { 200: { description: 'One page of change requests', schema: 'ChangePage' } },
    errorTypes: ['forbidden'],
    notes: { 400: '`plannedTo` not after `plannedFrom` is a `validation-error` on `plannedTo`.' },
  },
  'GET /changes/calendar': {
    operationId: 'getChangeCalendar',
    summary: 'Get the change calendar',
    tag: 'Changes',
    audience: 'agent',
    description: [
      `What is planned in [from, to), at most ${MAX_CALENDAR_DAYS} days: the change requests whose planned window overlaps it, past \`draft\` and neither rejected nor canceled, by planned start (each as a summary; GET /changes/{id} has the rest), and the blackout windows overlapping it, by start. \`from\` and \`to\` are answered in UTC.`,
      'Not paginated: the range bounds the answer. For a longer period, ask range by range.',
    ].join('\n\n'),
    query: changeCalendarQuery,
    responses: { 200: { description: 'The changes and blackout windows of the range', schema: 'ChangeCalendar' } },
    errorTypes: ['forbidden'],
    notes: { 400: `\`to\` not after \`from\`, or more than ${MAX_CALENDAR_DAYS} days after it, is a \`validation-error\` on \`to\`.` },
  },
  'GET /changes/{id}': {
    operationId: 'getChange',
    summary: 'Get a change request',
    tag: 'Changes',
    audience: 'agent',
    description: [
      'By id or by number. Send the ETag back in If-Match to edit, submit or cancel the change, or to record its implementation and review.',
      `Status moves:\n\n${changeLifecycle}`,
      'The API makes the moves out of `draft` (submit), to `canceled` (cancel), to `review` and `closed` (implementation, review). The approval workflow makes the others: `assess` -> `authorize` when it asks the approvers (a standard change goes straight to `scheduled`), `scheduled` when they approve, `rejected` when they reject or never answer, and `implement` at the planned start. `workflow.state` says where the workflow is.',
    ].join('\n\n'),
    responses: { 200: { description: 'The change request', schema: 'Change', headers: ['ETag', 'Location'] } },
    errorTypes: ['forbidden', 'not-found'],
  },
  'PATCH /changes/{id}': {
    operationId: 'updateChange',
    summary: 'Edit a change request',
    tag: 'Changes',
    audience: 'agent',
    description: [
      `A merge patch of the plan: absent fields stay, \`null\` clears an optional field. Needs the current version in If-Match. Only a change in ${EDITABLE_STATUSES.map((s) => `\`${s}\``).join(' or ')} can be edited (409 \`not-editable\`, with \`changeStatus\` and \`editableStatuses\`): past assessment the plan is what was authorized. The type and the status change through their own operations, never here.`,
      'Editing a change in `assess` sends it back to `draft`: its `risk`, `conflicts` and `blackoutOverride` are removed, its approval round is `withdrawn` and its approval workflow is stopped, in the same request. A CAB approves the plan it assessed, so the edited plan is submitted again (POST /changes/{id}/submit), which assesses it again (risk, conflicts, blackout windows) and opens a new round.',
      `The window and the references are checked as on creation (\`plannedEnd\` after \`plannedStart\`, at most ${MAX_CHANGE_WINDOW_DAYS} days; the services and the group it adds must exist). Submitting it again needs a normal or emergency change's \`implementationPlan\` and \`backoutPlan\`.`,
      'A patch that restates the current values changes nothing: 200 with the same version.',
    ].join('\n\n'),
    body: { schema: 'UpdateChange', mediaTypes: ['application/json', 'application/merge-patch+json'] },
    ifMatch: 'required',
    responses: { 200: { description: 'The change request as it is now', schema: 'Change', headers: ['ETag', 'Location'] } },
    errorTypes: ['empty-patch', 'forbidden', 'not-found', 'not-editable'],
  },
  'POST /changes/{id}/submit': {
    operationId: 'submitChange',
    summary: 'Submit a change request for approval',
    tag: 'Changes',
    audience: 'agent',
    description: [
      'Hands a `draft` to assessment and approval. Needs the current version in If-Match (which also makes a retry safe: this POST takes no Idempotency-Key). The body is optional: only an admin overriding a blackout window sends one.',
      `**Assessment**, in one write: the change moves to \`assess\` with its \`risk\` and \`conflicts\`. The risk is computed, never typed in, by the risk rules of GET /change-config: points for the most critical affected service, more services, many configuration items, an outage, an emergency, scheduling conflicts, and the failure rate of past changes on the same services; \`risk.reasons\` names each rule that added points, with its points, and the score decides the level (${riskLevels}). The conflicts are the scheduled or implementing changes whose window overlaps this one's and that share a service or configuration item, and the blackout windows that apply to it.`,
      '**Blackout windows.** A change whose planned window overlaps a blackout window that applies to it (one naming any of its services, or one naming no service) is refused with 409 `blackout-conflict` (`blackouts` lists them) and nothing is written, unless it is an `emergency`, or an admin submits it with `blackoutOverride` and a reason, which is recorded on the change. Overlapping changes do not block a submission: they are recorded and add to the risk.',
      `**Approval.** The approval workflow then starts, with the change configuration of this moment. A \`standard\` change is pre-approved: it is scheduled without anyone being asked. A \`normal\` change of low risk waits for one approval from the group that owns its services (failing that, its assignment group, then the CAB); of medium or high risk, for \`cabQuorum\` approvals from the CAB. An \`emergency\` change waits for one approval from the emergency CAB, and always owes a post-implementation review. The approval round is recorded with the submission: GET /changes/{id}/approvals lists it as soon as this answers (\`attempt\` 0, \`asked\`: who will be asked); it takes votes at once (POST /changes/{id}/approvals). The workflow asks the board right after and the change shows \`authorize\` while the board decides; votes cast before count, and a round they already decided is settled then. When nobody decides within \`approvalTimeoutSeconds\`, the approvers who have not voted are reminded, \`reminders\` times, then the change managers are told and may vote too, then the change expires (\`rejected\`). Approved, it is \`scheduled\`; at its planned start the blackout windows are read again, and it moves to \`implement\` and its implementers are told, unless a freeze declared since holds it (\`startBlocked\`; see POST /changes/{id}/start-override).`,
      'A normal or emergency change without `implementationPlan` or `backoutPlan` cannot be submitted (400 `validation-error` naming the field; add it with PATCH first). A change past `draft` cannot be submitted again (409 `invalid-transition`).',
    ].join('\n\n'),
    body: { schema: 'SubmitChange', optional: true },
    ifMatch: 'required',
    responses: {
      200: {
        description: 'Submitted: the change in `assess`, with its risk and conflicts (the workflow moves it on right after)',
        schema: 'Change',
        headers: ['ETag', 'Location'],
      },
    },
    errorTypes: ['forbidden', 'not-found', 'invalid-transition', 'blackout-conflict', 'workflow-not-started'],
    notes: {
      403: 'Requesters; and agents who send `blackoutOverride`, which only admins may.',
      409: 'A change that is not a `draft` (`invalid-transition`), except one in `assess` after a 503, whose workflow this starts (200); or a window inside a blackout window.',
      503: 'The change was submitted (it is `assess`, with a new version: `etag` in the problem), but its approval workflow did not start. Submit it again with that ETag: the retry starts the workflow, without assessing the change again, and answers 200.',
    },
  },
  'POST /changes/{id}/cancel': {
    operationId: 'cancelChange',
    summary: 'Cancel a change request',
    tag: 'Changes',
    audience: 'agent',
    description: [
      'Withdraws a change that has not started: `draft`, `assess`, `authorize` or `scheduled`. Once implementation has started there is no way out but through review (409 `invalid-transition`): work done on production has to be accounted for.',
      'Needs the current version in If-Match (which also makes a retry safe: this POST takes no Idempotency-Key) and a `reason`, kept as `cancelReason`. The approval workflow is stopped and the round takes no more votes; whoever raised the change (unless they cancel it themselves) and its assignment group are told.',
    ].join('\n\n'),
    body: { schema: 'CancelChange' },
    ifMatch: 'required',
    responses: { 200: { description: 'Canceled', schema: 'Change', headers: ['ETag', 'Location'] } },
    errorTypes: ['forbidden', 'not-found', 'invalid-transition'],
  },
  'POST /changes/{id}/approvals': {
    operationId: 'voteOnChange',
    summary: 'Approve or reject a change request',
    tag: 'Changes',
    audience: 'agent',
    description: [
      "A vote on the change's current approval round, from the moment the change is submitted (`assess`: the round is recorded with the submission) while it waits for approval (`authorize`). **Who may vote:** the members of the round's board (`groups` in GET /changes/{id}/approvals: the group owning the services, the CAB or the emergency CAB), except whoever raised the change: nobody approves their own change. Once the round is escalated (`escalated: true`, after the reminders went unanswered), the members of the change managers group (GET /change-config) may vote too. Anyone else gets 403.",
      "Each person votes once per round (409 `already-voted`). A rejection needs a `comment` (the requester needs to know why) and rejects the round at once; approvals reaching the round's `quorum` approve it. The vote that decides the round resumes the approval workflow: the change becomes `scheduled`, or `rejected` with the rejection recorded, a moment later (the answer's `approval.status` says which; read the change again for its status and ETag). A decided round, or a change that is not waiting for approval, takes no vote (409 `not-awaiting-approval`).",
      "A vote does not change the version of the change (its ETag stays); it is recorded in the change's history, and the requester is told.",
    ].join('\n\n'),
    body: { schema: 'ApprovalVote' },
    idempotencyKey: true,
    responses: {
      201: { description: 'Counted: the vote, and the round with its tally after it', schema: 'ApprovalVoteRecorded', headers: ['Idempotent-Replayed'] },
    },
    errorTypes: ['forbidden', 'not-found', 'not-awaiting-approval', 'already-voted'],
    notes: { 400: '`reject` without a `comment` is a `validation-error` on `comment`.' },
  },
  'GET /changes/{id}/approvals': {
    operationId: 'listChangeApprovals',
    summary: "List a change request's approvals",
    tag: 'Changes',
    audience: 'agent',
    description:
      "Every approval round of the change, in order (one per submission): the board, its groups and quorum, who was asked (the board's members when the round opened, without the requester), the tally, reminders and escalation, the outcome, and each response with its comment, oldest first. A draft has none, nor has a standard change: it is pre-approved.",
    responses: { 200: { description: 'The approval rounds of the change', schema: 'ChangeApprovals' } },
    errorTypes: ['forbidden', 'not-found'],
  },
  'POST /changes/{id}/implementation': {
    operationId: 'recordChangeImplementation',
    summary: "Record a change request's implementation",
    tag: 'Changes',
    audience: 'agent',
    description: [
      'How the implementation went (`successful`, `failed` or `backed_out`) with notes, once the approval workflow has moved the change to `implement` (at its planned start). Needs the current version in If-Match (which also makes a retry safe: this POST takes no Idempotency-Key).',
      "A successful change that owes no review closes at once (`closed`). An emergency change, and any change that failed or was backed out, goes to `review` (`reviewRequired: true`) and waits for its post-implementation review (POST /changes/{id}/review). The outcome counts in the failure history of the change's services, which the risk rules read when their next change is submitted.",
    ].join('\n\n'),
    body: { schema: 'ChangeImplementation' },
    ifMatch: 'required',
    responses: { 200: { description: 'The change in `review`, or `closed`', schema: 'Change', headers: ['ETag', 'Location'] } },
    errorTypes: ['forbidden', 'not-found', 'invalid-transition'],
    notes: { 409: 'The change is not `implement`.' },
  },
  'POST /changes/{id}/review': {
    operationId: 'recordChangeReview',
    summary: "Record a change request's review",
    tag: 'Changes',
    audience: 'agent',
    description:
      'Records the post-implementation review (`summary`) of a change in `review` and closes it (`closed`, with `closedAt`). Needs the current version in If-Match (which also makes a retry safe: this POST takes no Idempotency-Key).',
    body: { schema: 'ChangeReview' },
    ifMatch: 'required',
    responses: { 200: { description: 'The change, closed', schema: 'Change', headers: ['ETag', 'Location'] } },
    errorTypes: ['forbidden', 'not-found', 'invalid-transition'],
    notes: { 409: 'The change is not `review`.' },
  },
  'POST /changes/{id}/start-override': {
    operationId: 'overrideChangeStart',
    summary: 'Let a change start despite a freeze',
    tag: 'Changes',
    audience: 'admin',
    description: [
      "At a scheduled change's planned start the approval workflow reads the blackout windows again. One declared after the change was assessed that applies to it (and that an admin did not let through at submission) holds the start: the change stays `scheduled` with `startBlocked` (`at`, and the `blackouts`), its history records it, and `Change Start Blocked` tells whoever raised it, its group and the change managers. An emergency change is never held.",
      'A held change starts when the freeze no longer covers its window (deleted or moved: the workflow checks again every `blockedRecheckSeconds`, an hour by default, and removes `startBlocked`), or when an admin calls this operation with a `reason`: the override is recorded on the change (`startOverride`: who, when, why; `Change Start Overridden`) and the change moves to `implement` at once. To move the change instead, cancel it and raise it again. Needs the current version in If-Match.',
    ].join('\n\n'),
    body: { schema: 'StartOverride' },
    ifMatch: 'required',
    responses: {
      200: {
        description: 'The override is recorded; the change is still `scheduled`, and moves to `implement` right after',
        schema: 'Change',
        headers: ['ETag', 'Location'],
      },
    },
    errorTypes: ['forbidden', 'not-found', 'not-blocked'],
    notes: { 403: 'Anyone but an admin.' },
  },
  'POST /changes/{id}/notes': {
    operationId: 'addChangeNote',
    summary: 'Add a note to a change request',
    tag: 'Changes',
    audience: 'agent',
    description:
      "A work note. Changes are agents' work, so every note is internal; there are no public notes. The note is recorded in the change's history and its assignment group is told; the change itself and its ETag stay as they are.",
    body: { schema: 'AddChangeNote' },
    idempotencyKey: true,
    responses: { 201: { description: 'Added', schema: 'ChangeNote', headers: ['Idempotent-Replayed'] } },
    errorTypes: ['forbidden', 'not-found'],
  },
  'GET /changes/{id}/notes': {
    operationId: 'listChangeNotes',
    summary: "List a change request's notes",
    tag: 'Changes',
    audience: 'agent',
    description: `Oldest first, like a conversation. ${pageNote}`,
    query: changePageQuery,
    responses: { 200: { description: 'One page of notes', schema: 'ChangeNotePage' } },
    errorTypes: ['forbidden', 'not-found'],
  },
  'GET /changes/{id}/history': {
    operationId: 'getChangeHistory',
    summary: "Get a change request's audit trail",
    tag: 'Changes',
    audience: 'agent',
    description: `Oldest first: one record per write, by agents and by the approval workflow, with the fields it changed, written in the same transaction as the write; records are never updated or deleted. Votes, reminders and escalations are recorded as \`approval.*\` fields (the change's version stays), notes as \`note_added\` without their text. ${pageNote}`,
    query: changePageQuery,
    responses: { 200: { description: 'One page of history records', schema: 'ChangeHistoryPage' } },
    errorTypes: ['forbidden', 'not-found'],
  },

  'GET /change-templates': {
    operationId: 'listChangeTemplates',
    summary: 'List change templates',
    tag: 'Change configuration',
    audience: 'agent',
    description: `Sorted by name, retired ones (\`active: false\`) included. ${pageNote}`,
    query: directoryListQuery,
    responses: { 200: { description: 'One page of change templates', schema: 'ChangeTemplatePage' } },
    errorTypes: ['forbidden'],
  },
  'POST /change-templates': {
    operationId: 'createChangeTemplate',
    summary: 'Create a change template',
    tag: 'Change configuration',
    audience: 'admin',
    description: [
      'A pre-authorized change: a proven procedure for a routine change on named services. A template is an authorization given in advance, so only admins write it. Standard changes raised from it (POST /changes with `type: standard` and `template`) copy its title, description, services, configuration items, plans, outage flag and assignment group, and are scheduled on submission without anyone being asked.',
      '`services` (at least one) and `assignmentGroup` must exist (checked in the same transaction as the write: 400 naming the field). `configurationItems` defaults to none, `outageRequired` to false, `active` to true.',
    ].join('\n\n'),
    body: { schema: 'CreateChangeTemplate' },
    idempotencyKey: true,
    responses: { 201: { description: 'Created', schema: 'ChangeTemplate', headers: ['Location', 'ETag', 'Idempotent-Replayed'] } },
    errorTypes: ['forbidden', 'already-exists'],
  },
  'GET /change-templates/{name}': {
    operationId: 'getChangeTemplate',
    summary: 'Get a change template',
    tag: 'Change configuration',
    audience: 'agent',
    description: 'Admins send the ETag back in If-Match to replace or delete the template.',
    responses: { 200: { description: 'The change template', schema: 'ChangeTemplate', headers: ['ETag', 'Location'] } },
    errorTypes: ['forbidden', 'not-found'],
  },
  'PUT /change-templates/{name}': {
    operationId: 'replaceChangeTemplate',
    summary: 'Replace a change template',
    tag: 'Change configuration',
    audience: 'admin',
    description: [
      'Replaces every field, with the rules of creation: an absent optional field is removed, absent `configurationItems`, `outageRequired` and `active` take their defaults. Needs the current version in If-Match. A replacement equal to the current template changes nothing (200, same version).',
      'Set `active: false` to retire the template: no standard change can be raised from it any more. Changes raised from it before keep what they copied: editing a template never alters them.',
    ].join('\n\n'),
    body: { schema: 'ReplaceChangeTemplate' },
    ifMatch: 'required',
    responses: { 200: { description: 'The change template as it is now', schema: 'ChangeTemplate', headers: ['ETag', 'Location'] } },
    errorTypes: ['forbidden', 'not-found'],
  },
  'DELETE /change-templates/{name}': {
    operationId: 'deleteChangeTemplate',
    summary: 'Delete a change template',
    tag: 'Change configuration',
    audience: 'admin',
    description:
      'Needs the current version in If-Match; the deletion is audited. Changes raised from the template keep what they copied, and its name in `template`. To stop its use but keep it on record, retire it instead (`active: false`).',
    ifMatch: 'required',
    responses: { 204: { description: 'Deleted' } },
    errorTypes: ['forbidden', 'not-found'],
  },

  'GET /blackout-windows': {
    operationId: 'listBlackoutWindows',
    summary: 'List blackout windows',
    tag: 'Change configuration',
    audience: 'agent',
    description: `By end, then name. With \`from\`, only the windows ending after it: pass the current time for the running and upcoming freezes. GET /changes/calendar shows them next to the changes of a range. ${pageNote}`,
    query: blackoutListQuery,
    responses: { 200: { description: 'One page of blackout windows', schema: 'BlackoutWindowPage' } },
    errorTypes: ['forbidden'],
  },
  'POST /blackout-windows': {
    operationId: 'createBlackoutWindow',
    summary: 'Create a blackout window',
    tag: 'Change configuration',
    audience: 'admin',
    description: [
      `A change freeze over [start, end): \`end\` exclusive, after \`start\` and at most ${MAX_BLACKOUT_DAYS} days later (400 on \`end\`); both stored in UTC. It applies to the changes touching any of its \`services\` (each must exist: 400 naming it), or, without \`services\`, to every change.`,
      'A change whose planned window overlaps a freeze that applies to it is refused at submission (409 `blackout-conflict` on POST /changes/{id}/submit) unless it is an emergency change, or an admin submits it with `blackoutOverride` and a reason. A change scheduled before the freeze was created does not start inside it: at its planned start it is held (`startBlocked`) until the freeze is lifted or an admin lets it start (POST /changes/{id}/start-override).',
    ].join('\n\n'),
    body: { schema: 'CreateBlackoutWindow' },
    idempotencyKey: true,
    responses: { 201: { description: 'Created', schema: 'BlackoutWindow', headers: ['Location', 'ETag', 'Idempotent-Replayed'] } },
    errorTypes: ['forbidden', 'already-exists'],
  },
  'GET /blackout-windows/{name}': {
    operationId: 'getBlackoutWindow',
    summary: 'Get a blackout window',
    tag: 'Change configuration',
    audience: 'agent',
    description: 'Admins send the ETag back in If-Match to replace or delete the window.',
    responses: { 200: { description: 'The blackout window', schema: 'BlackoutWindow', headers: ['ETag', 'Location'] } },
    errorTypes: ['forbidden', 'not-found'],
  },
  'PUT /blackout-windows/{name}': {
    operationId: 'replaceBlackoutWindow',
    summary: 'Replace a blackout window',
    tag: 'Change configuration',
    audience: 'admin',
    description: `Replaces every field, with the rules of creation: an absent optional field is removed (no \`services\`: the freeze applies to every change). Needs the current version in If-Match. A replacement equal to the current window changes nothing (200, same version). Applies to submissions from then on; changes submitted before keep the conflicts found then.`,
    body: { schema: 'ReplaceBlackoutWindow' },
    ifMatch: 'required',
    responses: { 200: { description: 'The blackout window as it is now', schema: 'BlackoutWindow', headers: ['ETag', 'Location'] } },
    errorTypes: ['forbidden', 'not-found'],
  },
  'DELETE /blackout-windows/{name}': {
    operationId: 'deleteBlackoutWindow',
    summary: 'Delete a blackout window',
    tag: 'Change configuration',
    audience: 'admin',
    description: 'Needs the current version in If-Match; the deletion is audited. Lifts the freeze for submissions from then on.',
    ifMatch: 'required',
    responses: { 204: { description: 'Deleted' } },
    errorTypes: ['forbidden', 'not-found'],
  },

  'GET /change-config': {
    operationId: 'getChangeConfig',
    summary: 'Get the change configuration',
    tag: 'Change configuration',
    audience: 'agent',
    description: [
      "Who approves changes (the boards are directory groups), the CAB's quorum, how long approvals wait and how often approvers are reminded, and the risk rules that score changes at submission. Agents read it: it explains a change's risk and who it went to.",
      `Until an admin changes it, the defaults with version 0: ${changeConfigDefaults}`,
    ].join('\n\n'),
    responses: { 200: { description: 'The change configuration in force', schema: 'ChangeConfig', headers: ['ETag'] } },
    errorTypes: ['forbidden'],
  },
  'PUT /change-config': {
    operationId: 'replaceChangeConfig',
    summary: 'Replace the change configuration',
    tag: 'Change configuration',
    audience: 'admin',
    description: [
      'Replaces every field. Needs the current version in If-Match (`"0"` before the first change). A replacement equal to the current configuration changes nothing (200, same version); the change is recorded in the settings history.',
      `The three boards must be existing groups (checked in the same transaction as the write: 400 naming the field). \`cabQuorum\` 1 to ${MAX_CAB_QUORUM}; \`approvalTimeoutSeconds\` ${MIN_APPROVAL_TIMEOUT_SECONDS} to ${MAX_APPROVAL_TIMEOUT_SECONDS}; \`reminders\` 0 to ${MAX_REMINDERS}. In \`riskRules\`, points, caps and counts are non-negative integers, failure-rate thresholds distinct rates from 0 to 1, and \`levels.medium\` below \`levels.high\` (400 naming each field).`,
      'Applies to changes submitted afterwards: a submitted change keeps the risk it was given and the approval round it was sent to, whose workflow runs with the configuration of its submission.',
    ].join('\n\n'),
    body: { schema: 'PutChangeConfig' },
    ifMatch: 'required',
    responses: { 200: { description: 'The change configuration now in force', schema: 'ChangeConfig', headers: ['ETag'] } },
    errorTypes: ['forbidden'],
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
          'The event could not be recorded (`error`): nothing recorded, no rate-limit slot spent; retry. A function that did not answer at all gets API Gateway\'s `{"message":"Internal Server Error"}`.',
        schemas: ['PagerDutyError', 'GatewayError'],
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
    errorTypes: ['unavailable'],
    notes: { 503: 'The table did not answer: down, not a bug. Not cached.' },
  },
  'GET /openapi.json': {
    operationId: 'getOpenApiDocument',
    summary: 'Get this API description',
    tag: 'Platform',
    audience: 'public',
    description:
      "This OpenAPI 3.1 document, generated from the zod schemas the functions validate with. Sent gzip-compressed (`Content-Encoding: gzip`, `Vary: Accept-Encoding`) when the request's `Accept-Encoding` takes gzip (browsers and most HTTP libraries send it), as plain JSON otherwise (`curl` without `--compressed`).",
    responses: { 200: { description: 'The document', schema: 'OpenApiDocument', headers: ['Cache-Control'] } },
  },
};
