import { httpHandler } from '../../shared/http/handler.ts';
import { assertProblemAgent, loadProblem } from '../access.ts';
import { problemResponse } from '../responses.ts';

/** One round trip: GetItem by id, or one index Query by number. */
export const handler = httpHandler(async (request) => {
  const id = request.pathParam('id');
  assertProblemAgent(request.principal, `Problem ${id}`);
  return problemResponse(200, await loadProblem(id));
});
