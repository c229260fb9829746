import { conflict, HttpError } from '../shared/errors.ts';
import { type ApiResult, etagOf } from '../shared/http/handler.ts';
import { withoutKeys } from '../shared/store/db.ts';
import { type Article, ArticleRuleError } from './domain/article.ts';
import { ARTICLE_FIELD_ORDER } from './domain/field-order.ts';

/** What requesters never see of an article: who writes it, the versions in progress, the records it came from. */
const AGENT_ONLY = ['ownerGroup', 'links', 'latestVersion', 'pendingVersion', 'knownError', 'author', 'updatedBy', 'submittedAt'] as const;

export interface ArticleView {
  /** Agents and admins see every field; requesters the published content. */
  agent: boolean;
  reviewDue?: boolean;
  /** Lists leave the body out. */
  summary?: boolean;
}

/** The article as the API shows it: its fields in the documented order, less what the caller may not see. A list's article may come without its body. */
export function presentArticle(article: Article | Omit<Article, 'body' | 'bodyHtml'>, view: ArticleView): Record<string, unknown> {
  const shown: Record<string, unknown> = { ...article, ...(view.reviewDue === undefined ? {} : { reviewDue: view.reviewDue }) };
  if (!view.agent) for (const field of AGENT_ONLY) delete shown[field];
  if (view.summary === true) {
    delete shown.body;
    delete shown.bodyHtml;
  }
  return withoutKeys<Record<string, unknown>>(shown, ARTICLE_FIELD_ORDER);
}

export const articleHeaders = (article: Article): Record<string, string> => ({
  etag: etagOf(article.version),
  location: `/articles/${article.id}`,
});

export const articleResponse = (status: number, article: Article, view: ArticleView): ApiResult => ({
  status,
  body: presentArticle(article, view),
  headers: articleHeaders(article),
});

/** Maps the article rules' stable codes to HTTP: the only place that knows both. */
export function toArticleHttpError(error: unknown): unknown {
  if (!(error instanceof ArticleRuleError)) return error;
  switch (error.code) {
    case 'RETIRED':
      return conflict('article-retired', 'Article retired', error.message, error.details);
    case 'NOT_EDITABLE':
    case 'NOTHING_TO_SUBMIT':
      return conflict('nothing-to-submit', 'Nothing to submit', error.message, error.details);
    case 'NOT_IN_REVIEW':
      return conflict('not-in-review', 'Not in review', error.message, error.details);
    case 'OWN_VERSION':
      return new HttpError(403, 'own-article-version', 'You wrote this version', error.message);
  }
}

export function mapArticleErrors<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw toArticleHttpError(error);
  }
}
