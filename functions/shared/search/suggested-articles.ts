import { log } from '../log.ts';
import { openSearchIndex } from './reader.ts';
import { type SuggestedArticle, suggestArticles } from './suggest.ts';
import { MAX_SUGGESTED_ARTICLES, suggestedArticleUrl } from './suggested-article-schema.ts';

/*
 * The articles offered with a ticket being opened (issue 16, slice E): POST /incidents and
 * POST /requests answer `suggestedArticles`, computed beside the create's own work and never stored.
 * A suggestion is a help, never a condition: when the index cannot be read (the snapshot's bucket
 * or the change log unreachable), the create answers `suggestedArticles: []` and the failure is
 * logged, never answered. POST /suggestions (functions/knowledge) asks the engine itself, its
 * failures answered as any other.
 */

/** Who asks: a requester is offered public articles only, an agent every published one. */
export const suggestionAudience = (caller: { readonly isAgent: boolean }): 'public' | 'all' => (caller.isAgent ? 'all' : 'public');

/** What a need is described by: the ticket's title, its text, the service it is about. */
export interface NeedText {
  readonly title: string;
  readonly description?: string | undefined;
  readonly service?: string | undefined;
}

/**
 * At most MAX_SUGGESTED_ARTICLES published articles answering `need`, best first, filtered by what
 * the caller may read; [] when none or when the search fails (logged). Never rejects.
 */
export async function suggestedArticlesFor(caller: { readonly isAgent: boolean }, need: NeedText): Promise<(SuggestedArticle & { url: string })[]> {
  try {
    const articles = await suggestArticles(
      {
        title: need.title,
        ...(need.description === undefined ? {} : { description: need.description }),
        ...(need.service === undefined ? {} : { service: need.service }),
      },
      { audience: suggestionAudience(caller), limit: MAX_SUGGESTED_ARTICLES },
    );
    return articles.map((article) => ({ ...article, url: suggestedArticleUrl(article.id) }));
  } catch (error) {
    log.warn('suggested articles unavailable: answered without them', { error });
    return [];
  }
}

/**
 * Brings the articles index up to date ahead of a search whose words are not known yet (POST
 * /requests knows its catalog item's name only once the item is read): started beside the create's
 * reads, it takes the change log's Query off the path of the suggestion that follows, which then
 * searches in memory. Never rejects: a failure is the suggestion's to log.
 */
export async function prepareSuggestions(): Promise<void> {
  try {
    await openSearchIndex('articles').refresh();
  } catch {
    // suggestedArticlesFor tries again and logs.
  }
}
