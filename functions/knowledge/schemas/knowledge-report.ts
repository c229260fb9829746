import * as z from 'zod';

/* GET /reports/knowledge: its query and answer. */

export const DEFAULT_REPORT_DAYS = 30;
export const MAX_REPORT_DAYS = 366;
export const TOP_ARTICLES = 10;
/** Helpfulness is ranked only among articles with at least this many votes: two votes say little. */
export const MIN_VOTES_FOR_HELPFULNESS = 3;
export const DUE_FOR_REVIEW_LISTED = 50;

export const knowledgeReportQuery = z.strictObject({
  from: z.iso
    .date()
    .optional()
    .describe(`First UTC day of the deflections counted, YYYY-MM-DD; default: ${DEFAULT_REPORT_DAYS - 1} days before \`to\``),
  to: z.iso.date().optional().describe(`Last UTC day, inclusive; default: today. At most ${MAX_REPORT_DAYS} days from \`from\``),
});

const articleCounts = {
  id: z.string(),
  number: z.string(),
  title: z.string().describe('As of its last counted view, vote or deflection'),
  views: z.number().int(),
  helpful: z.number().int(),
  notHelpful: z.number().int(),
};

export const knowledgeReportSchema = z
  .object({
    from: z.string().describe('First day of the deflections counted'),
    to: z.string().describe('Last day of the deflections counted, inclusive'),
    deflections: z
      .object({
        total: z.number().int().describe('Needs answered by an article before a ticket was opened, on these days'),
        byDay: z.array(z.object({ day: z.string(), count: z.number().int() })).describe('Every day from `from` to `to`, zeros included, oldest first'),
      })
      .describe('Deflections counted on the days of the report (POST /suggestions/{id}/deflection)'),
    mostViewed: z
      .array(z.object(articleCounts))
      .describe(
        `The ${TOP_ARTICLES} published articles read most since they were first published (all time, not only these days), most first; retired articles are left out`,
      ),
    leastHelpful: z
      .array(
        z.object({
          ...articleCounts,
          helpfulRatio: z.number().describe('helpful / (helpful + notHelpful), 0 to 1, three decimals'),
        }),
      )
      .describe(
        `The ${TOP_ARTICLES} published articles with the lowest share of helpful votes (all time), among those with at least ${MIN_VOTES_FOR_HELPFULNESS} votes; lowest first, then most votes against; retired articles are left out`,
      ),
    dueForReview: z
      .object({
        reviewIntervalDays: z.number().int().describe('The interval in force (GET /knowledge-config)'),
        count: z.number().int().describe('Published articles last reviewed longer ago than the interval'),
        articles: z
          .array(
            z.object({
              id: z.string(),
              number: z.string(),
              title: z.string(),
              reviewedAt: z.string().describe('Its last approval'),
              ownerGroup: z.string().optional(),
            }),
          )
          .describe(`The first ${DUE_FOR_REVIEW_LISTED}, longest unreviewed first`),
      })
      .describe('Published articles due for review'),
  })
  .meta({ id: 'KnowledgeReport', description: 'Deflections, most viewed and least helpful articles, articles due for review' });
export type KnowledgeReport = z.infer<typeof knowledgeReportSchema>;
