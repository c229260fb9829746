import * as z from 'zod';
import { DETAIL_SCHEMA_VERSION } from '../../shared/domain/outbox.ts';
import { cursorParam, isoTimestamp, limitParam, slug } from '../../shared/schemas/common.ts';
import { CANDIDATE_FOUND, CANDIDATE_STATUSES } from '../domain/candidate.ts';
import { MAX_SERVICE_OVERRIDES, MAX_THRESHOLD, MAX_WINDOW_DAYS, MIN_THRESHOLD, RECURRENCE_KINDS } from '../domain/recurrence.ts';

/*
 * Recurring incidents as the API takes and shows them: /problem-config (when incidents recur
 * often enough to propose a problem) and the problem candidates it records.
 */

const threshold = z.int().min(MIN_THRESHOLD).max(MAX_THRESHOLD).describe(`Incidents that make a candidate, ${MIN_THRESHOLD} to ${MAX_THRESHOLD}`);
const windowDays = z.int().min(1).max(MAX_WINDOW_DAYS).describe(`Days within which they must all have been opened, 1 to ${MAX_WINDOW_DAYS}`);

export const recurrenceRuleSchema = z.strictObject({ threshold, windowDays });

const problemConfigFields = {
  threshold: threshold.describe(`The default: incidents that make a candidate, ${MIN_THRESHOLD} to ${MAX_THRESHOLD}`),
  windowDays: windowDays.describe(`The default: days within which they must all have been opened, 1 to ${MAX_WINDOW_DAYS}`),
  services: z
    .record(slug, recurrenceRuleSchema)
    .refine((services) => Object.keys(services).length <= MAX_SERVICE_OVERRIDES, `At most ${MAX_SERVICE_OVERRIDES} services`)
    .default({})
    .describe('Services with a rule of their own, by service name; each must be an existing service'),
};

export const putProblemConfigBody = z.strictObject(problemConfigFields).meta({ id: 'PutProblemConfig' });
export type PutProblemConfig = z.infer<typeof putProblemConfigBody>;

export const problemConfigSchema = z
  .object({
    ...problemConfigFields,
    updatedAt: z.string().optional().describe('Absent until the configuration is first written'),
    version: z.number().int().describe('Also sent as the ETag; 0 until the configuration is first written. Send it back in If-Match'),
  })
  .meta({ id: 'ProblemConfig', description: 'When recurring incidents make a problem candidate: the default rule and per-service rules' });

// ---------------------------------------------------------------------------------------------
// Candidates

const reference = z.object({ id: z.string(), number: z.string() });

export const problemCandidateSchema = z
  .object({
    id: z.string(),
    number: z.string().describe('`PRC` and 7 digits'),
    status: z.enum(CANDIDATE_STATUSES),
    key: z
      .object({
        kind: z.enum(RECURRENCE_KINDS).describe('`service-category`: same service and category; `dedup-key`: same alert dedup key'),
        service: z.string().optional(),
        category: z.string().optional().describe('service-category: the category, in lowercase'),
        dedupKey: z.string().optional(),
        dedupScope: z.string().optional().describe("dedup-key: the service the key is unique in ('-' for events without a service)"),
      })
      .describe('What recurred'),
    rule: recurrenceRuleSchema.describe('The rule in force when the candidate was recorded'),
    windowStart: isoTimestamp.describe('When the first of its incidents was opened'),
    windowEnd: isoTimestamp.describe('windowDays later: incidents of the key opened before this start no other candidate'),
    incidents: z.array(reference.extend({ createdAt: z.string() })).describe('The incidents it is built from, oldest first'),
    assignmentGroup: z.string().optional().describe("The service's owner group, told when the candidate was found"),
    problem: reference.optional().describe('accepted: the problem it opened'),
    dismissal: z.object({ reason: z.string(), by: z.string(), at: z.string() }).optional(),
    acceptedBy: z.string().optional(),
    acceptedAt: z.string().optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.number().int(),
  })
  .meta({ id: 'ProblemCandidate', description: 'Incidents that recurred often enough to propose a problem' });

export const listProblemCandidatesQuery = z.strictObject({
  status: z.enum(CANDIDATE_STATUSES).optional().describe('Only candidates in this status'),
  limit: limitParam,
  cursor: cursorParam.optional(),
});

export const dismissProblemCandidateBody = z
  .strictObject({ reason: z.string().trim().min(1).max(2000).describe('Why it is not a problem (required)') })
  .meta({ id: 'DismissProblemCandidate' });

// ---------------------------------------------------------------------------------------------
// Its event

/** The published shape of 'Problem Candidate Found' (documentation: domain/candidate.ts builds it). */
export const candidateEventDetail = z
  .object({
    schemaVersion: z.literal(DETAIL_SCHEMA_VERSION).describe('Changes only on an incompatible change of this schema'),
    eventId: z.string().describe('Stable across redeliveries: dedupe on it'),
    type: z.literal(CANDIDATE_FOUND).describe('Also the detail-type'),
    occurredAt: z.string().describe('When the candidate was recorded (ISO 8601)'),
    actor: z.string().describe('`problem-detection`'),
    candidate: z.object({
      id: z.string(),
      number: z.string(),
      status: z.enum(CANDIDATE_STATUSES),
      kind: z.enum(RECURRENCE_KINDS).describe('No category and no dedup key: free text; GET /problem-candidates/{id} has them'),
      service: z.string().optional(),
      assignmentGroup: z.string().optional().describe("The service's owner group, told of it"),
      incidentCount: z.int(),
      incidents: z.array(z.object({ id: z.string(), number: z.string() })),
      threshold: z.int(),
      windowDays: z.int(),
      windowStart: z.string(),
      windowEnd: z.string(),
      version: z.int(),
    }),
  })
  .meta({ title: 'Problem candidate event detail' });
