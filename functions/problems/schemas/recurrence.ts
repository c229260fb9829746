import * as z from 'zod';
import { DETAIL_SCHEMA_VERSION } from '../../shared/domain/outbox.ts';
import { cursorParam, isoTimestamp, limitParam, slug } from '../../shared/schemas/common.ts';
import { CANDIDATE_EVENT_TYPES, CANDIDATE_STATUSES } from '../domain/candidate.ts';
import { MAX_SERVICE_OVERRIDES, MAX_THRESHOLD, MAX_WINDOW_DAYS, MIN_THRESHOLD, RECURRENCE_KINDS } from '../domain/recurrence.ts';
import { problemSchema } from './problem.ts';

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
        kind: z.enum(RECURRENCE_KINDS).describe('`service_category`: same service and category; `dedup_key`: same alert dedup key'),
        service: z.string().optional(),
        category: z.string().optional().describe('service_category: the category, in lowercase'),
        dedupKey: z.string().optional(),
        dedupScope: z.string().optional().describe("dedup_key: the service the key is unique in ('-' for events without a service)"),
      })
      .describe('What recurred'),
    rule: recurrenceRuleSchema.describe('The rule in force when the candidate was recorded'),
    windowStart: isoTimestamp.describe('When the first of its incidents was opened'),
    windowEnd: isoTimestamp.describe('windowDays later: incidents of the key opened before this start no other candidate'),
    incidents: z.array(reference.extend({ createdAt: z.string() })).describe('The incidents it is built from, oldest first'),
    assignmentGroup: z.string().optional().describe("The service's owner group, told when the candidate was found"),
    acceptance: z
      .object({ problem: reference.describe('The problem it opened'), by: z.string(), at: isoTimestamp })
      .optional()
      .describe('accepted: the problem it opened, who accepted it and when'),
    dismissal: z.object({ reason: z.string(), by: z.string(), at: isoTimestamp }).optional().describe('dismissed: why, who dismissed it and when'),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.number().int(),
  })
  .meta({ id: 'ProblemCandidate', description: 'Incidents that recurred often enough to propose a problem' });

export const acceptedProblemCandidateSchema = problemSchema
  .extend({
    notLinked: z
      .array(
        z.object({
          incident: reference,
          linkedProblem: reference.optional().describe('The problem it is linked to instead (absent: the incident no longer exists)'),
        }),
      )
      .describe("The candidate's incidents that were not linked: each is linked to another problem already, and stays there. Empty when all are linked"),
  })
  .meta({ id: 'AcceptedProblemCandidate', description: "The problem a candidate opened, and the candidate's incidents it could not link" });

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

/** The published shape of a candidate's events, found, accepted and dismissed (documentation: domain/candidate.ts builds them). */
export const candidateEventDetail = z
  .object({
    schemaVersion: z.literal(DETAIL_SCHEMA_VERSION).describe('Changes only on an incompatible change of this schema'),
    eventId: z.string().describe('Stable across redeliveries: dedupe on it'),
    type: z.enum(CANDIDATE_EVENT_TYPES).describe('Also the detail-type'),
    occurredAt: z.string().describe('When the candidate was recorded, accepted or dismissed (ISO 8601)'),
    actor: z.string().describe('Found: `problem-detection`; accepted or dismissed: the agent'),
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
      problem: z
        .object({ id: z.string(), number: z.string() })
        .optional()
        .describe('Problem Candidate Accepted: the problem it opened. A dismissal carries no reason (free text): GET /problem-candidates/{id} has it'),
      version: z.int(),
    }),
  })
  .meta({ title: 'Problem candidate event detail' });
