import * as z from 'zod';
import { isoTimestamp, slug } from '../../shared/schemas/common.ts';
import { MAX_SUGGESTED_ARTICLES, suggestedArticleSchema } from '../../shared/search/suggested-article-schema.ts';

/* POST /suggestions and POST /suggestions/{id}/deflection as the API takes and answers them. */

export const suggestionBody = z
  .strictObject({
    title: z.string().trim().min(1).max(200).describe('What the need is about, as a ticket title would say it'),
    description: z.string().max(4000).optional().describe('More words about it, as a ticket description would say them'),
    service: slug.optional().describe('The service it is about: articles about it are ranked higher'),
  })
  .meta({ id: 'CreateSuggestion' });
export type SuggestionInput = z.output<typeof suggestionBody>;

export const deflectionBody = z
  .strictObject({
    article: z.string().min(1).max(64).describe('The article that answered the need (its id or number): one the suggestion offered'),
  })
  .meta({ id: 'CreateDeflection' });

export const suggestionSchema = z
  .object({
    id: z.string().describe('The suggestion, for POST /suggestions/{id}/deflection (kept 30 days)'),
    articles: z.array(suggestedArticleSchema).max(MAX_SUGGESTED_ARTICLES).describe(`At most ${MAX_SUGGESTED_ARTICLES}, best first; empty when nothing matches`),
  })
  .meta({ id: 'Suggestion', description: 'The published articles most likely to answer a need' });

export const deflectionSchema = z
  .object({
    suggestion: z.string().describe('The suggestion it answers'),
    article: z.object({ id: z.string(), number: z.string(), title: z.string() }).describe('The article that answered it'),
    deflectedAt: isoTimestamp,
  })
  .meta({ id: 'Deflection', description: 'A need answered by an article instead of a ticket, counted once' });
