/**
 * The knowledge area's API description: its tags, the operations of its routes and the components
 * they name. Loaded by the OpenAPI build only (scripts/openapi/), never by a handler.
 */
import { defineApi } from '../shared/api/operation.ts';
import { articleEventSchemas, articleOperations, articlePublishedEvents, articleRequestSchemas, articleResponseSchemas } from './articles-api.ts';
import { feedbackOperations, feedbackRequestSchemas, feedbackResponseSchemas } from './feedback-api.ts';
import { suggestionOperations, suggestionRequestSchemas, suggestionResponseSchemas } from './suggestions-api.ts';

export default defineApi({
  tags: {
    Knowledge: 'Articles with review and publishing, versions, feedback, and the known error turned into an article',
  },
  requestSchemas: {
    ...articleRequestSchemas,
    ...feedbackRequestSchemas,
    ...suggestionRequestSchemas,
  },
  responseSchemas: {
    ...articleResponseSchemas,
    ...feedbackResponseSchemas,
    ...suggestionResponseSchemas,
  },
  operations: {
    ...articleOperations,
    ...feedbackOperations,
    ...suggestionOperations,
  },
  publishedEvents: articlePublishedEvents,
  eventSchemas: articleEventSchemas,
});
