/**
 * The API description of the answers offered before a ticket is opened: POST /suggestions and its
 * deflection. Spread into ./api.ts; loaded by the OpenAPI build only, never by a handler.
 */
import * as z from 'zod';
import type { OperationSpec } from '../shared/api/operation.ts';
import { suggestedArticleSchema } from '../shared/search/suggested-article-schema.ts';
import { deflectionBody, deflectionSchema, suggestionBody, suggestionSchema } from './schemas/suggestion.ts';

const TAG = 'Knowledge';

export const suggestionRequestSchemas = {
  CreateSuggestion: suggestionBody,
  CreateDeflection: deflectionBody,
} as const;

export const suggestionResponseSchemas = {
  SuggestedArticle: suggestedArticleSchema,
  Suggestion: suggestionSchema,
  Deflection: deflectionSchema,
} as const;

export const suggestionOperations = {
  'POST /suggestions': {
    operationId: 'createSuggestion',
    summary: 'Suggest articles for a need',
    tag: TAG,
    audience: 'requester',
    description: [
      "Before opening a ticket, anyone signed in describes their need (`title`, optionally `description` and `service`) and is offered the published articles most likely to answer it, best first: a full-text search of the articles' titles, keywords and text for the words of the need (stemmed, common words left out), articles about the same `service` ranked higher. A requester is offered public articles only; agents every published article. An article is offered within seconds of being published, and no longer once retired.",
      'The suggestion is kept 30 days under its `id`, with who asked and the articles offered: when one of them answers the need, say so with POST /suggestions/{id}/deflection. Nothing matching answers an empty `articles`. A `service` must exist (GET /services), checked in the transaction putting the suggestion: 400 `validation-error` at `service` otherwise. Each offered article names its `url`, as the `suggestedArticles` of POST /incidents and POST /requests do.',
      'A retry with the same Idempotency-Key answers the first answer and stores nothing more.',
      "One Query of the search index's change log (at most once a second per function instance: the index is kept in memory between calls) and one transaction putting the suggestion.",
    ].join('\n\n'),
    body: { schema: 'CreateSuggestion' },
    idempotencyKey: true,
    responses: { 201: { description: 'The articles offered', schema: 'Suggestion', headers: ['Idempotent-Replayed'] } },
  },
  'POST /suggestions/{id}/deflection': {
    operationId: 'createDeflection',
    summary: 'Say an article answered the need',
    tag: TAG,
    audience: 'requester',
    description: [
      'The caller of POST /suggestions says which of the articles it offered answered their need, so no ticket is opened: a deflection, counted once per suggestion, to the article (its `deflections`) and to the day (GET /reports/knowledge).',
      "`article` (an id or a number) must be one the suggestion offered: 400 `validation-error` at `article` otherwise. A second deflection of the same suggestion is 409 `already-deflected`, whichever article it names. A suggestion that does not exist, has expired (30 days) or is another user's is 404.",
      'A retry with the same Idempotency-Key answers the first answer (not 409) and counts nothing more.',
      "One GetItem of the suggestion (with the Idempotency-Key's stored answer, when a key is sent), then one transaction: the suggestion marked (on condition it is not yet), the article's counter and the day's counter added.",
    ].join('\n\n'),
    pathParameters: { id: { schema: z.string(), description: 'The suggestion id POST /suggestions answered' } },
    body: { schema: 'CreateDeflection' },
    idempotencyKey: true,
    responses: { 201: { description: 'Counted', schema: 'Deflection', headers: ['Idempotent-Replayed'] } },
    errorTypes: ['not-found', 'already-deflected'],
  },
} as const satisfies Record<string, OperationSpec>;
