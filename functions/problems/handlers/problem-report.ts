import { byRoute, httpHandler } from '../../shared/http/handler.ts';
import { assertProblemAgent } from '../access.ts';
import { readProblemReport } from '../store/report-store.ts';

/*
 * GET /reports/problems: read from the counters problem and candidate writes keep in their own
 * transactions (store/report-store.ts): one Query, whatever the number of problems.
 */
export const handler = httpHandler(
  byRoute({
    'GET /reports/problems': async (request) => {
      // Unlike GET /reports/sla (403): to requesters problem management does not exist, its report neither.
      assertProblemAgent(request.principal, 'Problem report');
      return { status: 200, body: await readProblemReport() };
    },
  }),
);
