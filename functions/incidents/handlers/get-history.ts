import { httpHandler } from '../../shared/http/handler.ts';
import { loadVisibleIncident } from '../access.ts';
import { historyQuery } from '../schemas/incident.ts';
import { listHistory } from '../store/incident-store.ts';

/** The audit trail, oldest first. Read-only: no route updates or deletes a record. */
export const handler = httpHandler(async (request) => {
  const { limit, cursor } = request.query(historyQuery);
  const incident = await loadVisibleIncident(request.principal, request.pathParam('id'));
  const page = await listHistory(incident.id, { includeWork: request.principal.isAgent, limit, ...(cursor === undefined ? {} : { cursor }) });
  return { status: 200, body: page };
});
