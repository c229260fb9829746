import * as z from 'zod';
import { OPEN_PROBLEM_STATUSES, PROBLEM_STATUSES } from '../domain/lifecycle.ts';

/** GET /reports/problems, as store/report-store.ts reads it from the maintained counters. */
const countsBy = (statuses: readonly string[]) => z.object(Object.fromEntries(statuses.map((s) => [s, z.int()])));

export const problemReportSchema = z
  .object({
    openProblems: z.object({
      total: z.int().describe('Problems neither resolved, closed nor canceled'),
      byStatus: countsBy(OPEN_PROBLEM_STATUSES).describe('Open problems in each open status'),
      byService: z.array(z.object({ service: z.string().describe('`-`: problems without a service'), open: z.int() })).describe('Services with open problems'),
    }),
    problemsByStatus: countsBy(PROBLEM_STATUSES).describe('Every problem, in the status it is in now'),
    problems: z.int().describe('Problems opened so far'),
    knownErrorsPublished: z
      .int()
      .describe('Known errors published now, as GET /known-errors lists them (with a workaround; not canceled, a duplicate, or closed with its fix applied)'),
    rootCauses: z.object({
      documented: z.int().describe('Problems whose root cause has been documented'),
      meanTimeToRootCause: z
        .string()
        .nullable()
        .describe('Mean time from opening a problem to the first time its root cause was documented (`rootCauseAt`), ISO 8601; null before any'),
    }),
    linkedIncidents: z.object({
      total: z.int().describe('Incidents linked to problems now'),
      meanPerProblem: z.number().nullable().describe('total / problems, two decimals; null before any problem'),
    }),
    candidates: z.object({
      found: z.int(),
      open: z.int(),
      accepted: z.int(),
      dismissed: z.int(),
    }),
  })
  .meta({ id: 'ProblemReport', description: 'Problem management figures, read from counters every problem and candidate write keeps' });
