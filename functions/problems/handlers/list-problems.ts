import { httpHandler } from '../../shared/http/handler.ts';
import { assertProblemAgent } from '../access.ts';
import { presentProblem } from '../present.ts';
import { listProblemsQuery } from '../schemas/problem.ts';
import { listProblems } from '../store/problem-store.ts';

/** One index Query per filter value, all in flight together (a few rounds, bounded, when other filters narrow it); never a Scan. */
export const handler = httpHandler(async (request) => {
  assertProblemAgent(request.principal);
  const { limit, cursor, ...filters } = request.query(listProblemsQuery);
  const page = await listProblems(filters, limit, cursor);
  return { status: 200, body: { ...page, items: page.items.map(presentProblem) } };
});
