import { fieldError, validationFailed } from '../../shared/errors.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import { assertChangeAgent } from '../access.ts';
import { presentChange } from '../present.ts';
import { listChangesQuery } from '../schemas/change.ts';
import { listChanges } from '../store/change-store.ts';

/** One index Query per page (a few, bounded, when filters narrow it); never a Scan. */
export const handler = httpHandler(async (request) => {
  assertChangeAgent(request.principal);
  const { limit, cursor, ...filters } = request.query(listChangesQuery);
  if (filters.plannedFrom !== undefined && filters.plannedTo !== undefined && !(Date.parse(filters.plannedTo) > Date.parse(filters.plannedFrom))) {
    throw validationFailed([fieldError('query', ['plannedTo'], 'Must be after plannedFrom')]);
  }
  const page = await listChanges(filters, limit, cursor);
  return { status: 200, body: { ...page, items: page.items.map(presentChange) } };
});
