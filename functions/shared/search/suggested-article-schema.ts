import * as z from 'zod';

/*
 * How the API shows the articles offered for a need (POST /suggestions, and the `suggestedArticles`
 * of POST /incidents and POST /requests): zod only, no store, so the API description loads it
 * without a table (./suggested-articles.ts computes them).
 */

export const MAX_SUGGESTED_ARTICLES = 5;

/** Where an offered article is read (GET /articles/{id}): every answer offering articles names it the same way. */
export const suggestedArticleUrl = (id: string): string => `/articles/${id}`;

export const suggestedArticleSchema = z
  .object({
    id: z.string().describe('The article id (GET /articles/{id})'),
    number: z.string().describe('KB + 7 digits'),
    title: z.string(),
    score: z.number().describe('Relevance, higher is better; only comparable within one answer'),
    url: z.string().describe('Where to read it: /articles/{id}'),
  })
  .meta({ id: 'SuggestedArticle', description: 'A published article likely to answer a need' });

export const suggestedArticlesSchema = z
  .array(suggestedArticleSchema)
  .max(MAX_SUGGESTED_ARTICLES)
  .describe(
    `At most ${MAX_SUGGESTED_ARTICLES} published articles likely to answer it, best first (full-text search of the title and description, articles about the same service ranked higher); a requester is offered public articles only. Computed for the answer beside the create (no round trip added), never stored: empty when none match or when the search index cannot be read (the create never fails on it).`,
  );
