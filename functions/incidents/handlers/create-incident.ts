import { httpHandler } from '../../shared/http/handler.ts';
import { claimIdempotencyKey } from '../../shared/store/idempotency.ts';
import { createIncident } from '../commands.ts';
import { createIncidentBody } from '../schemas/incident.ts';

/** POST /incidents: the create write (commands.ts), which e-mail shares. */
export const handler = httpHandler(async (request) => {
  const input = request.body(createIncidentBody);
  return createIncident(request.principal, input, () => claimIdempotencyKey(request, input));
});
