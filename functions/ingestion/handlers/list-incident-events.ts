import { forbidden } from '../../shared/errors.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import { readVisibleIncident } from '../../incidents/access.ts';
import { pageQuery } from '../schemas/ingestion.ts';
import { listIncidentEvents } from '../store/alert-store.ts';

/** The raw events that touched an incident, oldest first, for as long as they are retained. Agents only. */
export const handler = httpHandler(async (request) => {
  const { limit, cursor } = request.query(pageQuery);
  const page = await readVisibleIncident(request.principal, request.pathParam('id'), (incidentId) => listIncidentEvents(incidentId, limit, cursor));
  if (!request.principal.isAgent) throw forbidden('Only agents can read the events of an incident');
  return { status: 200, body: page };
});
