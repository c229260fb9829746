/**
 * The search area's API description. Loaded by the OpenAPI build only (scripts/openapi/), never by a handler.
 */
import { defineApi } from '../shared/api/operation.ts';
import { searchQuery, searchResponseSchema, searchResultSchema } from './schemas/search.ts';

export default defineApi({
  tags: { Search: 'Ranked full-text search with stemming, prefixes and typo tolerance over what the caller may read' },
  responseSchemas: {
    SearchResult: searchResultSchema,
    SearchResults: searchResponseSchema,
  },
  operations: {
    'GET /search': {
      operationId: 'searchRecords',
      summary: 'Search articles and tickets',
      tag: 'Search',
      audience: 'requester',
      description: [
        "Finds the records whose words match `q`, best first (BM25 relevance; a title counts three times, keywords twice). Every word of the query must match (AND); when no record matches them all, records matching any of them are answered (OR). A word matches its other forms (stemming: `restarting` finds `restart`), as a prefix from 3 letters (`pass` finds `password`) and with a typo from 4 letters (`pasword` finds `password`). A record's number finds it (`KB…`, `INC…`, `PRB…`: a known error is found by its problem's number).",
        'What each caller finds: a requester, the published articles whose audience is `public` and the incidents they raised (they are its caller); an agent or admin, every published article, every incident, problem and published known error. Drafts, articles in review and retired articles are never found; a published article being edited is found by its published text until the new version is published. `kinds` narrows to some of these kinds (a requester asking only for problems finds nothing). `service` narrows to what concerns a service: an article naming it among its services (not only its first), an incident of it, a problem or known error of it or impacting it; each result lists its `services`.',
        'The index follows the table: a record written is found (or gone) within a few seconds. It is rebuilt from the table after each deployment and on demand (`npm run search:rebuild`; docs/knowledge.md).',
      ].join('\n\n'),
      query: searchQuery,
      responses: { 200: { description: 'What was found, best first (at most `limit`)', schema: 'SearchResults' } },
    },
  },
});
