import { httpHandler } from '../../shared/http/handler.ts';
import { loadVisibleIncident } from '../access.ts';
import { historyQuery } from '../schemas/incident.ts';
import { listNotes } from '../store/incident-store.ts';

/** Oldest first, like a conversation; requesters never see work notes. */
export const handler = httpHandler(async (request) => {
  const { limit, cursor } = request.query(historyQuery);
  const incident = await loadVisibleIncident(request.principal, request.pathParam('id'));
  const page = await listNotes(incident.id, { includeWork: request.principal.isAgent, limit, ...(cursor === undefined ? {} : { cursor }) });
  return { status: 200, body: page };
});
