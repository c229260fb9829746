import { httpHandler } from '../../shared/http/handler.ts';
import { incidentSeenBy, presentIncident } from '../present.ts';
import { listIncidentsQuery } from '../schemas/incident.ts';
import { listIncidents } from '../store/incident-store.ts';

/** One index Query per filter value, in flight together. Requesters' lists are always narrowed to incidents they raised. */
export const handler = httpHandler(async (request) => {
  const { limit, cursor, ...filters } = request.query(listIncidentsQuery);
  const principal = request.principal;
  if (!principal.isAgent) {
    if (filters.caller !== undefined && !filters.caller.includes(principal.userId)) return { status: 200, body: { items: [] } };
    filters.caller = [principal.userId];
  }
  const page = await listIncidents(filters, limit, cursor);
  const now = new Date();
  return { status: 200, body: { ...page, items: page.items.map((incident) => presentIncident(incidentSeenBy(principal, incident), now)) } };
});
