import { knownErrorsFor } from '../../known-errors/incident-matches.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import { suggestedArticlesFor } from '../../shared/search/suggested-articles.ts';
import { claimIdempotencyKey } from '../../shared/store/idempotency.ts';
import { createIncident } from '../commands.ts';
import { incidentResponse } from '../responses.ts';
import { createIncidentBody } from '../schemas/incident.ts';

/**
 * POST /incidents: the create write (commands.ts), which e-mail shares. The answer adds the
 * published articles that may solve it (`suggestedArticles`), searched beside the create (no round
 * trip added: the search index is in memory, refreshed by at most one Query of its change log a
 * second) and never stored, so a replay searches again; an unreadable index answers [].
 */
export const handler = httpHandler(async (request) => {
  const input = request.body(createIncidentBody);
  const [result, suggestedArticles] = await Promise.all([
    createIncident(request.principal, input, {
      claimFor: () => claimIdempotencyKey(request, input),
      respond: (incident, knownErrors) => incidentResponse(201, incident, knownErrors),
      knownErrorsFor,
    }),
    suggestedArticlesFor(request.principal, input),
  ]);
  return { ...result, body: { ...(result.body as Record<string, unknown>), suggestedArticles } };
});
