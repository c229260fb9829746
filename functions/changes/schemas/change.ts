import * as z from 'zod';
import { countParam, cursorParam, isoTimestamp, limitParam, oneOrMore, slug } from '../../shared/schemas/common.ts';
import { CHANGE_STATUSES, CHANGE_TYPES, IMPLEMENTATION_OUTCOMES } from '../domain/lifecycle.ts';
import { RISK_LEVELS } from '../domain/risk.ts';

/*
 * The change API's shapes. Instants are UTC ISO 8601 with a Z; the handlers store them in one
 * canonical form (toISOString), because the planned-window index sorts them as text.
 */

const title = z.string().trim().min(1).max(200);
const longText = z.string().trim().min(1).max(20_000);
const configurationItem = z.string().trim().min(1).max(200);

/**
 * Bounded so that a change's write, which carries one copy per service (the list-by-service
 * index) plus the reference checks, stays well inside DynamoDB's 100-item transaction.
 */
export const MAX_SERVICES = 20;
export const MAX_CONFIGURATION_ITEMS = 100;

/** Each value once (a service named twice would be two writes of one item in a transaction): an issue on every repeat, at its index. */
const uniqueList = (item: z.ZodString, max: number, what: string) =>
  z
    .array(item)
    .max(max)
    .superRefine((values, ctx) =>
      values.forEach((value, i) => {
        const first = values.indexOf(value);
        if (first !== i) ctx.addIssue({ code: 'custom', path: [i], message: `${what} '${value}' is listed twice (also at ${first})` });
      }),
    );

const services = uniqueList(slug, MAX_SERVICES, 'Service').describe('Affected business services (GET /services); each must exist');
const configurationItems = uniqueList(configurationItem, MAX_CONFIGURATION_ITEMS, 'Configuration item').describe(
  'Affected configuration items, by CI id (GET /cis; a service is the CI named after it); each must exist',
);

export const createChangeBody = z
  .strictObject({
    type: z.enum(CHANGE_TYPES),
    template: slug.optional().describe('Required for a standard change, refused for the others: the pre-approved template (GET /change-templates) it follows'),
    title: title.optional().describe("Required unless the change is standard, which takes its template's title unless one is given"),
    description: longText.optional().describe("A standard change takes its template's; refused with a template"),
    justification: longText.optional().describe('Why the change is needed'),
    services: services.optional().describe("A standard change takes its template's; refused with a template"),
    configurationItems: configurationItems.optional().describe("A standard change takes its template's; refused with a template"),
    plannedStart: isoTimestamp,
    plannedEnd: isoTimestamp.describe('After plannedStart, and at most 31 days after it'),
    implementationPlan: longText.optional().describe("Needed before a normal or emergency change is submitted. A standard change takes its template's"),
    backoutPlan: longText.optional().describe("Needed before a normal or emergency change is submitted. A standard change takes its template's"),
    testPlan: longText.optional().describe("A standard change takes its template's; refused with a template"),
    outageRequired: z.boolean().optional().describe("Default false. A standard change takes its template's; refused with a template"),
    assignmentGroup: slug.optional().describe("The group that implements the change; must exist. A standard change defaults to its template's"),
  })
  .meta({ id: 'CreateChange' });
export type CreateChangeBody = z.output<typeof createChangeBody>;

/** The fields a standard change takes from its template, which a request may therefore not set. */
export const TEMPLATE_FIELDS = [
  'description',
  'services',
  'configurationItems',
  'implementationPlan',
  'backoutPlan',
  'testPlan',
  'outageRequired',
] as const satisfies readonly (keyof CreateChangeBody)[];

export const updateChangeBody = z
  .strictObject({
    title: title.optional(),
    description: longText.nullable().optional(),
    justification: longText.nullable().optional(),
    services: services.optional(),
    configurationItems: configurationItems.optional(),
    plannedStart: isoTimestamp.optional(),
    plannedEnd: isoTimestamp.optional(),
    implementationPlan: longText.nullable().optional(),
    backoutPlan: longText.nullable().optional(),
    testPlan: longText.nullable().optional(),
    outageRequired: z.boolean().optional(),
    assignmentGroup: slug.nullable().optional(),
  })
  .meta({
    id: 'UpdateChange',
    description:
      'Absent fields stay as they are; null clears an optional field. Only a draft or a change under assessment can be edited; the type and the status change through their own operations',
  });

export const cancelChangeBody = z
  .strictObject({ reason: z.string().trim().min(1).max(2000).describe('Why the change is withdrawn; kept on the change') })
  .meta({ id: 'CancelChange' });

const windowSchema = z.object({ start: isoTimestamp, end: isoTimestamp });

export const dependentConfigurationItemSchema = z
  .object({
    ci: z.string().describe("The other change's configuration item (GET /cis/{id})"),
    of: z.string().describe("This change's configuration item it is related to"),
    direction: z
      .enum(['downstream', 'upstream'])
      .describe('downstream: `ci` is affected when `of` fails (it depends on it); upstream: `of` relies on `ci` (GET /cis/{id}/impact)'),
    path: z
      .array(z.object({ id: z.string(), relationship: z.string() }))
      .describe('From `of` (first) to the CI before `ci` (last): each CI with the relationship, as it names it, to the next one'),
  })
  .meta({ id: 'DependentConfigurationItem' });

export const changeConflictSchema = z
  .discriminatedUnion('kind', [
    z.object({
      kind: z.literal('change'),
      changeId: z.string(),
      number: z.string(),
      on: z
        .object({
          services: z.array(z.string()),
          configurationItems: z.array(z.string()),
          dependentConfigurationItems: z
            .array(dependentConfigurationItemSchema)
            .optional()
            .describe(
              "The other change's configuration items that depend on this change's, or that this change's depend on (within 3 relationships in the CMDB); absent when none",
            ),
        })
        .describe('What both changes touch'),
      window: windowSchema,
    }),
    z.object({ kind: z.literal('blackout'), name: z.string().describe('The blackout window (GET /blackout-windows/{name})'), window: windowSchema }),
  ])
  .meta({ id: 'ChangeConflict' });

export const changeSchema = z
  .object({
    id: z.string().describe('Opaque id (a ULID); the path accepts it or the number'),
    number: z
      .string()
      .regex(/^CHG\d{7,}$/)
      .describe('Human number, e.g. CHG0001001'),
    type: z.enum(CHANGE_TYPES),
    status: z.enum(CHANGE_STATUSES),
    title: z.string(),
    description: z.string().optional(),
    justification: z.string().optional(),
    template: z.string().optional().describe('Standard changes: the template it was raised from'),
    services: z.array(z.string()),
    configurationItems: z
      .array(z.string())
      .describe('CI ids (GET /cis/{id}). A change written before the CMDB existed may hold free text here, kept as it was until it is edited'),
    plannedStart: isoTimestamp,
    plannedEnd: isoTimestamp,
    implementationPlan: z.string().optional(),
    backoutPlan: z.string().optional(),
    testPlan: z.string().optional(),
    outageRequired: z.boolean(),
    assignmentGroup: z.string().optional(),
    risk: z
      .object({
        level: z.enum(RISK_LEVELS),
        score: z.number().int(),
        reasons: z.array(z.string()).describe('Which answers raised the score, with their points'),
        impactedServices: z
          .array(z.string())
          .optional()
          .describe(
            'The services the change reaches, which the impactedServices rule counted: its own and those downstream of its configuration items (within 3 relationships). Absent on changes assessed before the CMDB',
          ),
      })
      .optional()
      .describe('Computed at submission by the risk rules (GET /change-config), never typed in'),
    conflicts: z.array(changeConflictSchema).optional().describe('Overlapping changes and blackout windows found at submission'),
    blackoutOverride: z
      .object({ by: z.string(), at: isoTimestamp, reason: z.string() })
      .optional()
      .describe('An admin let this non-emergency change into a blackout window'),
    startBlocked: z
      .object({
        at: isoTimestamp.describe('When the workflow first found the start held by these freezes'),
        blackouts: z.array(z.object({ kind: z.literal('blackout'), name: z.string(), window: windowSchema })),
      })
      .optional()
      .describe(
        'A freeze declared after approval covers the planned window: the change stays `scheduled` and does not start. The workflow checks again every `blockedRecheckSeconds` and starts it once no freeze holds it; an admin may let it start (POST /changes/{id}/start-override)',
      ),
    startOverride: z
      .object({ by: z.string(), at: isoTimestamp, reason: z.string() })
      .optional()
      .describe('An admin let this change start despite the freezes in startBlocked'),
    submissions: z.number().int().describe('How many times it was submitted; the current approval round has this number'),
    workflow: z
      .object({
        executionArn: z.string().describe('The approval workflow execution (Step Functions)'),
        state: z.string().describe('The workflow state it last reported'),
        since: isoTimestamp,
      })
      .optional(),
    rejection: z.object({ by: z.string(), at: isoTimestamp, comment: z.string().optional() }).optional(),
    implementation: z.object({ outcome: z.enum(IMPLEMENTATION_OUTCOMES), notes: z.string(), at: isoTimestamp, by: z.string() }).optional(),
    review: z.object({ summary: z.string(), at: isoTimestamp, by: z.string() }).optional().describe('The post-implementation review that closed the change'),
    reviewRequired: z.boolean().describe('A post-implementation review is owed: always for emergencies, and after an implementation that did not succeed'),
    cancelReason: z.string().optional(),
    createdAt: isoTimestamp,
    createdBy: z.string(),
    updatedAt: isoTimestamp,
    updatedBy: z.string(),
    closedAt: isoTimestamp.optional(),
    canceledAt: isoTimestamp.optional(),
    version: z.number().int().describe('Also sent as the ETag; send it back in If-Match'),
  })
  .meta({ id: 'Change' });

/** Every change response lists its fields in this order, whichever handler wrote it. */
export const CHANGE_FIELD_ORDER: readonly string[] = Object.keys(changeSchema.shape);

export const listChangesQuery = z
  .strictObject({
    status: oneOrMore(z.enum(CHANGE_STATUSES)).optional(),
    type: oneOrMore(z.enum(CHANGE_TYPES)).optional(),
    service: oneOrMore(slug).optional().describe('Changes affecting at least one of these services (comma-separated)'),
    assignmentGroup: oneOrMore(slug).optional(),
    plannedFrom: isoTimestamp.optional().describe('Changes whose planned window ends after this instant'),
    plannedTo: isoTimestamp.optional().describe('Changes whose planned window starts before this instant'),
    limit: limitParam,
    cursor: cursorParam.optional(),
    count: countParam,
  })
  .meta({
    id: 'ListChangesQuery',
    description:
      'Newest first by number; with plannedFrom or plannedTo (the changes whose window overlaps [plannedFrom, plannedTo)), by planned start, earliest first',
  });
export type ChangeFilters = Omit<z.output<typeof listChangesQuery>, 'limit' | 'cursor' | 'count'>;

/** A calendar covers about a quarter at most: three months of 31 days. */
export const MAX_CALENDAR_DAYS = 92;

export const changeCalendarQuery = z
  .strictObject({
    from: isoTimestamp,
    to: isoTimestamp.describe(`After from, and at most ${MAX_CALENDAR_DAYS} days after it`),
  })
  .meta({ id: 'ChangeCalendarQuery' });

export const changeSummarySchema = z
  .object({
    id: z.string(),
    number: z.string(),
    title: z.string(),
    type: z.enum(CHANGE_TYPES),
    status: z.enum(CHANGE_STATUSES),
    riskLevel: z.enum(RISK_LEVELS).optional().describe('Absent until the change is assessed'),
    services: z.array(z.string()),
    plannedStart: isoTimestamp,
    plannedEnd: isoTimestamp,
  })
  .meta({ id: 'ChangeSummary' });
export const CHANGE_SUMMARY_FIELD_ORDER: readonly string[] = Object.keys(changeSummarySchema.shape);

export const calendarBlackoutSchema = z
  .object({
    name: z.string(),
    start: isoTimestamp,
    end: isoTimestamp,
    services: z.array(z.string()).optional().describe('The services it freezes; absent or empty: every service'),
    reason: z.string().optional(),
  })
  .meta({ id: 'CalendarBlackout' });
export const CALENDAR_BLACKOUT_FIELD_ORDER: readonly string[] = Object.keys(calendarBlackoutSchema.shape);

export const changeCalendarSchema = z
  .object({
    from: isoTimestamp,
    to: isoTimestamp,
    changes: z
      .array(changeSummarySchema)
      .describe('Changes past draft, neither rejected nor canceled, whose planned window overlaps [from, to); by planned start'),
    blackouts: z.array(calendarBlackoutSchema).describe('Blackout windows overlapping [from, to); by start'),
  })
  .meta({ id: 'ChangeCalendar' });

export const addChangeNoteBody = z
  .strictObject({ body: z.string().trim().min(1).max(20_000) })
  .meta({ id: 'AddChangeNote', description: "A work note: changes are agents' work, so every note is internal" });

export const changeNoteSchema = z
  .object({
    id: z.string(),
    changeId: z.string(),
    body: z.string(),
    author: z.string(),
    createdAt: isoTimestamp,
  })
  .meta({ id: 'ChangeNote' });
export type ChangeNote = z.output<typeof changeNoteSchema>;

export const changeHistoryRecordSchema = z
  .object({
    id: z.string(),
    changeId: z.string(),
    at: isoTimestamp,
    actor: z.string().describe('A user id, or the approval workflow'),
    action: z.enum(['created', 'updated', 'note_added']),
    version: z.number().int().describe('The change version this record produced'),
    changes: z.array(z.object({ field: z.string(), from: z.unknown(), to: z.unknown() })),
  })
  .meta({ id: 'ChangeHistoryRecord' });

export const changePageQuery = z.strictObject({ limit: limitParam, cursor: cursorParam.optional() });

/* Request instants in the form they are stored and compared in: the planned-window index compares them as text. */

/** The stored form of an instant: callers may pass any ISO text, the index compares toISOString() texts. */
export const canonicalInstant = (iso: string): string => new Date(iso).toISOString();

export function canonicalWindow<T extends { plannedStart?: string; plannedEnd?: string }>(input: T): Pick<T, 'plannedStart' | 'plannedEnd'> {
  return {
    ...(input.plannedStart === undefined ? {} : { plannedStart: canonicalInstant(input.plannedStart) }),
    ...(input.plannedEnd === undefined ? {} : { plannedEnd: canonicalInstant(input.plannedEnd) }),
  } as Pick<T, 'plannedStart' | 'plannedEnd'>;
}
