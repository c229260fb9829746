/**
 * The known-errors area's API description: its tag, the operation of its one route and the
 * components it names, among them KnownErrorMatch, which incidents' create and update answer.
 * Loaded by the OpenAPI build only (scripts/openapi/), never by a handler.
 */
import { defineApi, PAGE_NOTE } from '../shared/api/operation.ts';
import { listEnvelope } from '../shared/schemas/common.ts';
import { MAX_KNOWN_ERROR_MATCHES } from './domain/known-error.ts';
import { knownErrorMatchSchema, knownErrorSchema, listKnownErrorsQuery } from './schemas/known-error.ts';

export default defineApi({
  tags: {
    'Known errors': `Problems whose workaround is published: listed by service, configuration item or category, and answered (at most ${MAX_KNOWN_ERROR_MATCHES}) when an agent opens or updates a matching incident`,
  },
  responseSchemas: {
    KnownError: knownErrorSchema,
    KnownErrorPage: listEnvelope(knownErrorSchema),
    KnownErrorMatch: knownErrorMatchSchema,
  },
  operations: {
    'GET /known-errors': {
      operationId: 'listKnownErrors',
      summary: 'List known errors',
      tag: 'Known errors',
      audience: 'agent',
      description: [
        'The published known errors: problems with `knownError: true` and a `workaround`, newest first by publication. A canceled problem, or one resolved as a `duplicate` or `canceled`, is not listed; nor is one closed after its fix was applied (`fix_applied`: the fix is in and reviewed). A problem that is only resolved stays listed while its fix is verified, and one resolved with the risk accepted (`risk_accepted`) stays listed, closed or not: its workaround is the lasting answer. Setting `knownError` back to false, or clearing the workaround, withdraws it at once.',
        '`ci` finds the known errors of problems that name that configuration item by id (`configurationItems`). `configurationItem` finds those of problems written before configuration items were named by id, by their free text; it and `category` match whatever their case and surrounding spaces. Several filters combine with AND. Each filter, and no filter, is one Query per page of a partition kept for it (never a Scan); with several, the most specific filter is read (`ci`, then `configurationItem`, then service, then category) and the others narrow it.',
        'An incident is answered the known errors of the configuration items it names by id, then (for an incident written before, whose free text it keeps) those of old problems with the same text, then those of its service, then those of its category.',
        PAGE_NOTE,
        'Requesters get 404: to them problem management, known errors included, does not exist.',
      ].join('\n\n'),
      query: listKnownErrorsQuery,
      responses: { 200: { description: 'One page of known errors', schema: 'KnownErrorPage' } },
      errorTypes: ['not-found'],
    },
  },
});
