import { fieldError, forbidden, validationFailed } from '../../shared/errors.ts';
import { byRoute, httpHandler } from '../../shared/http/handler.ts';
import { DEFAULT_REPORT_DAYS, MAX_REPORT_DAYS, slaReportQuery } from '../schemas/report.ts';
import { readSlaReport } from '../store/report-store.ts';

/*
 * GET /reports/sla: read from the counters incident changes keep (store/report-store.ts), so its
 * cost depends on the days and values asked for, never on the number of incidents.
 */

const DAY_MS = 86_400_000;
const dayNumber = (date: string): number => Date.parse(`${date}T00:00:00Z`) / DAY_MS;
const dateOf = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

export const handler = httpHandler(
  byRoute({
    'GET /reports/sla': async (request) => {
      if (!request.principal.isAgent) throw forbidden('Only agents and admins can read reports');
      const query = request.query(slaReportQuery);
      const to = query.to ?? new Date().toISOString().slice(0, 10);
      const from = query.from ?? dateOf(dayNumber(to) - (DEFAULT_REPORT_DAYS - 1));
      const days = dayNumber(to) - dayNumber(from) + 1;
      if (days < 1) throw validationFailed([fieldError('query', ['from'], `from (${from}) is after to (${to})`)]);
      if (days > MAX_REPORT_DAYS) {
        throw validationFailed([fieldError('query', ['from'], `${from} to ${to} spans ${days} days; a report covers at most ${MAX_REPORT_DAYS}`)]);
      }
      return { status: 200, body: await readSlaReport(from, to, query.groupBy) };
    },
  }),
);
