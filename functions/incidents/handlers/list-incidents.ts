import { httpHandler } from '../../shared/http/handler.ts';
import { emptyListTotal, listTotal } from '../../shared/http/list-total.ts';
import { INCIDENT_COUNTS } from '../counts.ts';
import { incidentSeenBy, presentIncident } from '../present.ts';
import { listIncidentsQuery } from '../schemas/incident.ts';
import { listIncidents } from '../store/incident-store.ts';

/**
 * One index Query per filter value, in flight together; with `count=true`, the counters beside them.
 * Requesters' lists are always narrowed to incidents they raised (and counted as such).
 */
export const handler = httpHandler(async (request) => {
  const { limit, cursor, count, ...filters } = request.query(listIncidentsQuery);
  const principal = request.principal;
  if (!principal.isAgent) {
    if (filters.caller !== undefined && !filters.caller.includes(principal.userId)) {
      return { status: 200, body: { items: [], ...emptyListTotal(count, INCIDENT_COUNTS, filters) } };
    }
    filters.caller = [principal.userId];
  }
  const [page, total] = await Promise.all([listIncidents(filters, limit, cursor), listTotal(count, INCIDENT_COUNTS, filters)]);
  const now = new Date();
  return { status: 200, body: { ...page, ...total, items: page.items.map((incident) => presentIncident(incidentSeenBy(principal, incident), now)) } };
});
