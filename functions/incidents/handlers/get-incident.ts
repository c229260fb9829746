import { etagOf, httpHandler } from '../../shared/http/handler.ts';
import { loadVisibleIncident } from '../access.ts';
import { incidentSeenBy } from '../present.ts';
import { incidentResponse } from '../responses.ts';

/** One round trip: GetItem by id, or one index Query by number. */
export const handler = httpHandler(async (request) => {
  const incident = await loadVisibleIncident(request.principal, request.pathParam('id'));
  return { ...incidentResponse(200, incidentSeenBy(request.principal, incident)), headers: { etag: etagOf(incident.version) } };
});
