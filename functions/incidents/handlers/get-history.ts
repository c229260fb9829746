import { httpHandler } from '../../shared/http/handler.ts';
import { readVisibleIncident } from '../access.ts';
import { historySeenBy } from '../present.ts';
import { historyQuery } from '../schemas/incident.ts';
import { listIncidentHistory } from '../store/incident-store.ts';

/**
 * The audit trail, oldest first; one round trip by id. Read-only: no route updates or deletes a
 * record. Requesters see neither work notes nor the incident's link to a problem (historySeenBy).
 */
export const handler = httpHandler(async (request) => {
  const { limit, cursor } = request.query(historyQuery);
  const options = { includeWork: request.principal.isAgent, limit, ...(cursor === undefined ? {} : { cursor }) };
  const page = await readVisibleIncident(request.principal, request.pathParam('id'), (incidentId) => listIncidentHistory(incidentId, options));
  return { status: 200, body: { ...page, items: historySeenBy(request.principal, page.items) } };
});
