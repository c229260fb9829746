import { httpHandler } from '../../shared/http/handler.ts';
import { assertChangeAgent, loadChange } from '../access.ts';
import { changeResponse } from '../responses.ts';

/** One round trip: GetItem by id, or one index Query by number. */
export const handler = httpHandler(async (request) => {
  assertChangeAgent(request.principal);
  return changeResponse(200, await loadChange(request.pathParam('id')));
});
