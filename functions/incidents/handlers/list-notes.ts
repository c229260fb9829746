import { httpHandler } from '../../shared/http/handler.ts';
import { readVisibleIncident } from '../access.ts';
import { historyQuery } from '../schemas/incident.ts';
import { listIncidentNotes } from '../store/incident-store.ts';

/** Oldest first, like a conversation; requesters never see work notes. One round trip by id. */
export const handler = httpHandler(async (request) => {
  const { limit, cursor } = request.query(historyQuery);
  const options = { includeWork: request.principal.isAgent, limit, ...(cursor === undefined ? {} : { cursor }) };
  const page = await readVisibleIncident(request.principal, request.pathParam('id'), (incidentId) => listIncidentNotes(incidentId, options));
  return { status: 200, body: page };
});
