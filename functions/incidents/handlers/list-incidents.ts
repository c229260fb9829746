import { httpHandler } from '../../shared/http/handler.ts';
import { listIncidentsQuery } from '../schemas/incident.ts';
import { listIncidents } from '../store/incident-store.ts';

/** One index Query per page. Requesters' lists are always narrowed to incidents they raised. */
export const handler = httpHandler(async (request) => {
  const { limit, cursor, ...filters } = request.query(listIncidentsQuery);
  const principal = request.principal;
  if (!principal.isAgent) {
    if (filters.caller !== undefined && filters.caller !== principal.userId) return { status: 200, body: { items: [] } };
    filters.caller = principal.userId;
  }
  const page = await listIncidents(filters, limit, cursor);
  return { status: 200, body: page };
});
