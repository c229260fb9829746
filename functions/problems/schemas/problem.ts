import * as z from 'zod';
import { configurationItemIds, retiredFreeTextOnCreate, retiredFreeTextOnUpdate, retiredFreeTextShown } from '../../incidents/schemas/configuration-items.ts';
import { PRIORITIES } from '../../shared/domain/priority.ts';
import { countParam, cursorParam, isoTimestamp, limitParam, oneOrMore, slug, userId } from '../../shared/schemas/common.ts';
import { PROBLEM_RESOLUTION_CODES, PROBLEM_STATUSES } from '../domain/lifecycle.ts';

/* The problem API's shapes. Text fields follow incidents': one-line titles and names, prose up to 20,000 characters. */

const level = z.literal([1, 2, 3]).describe('1 high, 2 medium, 3 low');
const title = z.string().trim().min(1).max(200);
const description = z.string().max(20_000);
const shortText = z.string().trim().min(1).max(200);
const longText = z.string().trim().min(1).max(20_000);

/** A change request, by id or number (CHG...): it must exist. */
const changeIdOrNumber = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[0-9A-Za-z]+$/, 'A change request id or number (CHG0001001)');

const fixInput = z
  .strictObject({
    text: longText.optional().describe('What the fix is'),
    change: changeIdOrNumber.optional().describe('The change request that implements the fix, by id or number; it must exist. Stored as {id, number}'),
  })
  .describe('How the problem is (to be) fixed');

export const createProblemBody = z
  .strictObject({
    title,
    description: description.optional(),
    service: slug.optional().describe('The affected business service (GET /services); must exist'),
    configurationItems: configurationItemIds
      .optional()
      .describe('The configuration items the problem concerns, by CMDB id (GET /cis); each must exist (400 naming the index of each unknown id)'),
    configurationItem: retiredFreeTextOnCreate,
    category: shortText.optional(),
    impact: level.optional().describe('Default 3'),
    urgency: level.optional().describe('Default 3'),
    assignmentGroup: slug.optional().describe('Must exist'),
    assignee: userId.optional().describe('Must exist, and belong to assignmentGroup when one is given'),
    rootCause: longText.optional(),
    workaround: longText.optional(),
    fix: fixInput.optional(),
    resolveLinkedIncidents: z
      .boolean()
      .optional()
      .describe('Default false: when the problem is resolved, its open linked incidents are told; true resolves them too'),
  })
  .meta({ id: 'CreateProblem' });
export type CreateProblemBody = z.output<typeof createProblemBody>;

export const updateProblemBody = z
  .strictObject({
    title: title.optional(),
    description: description.nullable().optional(),
    service: slug.nullable().optional(),
    configurationItems: configurationItemIds
      .nullable()
      .optional()
      .describe('Replaces the list; null or [] clears it. The ids it adds must exist (400 naming the index of each unknown id)'),
    configurationItem: retiredFreeTextOnUpdate,
    category: shortText.nullable().optional(),
    impact: level.optional(),
    urgency: level.optional(),
    assignmentGroup: slug.nullable().optional(),
    assignee: userId.nullable().optional(),
    rootCause: longText.nullable().optional(),
    workaround: longText.nullable().optional(),
    fix: z
      .strictObject({
        text: longText.nullable().optional(),
        change: changeIdOrNumber.nullable().optional(),
      })
      .nullable()
      .optional()
      .describe('Merged into the current fix: absent members stay, null clears one; null clears the whole fix'),
    knownError: z.boolean().optional().describe('true publishes the problem as a known error (needs a rootCause or a workaround); false withdraws it'),
    resolveLinkedIncidents: z.boolean().optional(),
    status: z.enum(PROBLEM_STATUSES).optional(),
    resolution: z
      .strictObject({ code: z.enum(PROBLEM_RESOLUTION_CODES), notes: longText.optional() })
      .optional()
      .describe('Required with status resolved; allowed only then'),
    review: z
      .strictObject({ summary: longText.describe('What the review found and what was learned') })
      .optional()
      .describe('Required with status closed; allowed only then'),
  })
  .meta({ id: 'UpdateProblem', description: 'Absent fields stay as they are; null clears an optional field' });
export type UpdateProblemBody = z.output<typeof updateProblemBody>;

const changeReference = z.object({ id: z.string(), number: z.string().describe('e.g. CHG0001001') });

export const problemSchema = z
  .object({
    id: z.string().describe('Opaque id (a ULID); the path accepts it or the number'),
    number: z
      .string()
      .regex(/^PRB\d{7,}$/)
      .describe('Human number, e.g. PRB0001001'),
    title: z.string(),
    description: z.string().optional(),
    service: z.string().optional(),
    configurationItems: z.array(z.string()).optional().describe('The configuration items it concerns, by CMDB id (GET /cis/{id}); absent when it names none'),
    impactedServices: z
      .array(z.string())
      .optional()
      .describe(
        'The services impacted: those downstream of its configuration items (GET /cis/{id}/impact, depth 3) and its own service, by name. Computed when a write sets its configuration items (or changes its service while it names some), as of that write. Absent while it names no configuration item, or when the CMDB could not answer at that write',
      ),
    configurationItem: retiredFreeTextShown(),
    category: z.string().optional(),
    impact: level,
    urgency: level,
    priority: z.enum(PRIORITIES).describe('From impact and urgency through the priority matrix (GET /config/priority-matrix), as for incidents'),
    status: z.enum(PROBLEM_STATUSES),
    assignmentGroup: z.string().optional(),
    assignee: z.string().optional(),
    rootCause: z.string().optional(),
    rootCauseAt: isoTimestamp.optional().describe('When a root cause was first documented'),
    workaround: z.string().optional(),
    fix: z.object({ text: z.string().optional(), change: changeReference.optional().describe('The change request that implements the fix') }).optional(),
    knownError: z.boolean().describe('Published as a known error: agents see its root cause and workaround'),
    knownErrorPublishedAt: isoTimestamp.optional(),
    resolveLinkedIncidents: z.boolean(),
    linkedIncidentCount: z.number().int(),
    candidate: z
      .object({ id: z.string(), number: z.string() })
      .optional()
      .describe('The problem candidate it was opened from (POST /problem-candidates/{id}/accept); absent for a problem opened with POST /problems'),
    resolution: z.object({ code: z.enum(PROBLEM_RESOLUTION_CODES), notes: z.string().optional(), at: isoTimestamp, by: z.string() }).optional(),
    review: z.object({ summary: z.string(), at: isoTimestamp, by: z.string() }).optional().describe('The review that closed the problem'),
    createdAt: isoTimestamp,
    createdBy: z.string(),
    updatedAt: isoTimestamp,
    updatedBy: z.string(),
    resolvedAt: isoTimestamp.optional(),
    closedAt: isoTimestamp.optional(),
    canceledAt: isoTimestamp.optional(),
    version: z.number().int().describe('Also sent as the ETag; send it back in If-Match'),
  })
  .meta({ id: 'Problem' });

/** Every problem response lists its fields in this order, whichever handler wrote it. */
export const PROBLEM_FIELD_ORDER: readonly string[] = Object.keys(problemSchema.shape);

export const listProblemsQuery = z
  .strictObject({
    status: oneOrMore(z.enum(PROBLEM_STATUSES)).optional(),
    priority: oneOrMore(z.enum(PRIORITIES)).optional(),
    assignmentGroup: oneOrMore(slug).optional(),
    assignee: oneOrMore(userId).optional(),
    service: oneOrMore(slug).optional(),
    limit: limitParam,
    cursor: cursorParam.optional(),
    count: countParam,
  })
  .meta({ id: 'ListProblemsQuery', description: 'Newest first by number' });
export type ProblemFilters = Omit<z.output<typeof listProblemsQuery>, 'limit' | 'cursor' | 'count'>;

export const addProblemNoteBody = z
  .strictObject({ body: z.string().trim().min(1).max(20_000) })
  .meta({ id: 'AddProblemNote', description: "A work note: problems are agents' work, so every note is internal" });

export const problemNoteSchema = z
  .object({
    id: z.string(),
    problemId: z.string(),
    body: z.string(),
    author: z.string(),
    createdAt: isoTimestamp,
  })
  .meta({ id: 'ProblemNote' });
export type ProblemNote = z.output<typeof problemNoteSchema>;

export const problemHistoryRecordSchema = z
  .object({
    id: z.string(),
    problemId: z.string(),
    at: isoTimestamp,
    actor: z.string(),
    action: z
      .enum(['created', 'updated', 'note_added', 'incident_linked', 'incident_unlinked', 'fix_failed'])
      .describe(
        'incident_linked / incident_unlinked: `changes` names the incident (`incident`) and the new linkedIncidentCount. fix_failed (actor `system`): the change request of the fix ended without fixing it; `changes` holds `fixOutcome` with the change (`{id, number}`) and how it ended, and the problem itself did not change',
      ),
    version: z.number().int().describe('The problem version this record produced (note_added and fix_failed: the version it was at; they leave it as it is)'),
    changes: z.array(z.object({ field: z.string(), from: z.unknown(), to: z.unknown() })),
  })
  .meta({ id: 'ProblemHistoryRecord' });

export const problemPageQuery = z.strictObject({ limit: limitParam, cursor: cursorParam.optional() });
