import { httpHandler } from '../../shared/http/handler.ts';
import { listTotal } from '../../shared/http/list-total.ts';
import { assertProblemAgent } from '../access.ts';
import { PROBLEM_COUNTS } from '../counts.ts';
import { presentProblem } from '../present.ts';
import { listProblemsQuery } from '../schemas/problem.ts';
import { listProblems } from '../store/problem-store.ts';

/** One index Query per filter value, all in flight together (a few rounds, bounded, when other filters narrow it); never a Scan. `count=true` reads the counters beside them. */
export const handler = httpHandler(async (request) => {
  assertProblemAgent(request.principal);
  const { limit, cursor, count, ...filters } = request.query(listProblemsQuery);
  const [page, total] = await Promise.all([listProblems(filters, limit, cursor), listTotal(count, PROBLEM_COUNTS, filters)]);
  return { status: 200, body: { ...page, ...total, items: page.items.map(presentProblem) } };
});
