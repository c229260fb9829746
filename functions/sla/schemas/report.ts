import * as z from 'zod';
import { REPORT_COUNTERS, REPORT_DIMENSIONS, type ReportCounter, type ReportDimension } from '../domain/report-fields.ts';

/*
 * The report's query and answer, free of storage, so that the API description can be built without
 * a table. Its vocabulary (domain/report-fields.ts) is shared with the report store, which every
 * incident write loads: there it comes without zod.
 */

export { REPORT_COUNTERS, REPORT_DIMENSIONS, type ReportCounter, type ReportDimension };

export const DEFAULT_REPORT_DAYS = 30;
export const MAX_REPORT_DAYS = 366;

export const slaReportQuery = z.strictObject({
  from: z.iso
    .date()
    .optional()
    .describe(`First UTC day, YYYY-MM-DD; default: ${DEFAULT_REPORT_DAYS - 1} days before \`to\``),
  to: z.iso.date().optional().describe(`Last UTC day, inclusive; default: today. At most ${MAX_REPORT_DAYS} days from \`from\``),
  groupBy: z.enum(REPORT_DIMENSIONS).default('priority').describe('The dimension to group by'),
});

const clock = z.object({
  met: z.number().int().describe('Clocks that stopped within their target'),
  breached: z.number().int().describe('Clocks that stopped after their target'),
  attainment: z.number().nullable().describe('met / (met + breached) in percent, one decimal; null when no clock stopped'),
});

const figures = {
  response: clock.describe('Response clocks, counted on the day they stopped'),
  resolution: clock.describe('Resolution clocks, counted on the day they stopped'),
  breaches: z.number().int().describe('Targets missed, each counted once, on the day the breach was recorded (also of clocks still running)'),
  acknowledged: z.number().int().describe('Incidents first acknowledged on these days'),
  meanTimeToAcknowledge: z
    .string()
    .nullable()
    .describe('Mean wall-clock time from opening to the first response (ISO 8601, hours at most); null without acknowledgements'),
  resolved: z.number().int().describe('Incidents resolved on these days (a reopen takes its resolution back)'),
  meanTimeToResolve: z.string().nullable().describe('Mean wall-clock time from opening to resolution; null without resolutions'),
};

export const slaReportSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    groupBy: z.enum(REPORT_DIMENSIONS),
    groups: z
      .array(z.object({ key: z.string().describe('The value of the dimension; `-` for incidents without one (no group, no service)'), ...figures }))
      .describe('One per value that had something to count, sorted by key'),
    totals: z.object(figures),
  })
  .describe('SLA attainment, breaches, MTTA and MTTR over UTC days, from counters kept up to date by every incident change');
