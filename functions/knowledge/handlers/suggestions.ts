import { serviceKey } from '../../directory/store/keys.ts';
import { directoryRecordLive } from '../../directory/store/references.ts';
import { conflict, fieldError, notFound, validationFailed } from '../../shared/errors.ts';
import { byRoute, httpHandler } from '../../shared/http/handler.ts';
import { suggestArticles } from '../../shared/search/suggest.ts';
import { MAX_SUGGESTED_ARTICLES, suggestedArticleUrl } from '../../shared/search/suggested-article-schema.ts';
import { suggestionAudience } from '../../shared/search/suggested-articles.ts';
import { newId } from '../../shared/store/audit.ts';
import { type FieldCheck, fieldCheckErrors, fieldCheckItems } from '../../shared/store/field-checks.ts';
import { claimIdempotencyKey, commitIdempotently, previousResponse } from '../../shared/store/idempotency.ts';
import { TransactionRefused } from '../../shared/store/transaction.ts';
import { deflectionBody, suggestionBody } from '../schemas/suggestion.ts';
import { deflectionItems, getSuggestion, SUGGESTION_ITEM, suggestionExpiry, suggestionPut } from '../store/suggestion-store.ts';

/*
 * Answers before tickets (issue 16): POST /suggestions offers the published articles most likely to
 * answer a need (one refresh of the articles index, at most one Query of its change log a second
 * per instance, then one transaction putting the suggestion, with the check that the service it
 * names exists: 400 at `service` otherwise, as an incident naming it); POST /suggestions/{id}/deflection
 * records that one of them answered it, counted once: one GetItem (with the Idempotency-Key's stored
 * answer, when a key is sent), then one transaction (the suggestion marked, the article's
 * deflections and the day's count added). Both honour Idempotency-Key: a retry answers the first
 * answer (a retried suggestion searches again but stores nothing; a retried deflection is not 409).
 */

/** The service a need names exists (and is not being deleted): checked in the suggestion's own transaction, 400 at `service`. */
function serviceCheck(service: string, now: Date): FieldCheck {
  return {
    item: directoryRecordLive(serviceKey(service), now.toISOString()),
    refusal: (old) => ({
      path: ['service'],
      message: old === undefined ? `There is no service named '${service}' (GET /services)` : `Service '${service}' is being deleted`,
    }),
  };
}

export const handler = httpHandler(
  byRoute({
    'POST /suggestions': async (request) => {
      const input = request.body(suggestionBody);
      const { principal } = request;
      const claim = claimIdempotencyKey(request, input);
      const articles = await suggestArticles(
        {
          title: input.title,
          ...(input.description === undefined ? {} : { description: input.description }),
          ...(input.service === undefined ? {} : { service: input.service }),
        },
        { audience: suggestionAudience(principal), limit: MAX_SUGGESTED_ARTICLES },
      );
      const now = new Date();
      const id = newId();
      const suggestion = {
        id,
        by: principal.userId,
        at: now.toISOString(),
        title: input.title,
        ...(input.service === undefined ? {} : { service: input.service }),
        articles: articles.map((article) => article.id),
        offered: articles.map(({ id, number, title }) => ({ id, number, title })),
        expiresAt: suggestionExpiry(now),
      };
      const body = { id, articles: articles.map(({ id, number, title, score }) => ({ id, number, title, score, url: suggestedArticleUrl(id) })) };
      const checks = input.service === undefined ? [] : [serviceCheck(input.service, now)];
      try {
        return await commitIdempotently([suggestionPut(suggestion), ...fieldCheckItems(checks)], claim, { status: 201, body }, now);
      } catch (error) {
        const errors = error instanceof TransactionRefused ? fieldCheckErrors(error, checks) : [];
        throw errors.length > 0 ? validationFailed(errors) : error;
      }
    },

    'POST /suggestions/{id}/deflection': async (request) => {
      const input = request.body(deflectionBody);
      const { principal } = request;
      const id = request.pathParam('id');
      const claim = claimIdempotencyKey(request, input);
      const now = new Date();
      const [suggestion, replay] = await Promise.all([getSuggestion(id, now), previousResponse(claim, now)]);
      // A retry answers as the first request did (its own check would now refuse it as already deflected).
      if (replay !== undefined) return replay;
      // Another user's suggestion does not exist to the caller, whoever they are.
      if (suggestion === undefined || suggestion.by !== principal.userId) throw notFound(`Suggestion ${id}`);
      const article = suggestion.offered.find((offered) => offered.id === input.article || offered.number === input.article);
      if (article === undefined) {
        throw validationFailed([fieldError('body', ['article'], `${input.article} is not one of the articles suggestion ${id} offered`)]);
      }
      if (suggestion.deflectedAt !== undefined) throw alreadyDeflected(id, suggestion.deflectedBy);
      const response = {
        status: 201,
        body: { suggestion: id, article: { id: article.id, number: article.number, title: article.title }, deflectedAt: now.toISOString() },
      };
      try {
        return await commitIdempotently(deflectionItems(suggestion, article, now), claim, response, now);
      } catch (error) {
        if (error instanceof TransactionRefused && error.has(SUGGESTION_ITEM)) {
          const current = error.item(SUGGESTION_ITEM);
          // Answered in between by a concurrent call (the same caller): still counted once.
          if (current?.deflectedAt !== undefined) throw alreadyDeflected(id, current.deflectedBy as string | undefined);
          throw notFound(`Suggestion ${id}`);
        }
        throw error;
      }
    },
  }),
);

const alreadyDeflected = (id: string, article: string | undefined) =>
  conflict('already-deflected', 'Already answered', `Suggestion ${id} was marked as answered already: a deflection counts once`, {
    ...(article === undefined ? {} : { article }),
  });
