import * as z from 'zod';
/**
 * The knowledge area's API description: its tags, the operations of its routes and the components
 * they name. Loaded by the OpenAPI build only (scripts/openapi/), never by a handler.
 */
import { defineApi } from '../shared/api/operation.ts';
import { articleEventSchemas, articleOperations, articlePublishedEvents, articleRequestSchemas, articleResponseSchemas } from './articles-api.ts';
import { feedbackOperations, feedbackRequestSchemas, feedbackResponseSchemas } from './feedback-api.ts';

export default defineApi({
  tags: {
    Knowledge: 'Articles with review and publishing, versions, feedback, and the known error turned into an article',
  },
  requestSchemas: {
    ...articleRequestSchemas,
    ...feedbackRequestSchemas,
  },
  responseSchemas: {
    ...articleResponseSchemas,
    ...feedbackResponseSchemas,
  },
  // Placeholders of the skeleton, replaced by each slice's descriptions.
  operations: {
    ...articleOperations,
    ...feedbackOperations,
    'POST /suggestions': {
      operationId: 'postSuggestions',
      summary: 'Placeholder (skeleton)',
      tag: 'Knowledge',
      audience: 'requester',
      description: 'Placeholder of the skeleton: the slice that builds this route describes it.',
      responses: { 200: { description: 'placeholder' } },
      errorTypes: ['not-found'],
    },
    'POST /suggestions/{id}/deflection': {
      operationId: 'postSuggestionsIdDeflection',
      summary: 'Placeholder (skeleton)',
      tag: 'Knowledge',
      audience: 'requester',
      description: 'Placeholder of the skeleton: the slice that builds this route describes it.',
      pathParameters: { id: { schema: z.string(), description: 'placeholder' } },
      responses: { 200: { description: 'placeholder' } },
      errorTypes: ['not-found'],
    },
  },
  publishedEvents: articlePublishedEvents,
  eventSchemas: articleEventSchemas,
});
