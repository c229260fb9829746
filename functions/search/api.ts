/**
 * The search area's API description. Loaded by the OpenAPI build only (scripts/openapi/), never by a handler.
 */
import { defineApi } from '../shared/api/operation.ts';

export default defineApi({
  tags: { Search: 'Ranked full-text search with stemming, prefixes and typo tolerance over what the caller may read' },
  operations: {
    'GET /search': {
      operationId: 'getSearch',
      summary: 'Placeholder (skeleton)',
      tag: 'Search',
      audience: 'requester',
      description: 'Placeholder of the skeleton: the slice that builds this route describes it.',
      responses: { 200: { description: 'placeholder' } },
      errorTypes: ['not-found'],
    },
  },
});
