import { forbidden } from '../../shared/errors.ts';
import { byRoute, httpHandler } from '../../shared/http/handler.ts';
import { readProblemReport } from '../store/report-store.ts';

/*
 * GET /reports/problems: read from the counters problem and candidate writes keep in their own
 * transactions (store/report-store.ts): one Query, whatever the number of problems.
 */
export const handler = httpHandler(
  byRoute({
    'GET /reports/problems': async (request) => {
      // Like GET /reports/sla: a report names no problem, so requesters are told they may not read it.
      if (!request.principal.isAgent) throw forbidden('Only agents and admins can read reports');
      return { status: 200, body: await readProblemReport() };
    },
  }),
);
