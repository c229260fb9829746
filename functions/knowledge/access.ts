import { fieldError, forbidden, notFound, validationFailed } from '../shared/errors.ts';
import type { Principal } from '../shared/http/principal.ts';
import { type Article, type ArticleVersion, isReadableByRequester } from './domain/article.ts';
import { getArticle, getArticleById, getLatestArticleVersion, isArticleId } from './store/article-store.ts';

/*
 * Who reads what (issue 16): agents and admins read every article, draft or retired, with its
 * versions and history; a requester reads a published public article only, and to them anything
 * else does not exist (404, as an incident they did not raise): not even a draft's number leaks.
 */

/** The agents' reads (versions, history): to a requester they answer 404, as an unknown article would. */
export function assertArticleAgent(principal: Principal, what = 'This article'): void {
  if (!principal.isAgent) throw notFound(what);
}

/**
 * Writes (create, edit, submit, review, retire) are agents' (admins are agents too): a requester
 * gets 403 before anything is read, whatever the article, so the answer reveals nothing of it.
 */
export function assertArticleWriter(principal: Principal): void {
  if (!principal.isAgent) throw forbidden('Only agents and admins write articles');
}

/** The article as read, if the caller may read it; else 404 naming what was asked for (as an unknown article). */
export function readableArticle(article: Article | undefined, principal: Pick<Principal, 'isAgent'>, idOrNumber: string): Article {
  if (article === undefined || (!principal.isAgent && !isReadableByRequester(article))) throw notFound(`Article ${idOrNumber}`);
  return article;
}

/** The article the caller may read, or 404 naming what was asked for. */
export async function loadArticle(idOrNumber: string, principal: Principal): Promise<Article> {
  return readableArticle(await getArticle(idOrNumber), principal, idOrNumber);
}

/**
 * The article and its latest content version (the one being written when there is one), for a
 * write: addressed by id, both reads go out together (one round trip); a number is resolved first.
 */
export async function loadArticleForWrite(idOrNumber: string): Promise<{ article: Article; latest: ArticleVersion }> {
  const byId = isArticleId(idOrNumber);
  const [article, latestById] = await Promise.all([
    byId ? getArticleById(idOrNumber) : getArticle(idOrNumber),
    byId ? getLatestArticleVersion(idOrNumber) : undefined,
  ]);
  if (article === undefined) throw notFound(`Article ${idOrNumber}`);
  // A number resolves through the index: the record is read again, strongly, with its latest version.
  const [record, latest] = byId ? [article, latestById] : await Promise.all([getArticleById(article.id), getLatestArticleVersion(article.id)]);
  if (record === undefined || latest === undefined) throw notFound(`Article ${idOrNumber}`);
  return { article: record, latest };
}

/** A content version number from the path: a positive integer, else 404 (as an unknown version). */
export function versionParam(raw: string): number {
  if (!/^[1-9]\d{0,5}$/.test(raw))
    throw validationFailed([fieldError('path', ['version'], 'A content version: a positive integer (GET /articles/{id}/versions)')]);
  return Number(raw);
}
