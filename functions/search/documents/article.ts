import { indexChange, plainText, removalChange, type SearchChange, type SearchDocument, searchDocumentId } from '../../shared/search/documents.ts';
import { withNumber } from './text.ts';

/**
 * An article as the index sees it: what the knowledge area's record holds (functions/knowledge,
 * sk ARTICLE). The record's content fields are those of the version readers see: the published
 * version while the article is published, even with an edit pending (pendingVersion), else the
 * draft's. Only the fields read here are named, so this module needs nothing but their shape.
 */
export interface ArticleSource {
  readonly id: string;
  readonly number: string;
  readonly status: string;
  readonly title: string;
  readonly body?: string;
  readonly category?: string;
  readonly services?: readonly string[];
  readonly audience: 'public' | 'internal';
  readonly keywords?: readonly string[];
  readonly updatedAt: string;
  /** The version readers see was published then: the document's `updatedAt` (a draft edit does not move it). */
  readonly publishedAt?: string;
  /** The content version published, if any ever was: an article never published is in no index. */
  readonly publishedVersion?: number;
  readonly version: number;
}

export const articleDocId = (articleId: string): string => searchDocumentId('article', articleId);

/**
 * The `articles` index holds published articles only: a draft, an article in review or a retired
 * one has no document there. A published article with an edit in progress keeps its published
 * content (the record's content fields), until the edit is published in turn; its `updatedAt` is
 * when that content was published, not the draft's last edit. Its number is a keyword, so that
 * searching for `KB…` finds it.
 */
export function articleDocument(article: ArticleSource): SearchDocument | undefined {
  if (article.status !== 'published') return undefined;
  return {
    id: articleDocId(article.id),
    kind: 'article',
    recordId: article.id,
    number: article.number,
    title: article.title,
    text: plainText(article.body ?? ''),
    keywords: withNumber(article.number, article.keywords ?? []),
    status: article.status,
    services: [...new Set(article.services ?? [])],
    audience: article.audience,
    ...(article.category === undefined ? {} : { category: article.category }),
    updatedAt: article.publishedAt ?? article.updatedAt,
    version: article.version,
  };
}

/**
 * The change the article's current record makes to the `articles` index: its document, or its
 * removal; none for an article never published (it was never in the index, and a draft, a
 * review or a retirement of it leaves the index as it is).
 */
export function articleChange(article: ArticleSource, at: string): SearchChange | undefined {
  const document = articleDocument(article);
  if (document !== undefined) return indexChange(document, at);
  return article.publishedVersion === undefined ? undefined : removalChange(articleDocId(article.id), article.version, at);
}
