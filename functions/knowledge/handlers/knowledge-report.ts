import { fieldError, notFound, validationFailed } from '../../shared/errors.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import { dateOf, dayNumber, everyDay, leastHelpful, mostViewed } from '../domain/report.ts';
import { reviewCutoff } from '../domain/review.ts';
import {
  DEFAULT_REPORT_DAYS,
  DUE_FOR_REVIEW_LISTED,
  type KnowledgeReport,
  knowledgeReportQuery,
  MAX_REPORT_DAYS,
  MIN_VOTES_FOR_HELPFULNESS,
  TOP_ARTICLES,
} from '../schemas/knowledge-report.ts';
import { getKnowledgeConfig } from '../store/config-store.ts';
import { readAllArticleCounts, readDeflectionDays, readDueForReview } from '../store/report-store.ts';

/*
 * GET /reports/knowledge: agents and admins (to requesters it does not exist: 404). Deflections
 * of the days asked for (default the last 30), the most viewed and least helpful articles (their
 * counters are all-time), and the published articles due for review under the interval in force.
 * Reads counters and index entries, never article records, never a Scan (store/report-store.ts):
 * the configuration first (its interval sets the cutoff), then three Queries together.
 */
export const handler = httpHandler(async (request) => {
  if (!request.principal.isAgent) throw notFound('This report');
  const query = request.query(knowledgeReportQuery);
  const now = new Date();
  const to = query.to ?? now.toISOString().slice(0, 10);
  const from = query.from ?? dateOf(dayNumber(to) - (DEFAULT_REPORT_DAYS - 1));
  const days = dayNumber(to) - dayNumber(from) + 1;
  if (days < 1) throw validationFailed([fieldError('query', ['from'], `from (${from}) is after to (${to})`)]);
  if (days > MAX_REPORT_DAYS) {
    throw validationFailed([fieldError('query', ['from'], `${from} to ${to} spans ${days} days; a report covers at most ${MAX_REPORT_DAYS}`)]);
  }

  const config = await getKnowledgeConfig();
  const [counts, deflectionDays, due] = await Promise.all([
    readAllArticleCounts(),
    readDeflectionDays(from, to),
    readDueForReview(reviewCutoff(config, now).toISOString(), DUE_FOR_REVIEW_LISTED),
  ]);
  const byDay = everyDay(from, to, deflectionDays);
  const body: KnowledgeReport = {
    from,
    to,
    deflections: { total: byDay.reduce((sum, day) => sum + day.count, 0), byDay },
    mostViewed: mostViewed(counts, TOP_ARTICLES),
    leastHelpful: leastHelpful(counts, TOP_ARTICLES, MIN_VOTES_FOR_HELPFULNESS),
    dueForReview: { reviewIntervalDays: config.reviewIntervalDays, ...due },
  };
  return { status: 200, body };
});
