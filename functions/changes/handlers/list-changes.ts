import { fieldError, validationFailed } from '../../shared/errors.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import { listTotal } from '../../shared/http/list-total.ts';
import { assertChangeAgent } from '../access.ts';
import { CHANGE_COUNTS } from '../counts.ts';
import { presentChange } from '../present.ts';
import { listChangesQuery } from '../schemas/change.ts';
import { listChanges } from '../store/change-store.ts';

/** One index Query per page (a few, bounded, when filters narrow it); never a Scan. `count=true` reads the counters beside it. */
export const handler = httpHandler(async (request) => {
  assertChangeAgent(request.principal);
  const { limit, cursor, count, ...filters } = request.query(listChangesQuery);
  if (filters.plannedFrom !== undefined && filters.plannedTo !== undefined && !(Date.parse(filters.plannedTo) > Date.parse(filters.plannedFrom))) {
    throw validationFailed([fieldError('query', ['plannedTo'], 'Must be after plannedFrom')]);
  }
  const [page, total] = await Promise.all([listChanges(filters, limit, cursor), listTotal(count, CHANGE_COUNTS, filters)]);
  return { status: 200, body: { ...page, ...total, items: page.items.map(presentChange) } };
});
