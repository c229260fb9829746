/**
 * The zod schemas the API description is made of, each under the name it gets in
 * `components/schemas`. Request schemas are converted as zod *input* (what a client may send:
 * defaults make fields optional, coerced query values), response schemas as zod *output* (what the
 * API answers). Schemas that exist only to describe an answer (list pages, the matrix with its
 * version, API Gateway's own error body) are defined here, from the functions' schemas.
 */
import * as z from 'zod';
import {
  createGroupBody,
  createServiceBody,
  groupSchema,
  putUserBody,
  replaceGroupBody,
  replaceServiceBody,
  serviceSchema,
  userSchema,
} from '../../functions/directory/schemas/directory.ts';
import {
  addNoteBody,
  createIncidentBody,
  historyRecordSchema,
  incidentListItemSchema,
  incidentSchema,
  noteSchema,
  priorityMatrixBody,
  slaClockViewSchema,
  updateIncidentBody,
} from '../../functions/incidents/schemas/incident.ts';
import {
  approvalRoundSchema,
  approvalVoteBody,
  changeApprovalsSchema,
  implementationBody,
  reviewBody,
  startOverrideBody,
  submitChangeBody,
  voteResponseSchema,
} from '../../functions/changes/schemas/approval.ts';
import {
  addChangeNoteBody,
  calendarBlackoutSchema,
  cancelChangeBody,
  changeCalendarSchema,
  changeConflictSchema,
  changeHistoryRecordSchema,
  changeNoteSchema,
  changeSchema,
  changeSummarySchema,
  createChangeBody,
  updateChangeBody,
} from '../../functions/changes/schemas/change.ts';
import {
  blackoutWindowSchema,
  changeConfigSchema,
  changeTemplateSchema,
  createBlackoutWindowBody,
  createChangeTemplateBody,
  putChangeConfigBody,
  replaceBlackoutWindowBody,
  replaceChangeTemplateBody,
  riskRulesSchema,
} from '../../functions/changes/schemas/config.ts';
import { ALERT_ACTIONS, type AlertSource, SEVERITIES } from '../../functions/ingestion/domain/alert-event.ts';
import { pagerDutyEvent } from '../../functions/ingestion/domain/pagerduty.ts';
import { createdIntegrationSchema, createIntegrationBody, integrationSchema } from '../../functions/ingestion/schemas/ingestion.ts';
// Types only: the store module connects to the table when loaded.
import type { EventOutcome } from '../../functions/ingestion/store/alert-store.ts';
import { isoTimestamp, listEnvelope, problemDetailsSchema, slug, userId } from '../../functions/shared/schemas/common.ts';
import { calendarSchema, createCalendarBody, replaceCalendarBody } from '../../functions/sla/schemas/calendar.ts';
import { escalationPolicySchema, putEscalationPolicyBody } from '../../functions/sla/schemas/escalation-policy.ts';
import { slaReportSchema } from '../../functions/sla/schemas/report.ts';
import { createSlaPolicyBody, replaceSlaPolicyBody, slaPolicySchema } from '../../functions/sla/schemas/sla-policy.ts';

const fieldError = problemDetailsSchema.shape.errors.unwrap().element.shape;

/**
 * The problem schema with its members described (here rather than in common.ts, whose schemas are
 * bundled into every function), and the members some types add (see functions/shared/errors.ts).
 */
export const problemDetails = problemDetailsSchema
  .extend({
    type: problemDetailsSchema.shape.type.describe('`tag:open-itsm,2026:problem/<slug>`; the slugs are listed with each response'),
    title: problemDetailsSchema.shape.title.describe('Short, the same for every occurrence of the type'),
    status: problemDetailsSchema.shape.status.describe('The HTTP status code'),
    detail: problemDetailsSchema.shape.detail.describe('What went wrong this time, for people'),
    instance: problemDetailsSchema.shape.instance.describe('The request path'),
    errors: z
      .array(
        z.object({
          location: fieldError.location.describe('Where the field lives: body, query, path or header'),
          path: fieldError.path.describe('Dotted path, e.g. `members.2`; empty for the whole part'),
          pointer: fieldError.pointer.describe('RFC 6901 JSON pointer into that part, e.g. `#/members/2`'),
          message: fieldError.message,
        }),
      )
      .optional()
      .describe('One entry per offending field (validation-error, forbidden-field, invalid-cursor)'),
    currentEtag: z.string().optional().describe('precondition-failed: the ETag the resource has now, when known'),
    from: z.string().optional().describe('invalid-transition: the status the incident or change is in'),
    to: z.string().optional().describe('invalid-transition: the status asked for'),
    allowedTransitions: z.array(z.string()).optional().describe('invalid-transition: the statuses it may move to'),
    changeStatus: z.string().optional().describe('not-editable: the status the change is in'),
    editableStatuses: z.array(z.string()).optional().describe('not-editable: the statuses in which a change can be edited'),
    blackouts: z.array(changeConflictSchema).optional().describe('blackout-conflict: the blackout windows the change window overlaps'),
    etag: z.string().optional().describe('workflow-not-started: the ETag of the submitted change, to submit it again with'),
    policies: z.array(z.string()).optional().describe('calendar-in-use: the SLA policies counting in the calendar'),
    policy: z.string().optional().describe('duplicate-policy-scope: the SLA policy that already has this scope'),
    requestId: z
      .string()
      .optional()
      .describe(
        "Every 5xx (internal-error, unavailable, workflow-not-started): API Gateway's request id, as in the `apigw-requestid` response header and the access log; quote it when reporting the failure",
      ),
  })
  .loose()
  .describe('RFC 9457 problem details; further members may be added to any type');

/** What API Gateway itself answers when a request never reaches a function (401, 413, 429, ...). */
export const gatewayError = z
  .object({ message: z.string().describe('e.g. `Unauthorized`, `Too Many Requests`') })
  .describe("API Gateway's own error body (not problem+json)");

export const priorityMatrixConfig = priorityMatrixBody
  .extend({ version: z.number().int().describe('Also sent as the ETag; 0 until the matrix is first changed') })
  .describe('The matrix in force and its version');

export const health = z.object({ status: z.literal('ok') });

/** The answer of GET /openapi.json: this document (described loosely, not by itself). */
export const openApiDocument = z
  .looseObject({ openapi: z.string(), info: z.looseObject({ title: z.string(), version: z.string() }), paths: z.looseObject({}) })
  .describe('An OpenAPI 3.1 document');

/**
 * The PagerDuty Events API v2 body, as functions/ingestion/domain/pagerduty.ts validates it. It is
 * a plain (stripping) zod object, which converts as zod input without `additionalProperties`:
 * unknown members are ignored, as PagerDuty ignores them, and the schema says so by staying open.
 */
export const pagerDutyEventRequest = pagerDutyEvent.meta({
  description:
    'A PagerDuty Events API v2 event (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/). `event_action` selects the shape: `trigger` needs `payload` (`summary`, `source`, `severity`); `acknowledge` and `resolve` need `dedup_key`; of their payload only `summary` is kept. Members not listed here are ignored, not refused.',
});

/** PagerDuty's own answers (not problem+json): the tools that speak Events v2 parse them. */
export const pagerDutyAccepted = z
  .object({
    status: z.literal('success'),
    message: z.string().describe('`Event processed`'),
    dedup_key: z
      .string()
      .describe('The dedup key of the event: the one sent, or for a trigger without one, a generated key to acknowledge and resolve it with'),
  })
  .describe('The event is recorded; it is applied to incidents right after');

export const pagerDutyInvalid = z
  .object({
    status: z.literal('invalid event'),
    message: z.string().describe('e.g. `Event object is invalid`'),
    errors: z.array(z.string()).describe("One message per problem, naming the field, e.g. `'payload.severity' is missing`"),
  })
  .describe("PagerDuty's answer to an event it refuses: nothing was recorded");

export const pagerDutyThrottled = z
  .object({ status: z.literal('throttle event'), message: z.string(), errors: z.array(z.string()) })
  .describe("PagerDuty's answer when the integration key sent more events this minute than its `rateLimitPerMinute`: nothing was recorded");

export const pagerDutyError = z
  .object({ status: z.literal('error'), message: z.string(), errors: z.array(z.string()) })
  .describe("An unexpected failure while recording the event, in PagerDuty's shape: nothing was recorded and no rate-limit slot was spent; retry");

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
export const incidentEvent = z
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

/** Parts of requests and responses alike: converted both ways, which must agree. */
export const SHARED_SCHEMAS = {
  PriorityMatrixRow: priorityMatrixBody.shape.matrix.shape['1'],
  RiskRules: riskRulesSchema,
} as const satisfies Record<string, z.ZodType>;

/** Request bodies: converted with `io: 'input'`. */
export const REQUEST_SCHEMAS = {
  CreateIncident: createIncidentBody,
  UpdateIncident: updateIncidentBody,
  AddNote: addNoteBody,
  PriorityMatrix: priorityMatrixBody,
  CreateGroup: createGroupBody,
  ReplaceGroup: replaceGroupBody,
  CreateService: createServiceBody,
  ReplaceService: replaceServiceBody,
  PutUser: putUserBody,
  CreateIntegration: createIntegrationBody,
  PagerDutyEvent: pagerDutyEventRequest,
  CreateCalendar: createCalendarBody,
  ReplaceCalendar: replaceCalendarBody,
  CreateSlaPolicy: createSlaPolicyBody,
  ReplaceSlaPolicy: replaceSlaPolicyBody,
  PutEscalationPolicy: putEscalationPolicyBody,
  CreateChange: createChangeBody,
  UpdateChange: updateChangeBody,
  SubmitChange: submitChangeBody,
  CancelChange: cancelChangeBody,
  ApprovalVote: approvalVoteBody,
  ChangeImplementation: implementationBody,
  ChangeReview: reviewBody,
  StartOverride: startOverrideBody,
  AddChangeNote: addChangeNoteBody,
  CreateChangeTemplate: createChangeTemplateBody,
  ReplaceChangeTemplate: replaceChangeTemplateBody,
  CreateBlackoutWindow: createBlackoutWindowBody,
  ReplaceBlackoutWindow: replaceBlackoutWindowBody,
  PutChangeConfig: putChangeConfigBody,
} as const satisfies Record<string, z.ZodType>;

/** Response bodies: converted with `io: 'output'`. */
export const RESPONSE_SCHEMAS = {
  Incident: incidentSchema,
  IncidentListItem: incidentListItemSchema,
  IncidentPage: listEnvelope(incidentListItemSchema),
  IncidentAlert: incidentSchema.shape.alert.unwrap(),
  SlaClock: slaClockViewSchema,
  IncidentEvent: incidentEvent,
  IncidentEventPage: listEnvelope(incidentEvent),
  Note: noteSchema,
  NotePage: listEnvelope(noteSchema),
  HistoryRecord: historyRecordSchema,
  HistoryPage: listEnvelope(historyRecordSchema),
  Group: groupSchema,
  GroupPage: listEnvelope(groupSchema),
  Service: serviceSchema,
  ServicePage: listEnvelope(serviceSchema),
  User: userSchema,
  UserPage: listEnvelope(userSchema),
  Integration: integrationSchema,
  IntegrationPage: listEnvelope(integrationSchema),
  CreatedIntegration: createdIntegrationSchema,
  PriorityMatrixConfig: priorityMatrixConfig,
  Calendar: calendarSchema,
  CalendarPage: listEnvelope(calendarSchema),
  SlaPolicy: slaPolicySchema,
  SlaPolicyPage: listEnvelope(slaPolicySchema),
  EscalationPolicy: escalationPolicySchema,
  SlaReport: slaReportSchema,
  Change: changeSchema,
  ChangePage: listEnvelope(changeSchema),
  ChangeConflict: changeConflictSchema,
  ChangeSummary: changeSummarySchema,
  CalendarBlackout: calendarBlackoutSchema,
  ChangeCalendar: changeCalendarSchema,
  ChangeNote: changeNoteSchema,
  ChangeNotePage: listEnvelope(changeNoteSchema),
  ChangeHistoryRecord: changeHistoryRecordSchema,
  ChangeHistoryPage: listEnvelope(changeHistoryRecordSchema),
  ApprovalRound: approvalRoundSchema,
  ApprovalVoteRecorded: voteResponseSchema,
  ChangeApprovals: changeApprovalsSchema,
  ChangeTemplate: changeTemplateSchema,
  ChangeTemplatePage: listEnvelope(changeTemplateSchema),
  BlackoutWindow: blackoutWindowSchema,
  BlackoutWindowPage: listEnvelope(blackoutWindowSchema),
  ChangeConfig: changeConfigSchema,
  Health: health,
  OpenApiDocument: openApiDocument,
  ProblemDetails: problemDetails,
  GatewayError: gatewayError,
  PagerDutyAccepted: pagerDutyAccepted,
  PagerDutyInvalid: pagerDutyInvalid,
  PagerDutyThrottled: pagerDutyThrottled,
  PagerDutyError: pagerDutyError,
  Timestamp: isoTimestamp,
} as const satisfies Record<string, z.ZodType>;

/** Path parameters by name, as they appear in the route table's paths. */
export const PATH_PARAMETERS: Record<string, { schema: z.ZodType; description: string }> = {
  id: {
    schema: z.string().min(1),
    description: 'The id (a ULID) or the number of the incident (INC0001001) or change request (CHG0001001); anything else is 404',
  },
  name: { schema: slug, description: 'The name (a lowercase slug) the record was created with' },
  userId: { schema: userId, description: 'The user id: the token subject (`sub`) of the identity provider' },
  key: {
    schema: z.string().min(1),
    description: 'The integration id (`id` in the list and in the creation answer), not the routing key itself, which is never stored',
  },
};
