import { httpHandler } from '../../shared/http/handler.ts';
import { prepareSuggestions, suggestedArticlesFor } from '../../shared/search/suggested-articles.ts';
import { claimIdempotencyKey } from '../../shared/store/idempotency.ts';
import type { ServiceRequest } from '../domain/request.ts';
import { submitRequestResult } from '../operations.ts';
import { createRequestBody } from '../schemas/request.ts';

/**
 * POST /requests: anyone signed in orders a catalog item they may order. Two round trips (the
 * item, a number, the configuration and the requester's user in one; then the transaction), then
 * the workflow's start: operations.ts submitRequest, the path e-mail takes too. The answer adds
 * the published articles that may answer the need (`suggestedArticles`, never stored): the search
 * index is brought up to date beside the placement, then searched in memory for the item's name
 * and the answers' text once the item is known; an unreadable index answers [].
 */
export const handler = httpHandler(async (request) => {
  const input = request.body(createRequestBody);
  const claim = claimIdempotencyKey(request, input);
  const [{ result, request: placed }] = await Promise.all([
    submitRequestResult({
      requester: request.principal,
      itemId: input.item,
      answers: input.answers,
      source: 'api',
      ...(claim === undefined ? {} : { idempotency: claim }),
    }),
    prepareSuggestions(),
  ]);
  const suggestedArticles = await suggestedArticlesFor(request.principal, need(placed));
  return { ...result, body: { ...(result.body as Record<string, unknown>), suggestedArticles } };
});

/** At most this much of the answers' text is searched: the words that say what is needed come first. */
const MAX_NEED_TEXT = 4000;

/** What the request asks for, in words: the item's name and category, and the text of the answers. */
function need(request: ServiceRequest): { title: string; description: string } {
  const words: string[] = [request.item.category];
  const collect = (value: unknown): void => {
    if (typeof value === 'string') words.push(value);
    else if (Array.isArray(value)) value.forEach(collect);
  };
  Object.values(request.answers ?? {}).forEach(collect);
  return { title: request.item.name, description: words.join('\n').slice(0, MAX_NEED_TEXT) };
}
