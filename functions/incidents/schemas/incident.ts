import * as z from 'zod';
import { PRIORITIES } from '../../shared/domain/priority.ts';
import { countParam, cursorParam, isoTimestamp, limitParam, oneOrMore, slug, userId } from '../../shared/schemas/common.ts';
import { slaClockViewSchema } from '../../sla/schemas/clock-view.ts';
import { INCIDENT_HOLD_REASONS, INCIDENT_RESOLUTION_CODES, INCIDENT_STATUSES } from '../domain/lifecycle.ts';
import { configurationItemIds, retiredFreeTextOnCreate, retiredFreeTextOnUpdate, retiredFreeTextShown } from './configuration-items.ts';

const level = z.literal([1, 2, 3]).describe('1 high, 2 medium, 3 low');
const title = z.string().trim().min(1).max(200);
const description = z.string().max(20_000);
const shortText = z.string().trim().min(1).max(200);

export const createIncidentBody = z
  .strictObject({
    title,
    description: description.optional(),
    impact: level.optional(),
    urgency: level.optional(),
    service: slug.optional(),
    configurationItems: configurationItemIds
      .optional()
      .describe('The configuration items the incident concerns, by CMDB id (GET /cis); each must exist (400 naming the index of each unknown id). Agents only'),
    configurationItem: retiredFreeTextOnCreate,
    category: shortText.optional(),
    assignmentGroup: slug.optional(),
    assignee: userId.optional(),
    caller: userId.optional().describe('Defaults to the authenticated user'),
  })
  .meta({ id: 'CreateIncident' });

export const updateIncidentBody = z
  .strictObject({
    title: title.optional(),
    description: description.nullable().optional(),
    impact: level.optional(),
    urgency: level.optional(),
    service: slug.nullable().optional(),
    configurationItems: configurationItemIds
      .nullable()
      .optional()
      .describe('Replaces the list; null or [] clears it. The ids it adds must exist (400 naming the index of each unknown id)'),
    configurationItem: retiredFreeTextOnUpdate,
    category: shortText.nullable().optional(),
    assignmentGroup: slug.nullable().optional(),
    assignee: userId.nullable().optional(),
    caller: userId.optional(),
    status: z.enum(INCIDENT_STATUSES).optional(),
    holdReason: z.enum(INCIDENT_HOLD_REASONS).optional().describe('Required with status on_hold; allowed only then'),
    resolutionCode: z.enum(INCIDENT_RESOLUTION_CODES).optional().describe('Required with status resolved; allowed only then'),
    resolutionNotes: z.string().trim().min(1).max(20_000).optional().describe('Required with status resolved; allowed only then'),
  })
  .meta({ id: 'UpdateIncident', description: 'Absent fields stay as they are; null clears an optional field' });

const incidentAlertSchema = z
  .object({
    source: z.string().describe('pagerduty, eventbridge or cloudwatch'),
    dedupKey: z.string(),
    occurrences: z.number().int().describe('Triggers received for this incident, the first included'),
    firstSeenAt: isoTimestamp,
    lastSeenAt: isoTimestamp,
    lastSeverity: z.string().optional(),
    acknowledgedBy: z.string().optional().describe('The integration that acknowledged, e.g. integration:<id>'),
    acknowledgedAt: isoTimestamp.optional(),
    recent: z
      .array(
        z.object({
          eventId: z.string(),
          at: isoTimestamp,
          action: z.string(),
          severity: z.string().optional(),
          summary: z.string().optional(),
        }),
      )
      .describe('The most recent events, oldest first, at most 20; GET /incidents/{id}/events has them all'),
  })
  .meta({ id: 'IncidentAlert' });

// An SLA clock as GET shows it: the SLA area's view, shared by incidents and fulfilment tasks.
export { slaClockViewSchema };

export const incidentSchema = z
  .object({
    id: z.string().describe('Opaque id (a ULID); the path accepts it or the number'),
    number: z
      .string()
      .regex(/^INC\d{7,}$/)
      .describe('Human number, e.g. INC0001001'),
    title: z.string(),
    description: z.string().optional(),
    impact: level,
    urgency: level,
    priority: z.enum(PRIORITIES).describe('From impact and urgency through the priority matrix'),
    status: z.enum(INCIDENT_STATUSES),
    holdReason: z.enum(INCIDENT_HOLD_REASONS).optional(),
    service: z.string().optional(),
    configurationItems: z
      .array(z.string())
      .optional()
      .describe('The configuration items it concerns, by CMDB id (GET /cis/{id}); absent when it names none. Agents only: requesters never see it'),
    impactedServices: z
      .array(z.string())
      .optional()
      .describe(
        'The services impacted: those downstream of its configuration items (GET /cis/{id}/impact, depth 3) and its own service, by name. Computed when a write sets its configuration items (or changes its service while it names some), as of that write: later changes to the CMDB show at the next such write. Absent while it names no configuration item, or when the CMDB could not answer at that write. Agents only: requesters never see it',
      ),
    configurationItem: retiredFreeTextShown('of a monitoring event whose configuration item named no CI'),
    category: z.string().optional(),
    assignmentGroup: z.string().optional(),
    assignee: z.string().optional(),
    caller: z.string().describe('The user the incident is for (a token subject)'),
    resolutionCode: z.enum(INCIDENT_RESOLUTION_CODES).optional(),
    resolutionNotes: z.string().optional(),
    createdAt: isoTimestamp,
    createdBy: z.string(),
    updatedAt: isoTimestamp,
    updatedBy: z.string(),
    acknowledgedAt: isoTimestamp.optional().describe('First response: first move out of new, or first public note by an agent'),
    acknowledgedBy: z.string().optional(),
    resolvedAt: isoTimestamp.optional(),
    resolvedBy: z.string().optional(),
    closedAt: isoTimestamp.optional(),
    canceledAt: isoTimestamp.optional(),
    reopenCount: z.number().int(),
    version: z.number().int().describe('Also sent as the ETag; send it back in If-Match'),
    escalationLevel: z.number().int().describe('0 until an SLA breach escalates; raised one level at a time by the escalation workflow'),
    sla: z
      .object({ response: slaClockViewSchema.optional(), resolution: slaClockViewSchema.optional() })
      .describe('SLA clocks, computed at the moment of the response; a clock without a matching SLA policy is absent'),
    dedupKey: z.string().optional().describe('Incidents opened by events: the dedup key events of the same problem share'),
    dedupScope: z.string().optional().describe("The service the dedup key is unique in ('-' for events without a service)"),
    problem: z
      .object({ id: z.string(), number: z.string().describe('e.g. PRB0001001') })
      .optional()
      .describe(
        'The problem the incident is linked to (at most one): POST /problems/{id}/incidents links it, DELETE /problems/{id}/incidents/{incident} unlinks it. Agents only: requesters never see it',
      ),
    alert: incidentAlertSchema
      .optional()
      .describe('Incidents opened by events: occurrences so far. Live counters, not part of the version: they change without a new ETag'),
  })
  .meta({ id: 'Incident' });

/**
 * What a list shows of an incident: the incident without `alert`. The alert is a separate item
 * with live counters; reading it for every row would cost lists a second round trip.
 */
export const incidentListItemSchema = incidentSchema.omit({ alert: true }).meta({
  id: 'IncidentListItem',
  description:
    'An incident as lists show it: every field of an Incident except `alert`. Incidents opened by events have `dedupKey`; GET /incidents/{id} adds their `alert` (occurrences so far).',
});

// A plain list, so that the store reads incidents without zod; test/unit/field-order.test.ts checks it against incidentSchema.
export { INCIDENT_FIELD_ORDER } from '../domain/field-order.ts';

export const listIncidentsQuery = z
  .strictObject({
    status: oneOrMore(z.enum(INCIDENT_STATUSES)).optional(),
    priority: oneOrMore(z.enum(PRIORITIES)).optional(),
    assignmentGroup: oneOrMore(slug).optional(),
    assignee: oneOrMore(userId).optional(),
    service: oneOrMore(slug).optional(),
    caller: oneOrMore(userId).optional(),
    openedAfter: z.iso.datetime({ offset: true }).optional().describe('Only incidents opened at or after this instant (ISO 8601, any offset)'),
    openedBefore: z.iso.datetime({ offset: true }).optional().describe('Only incidents opened before this instant (ISO 8601, any offset); after openedAfter'),
    limit: limitParam,
    cursor: cursorParam.optional(),
    count: countParam,
  })
  .superRefine((query, context) => {
    if (query.openedAfter !== undefined && query.openedBefore !== undefined && !(Date.parse(query.openedBefore) > Date.parse(query.openedAfter))) {
      context.addIssue({ code: 'custom', path: ['openedBefore'], message: 'Must be after openedAfter' });
    }
  })
  .meta({ id: 'ListIncidentsQuery' });
export type IncidentFilters = Omit<z.output<typeof listIncidentsQuery>, 'limit' | 'cursor' | 'count'>;

export const NOTE_VISIBILITIES = ['work', 'public'] as const;

export const addNoteBody = z
  .strictObject({
    body: z.string().trim().min(1).max(20_000),
    visibility: z.enum(NOTE_VISIBILITIES).optional().describe('Defaults to work for agents; requesters always write public notes'),
  })
  .meta({ id: 'AddNote' });

export const noteSchema = z
  .object({
    id: z.string(),
    incidentId: z.string(),
    body: z.string(),
    visibility: z.enum(NOTE_VISIBILITIES),
    author: z.string(),
    createdAt: isoTimestamp,
  })
  .meta({ id: 'Note' });

export const historyRecordSchema = z
  .object({
    id: z.string(),
    incidentId: z.string(),
    at: isoTimestamp,
    actor: z.string(),
    action: z.enum(['created', 'updated', 'note_added']),
    version: z.number().int().describe('The incident version this record produced'),
    changes: z.array(z.object({ field: z.string(), from: z.unknown(), to: z.unknown() })),
    noteVisibility: z.enum(NOTE_VISIBILITIES).optional(),
  })
  .meta({ id: 'HistoryRecord' });

export const historyQuery = z.strictObject({ limit: limitParam, cursor: cursorParam.optional() });

const matrixRow = z.strictObject({ '1': z.enum(PRIORITIES), '2': z.enum(PRIORITIES), '3': z.enum(PRIORITIES) });
export const priorityMatrixBody = z
  .strictObject({
    matrix: z.strictObject({ '1': matrixRow, '2': matrixRow, '3': matrixRow }).describe('matrix[impact][urgency] = priority'),
  })
  .meta({ id: 'PriorityMatrix' });
