import { knownErrorsFor } from '../../known-errors/incident-matches.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import { claimIdempotencyKey } from '../../shared/store/idempotency.ts';
import { createIncident } from '../commands.ts';
import { incidentResponse } from '../responses.ts';
import { createIncidentBody } from '../schemas/incident.ts';

/** POST /incidents: the create write (commands.ts), which e-mail shares. */
export const handler = httpHandler(async (request) => {
  const input = request.body(createIncidentBody);
  return createIncident(request.principal, input, {
    claimFor: () => claimIdempotencyKey(request, input),
    respond: (incident, knownErrors) => incidentResponse(201, incident, knownErrors),
    knownErrorsFor,
  });
});
