import { openSearchIndex } from './reader.ts';

/**
 * The articles most likely to answer a need before a ticket is opened (issue 16): knowledge's
 * POST /suggestions, and the `suggestedArticles` of POST /incidents and POST /requests. The need's
 * title and description are searched as a long text (engine.ts mode `text`: OR of their distinct
 * stems, title first, no prefix or typos) over the `articles` index, which holds published
 * articles only; an article naming the need's service (any of its services) counts half as much again.
 *
 * Needs the table (read) and readSearchIndex.
 */

export interface SuggestedArticle {
  /** The article's id (ULID). */
  readonly id: string;
  readonly number: string;
  readonly title: string;
  readonly score: number;
}

export interface SuggestionInput {
  readonly title: string;
  readonly description?: string;
  readonly service?: string;
}

export interface SuggestionOptions {
  /** `public`: requesters, who read public articles only; `all`: agents. */
  readonly audience: 'public' | 'all';
  /** Articles at most (default 5). */
  readonly limit?: number;
}

/** How much more an article naming the need's own service counts. */
export const SAME_SERVICE_BOOST = 1.5;
const DEFAULT_LIMIT = 5;

export async function suggestArticles(input: SuggestionInput, options: SuggestionOptions): Promise<SuggestedArticle[]> {
  const text = input.description === undefined ? input.title : `${input.title}\n${input.description}`;
  const index = openSearchIndex('articles');
  await index.refresh();
  const service = input.service;
  const hits = index.search(text, {
    mode: 'text',
    limit: options.limit ?? DEFAULT_LIMIT,
    kinds: ['article'],
    ...(options.audience === 'public' ? { filter: (document) => document.audience === 'public' } : {}),
    ...(service === undefined ? {} : { boost: (document) => (document.services.includes(service) ? SAME_SERVICE_BOOST : 1) }),
  });
  return hits.map(({ document, score }) => ({ id: document.recordId, number: document.number, title: document.title, score: Math.round(score * 1000) / 1000 }));
}
