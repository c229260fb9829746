import { notFound } from '../../shared/errors.ts';
import { type ApiRequest, type ApiResult, byRoute, httpHandler } from '../../shared/http/handler.ts';
import { log } from '../../shared/log.ts';
import { withoutKeys } from '../../shared/store/db.ts';
import { assertArticleAgent, loadArticle, versionParam } from '../access.ts';
import { ARTICLE_VERSION_FIELD_ORDER } from '../domain/field-order.ts';
import { isReviewDue } from '../domain/review.ts';
import { articleResponse, presentArticle } from '../responses.ts';
import { articlePageQuery, listArticlesQuery } from '../schemas/article.ts';
import { getArticleVersion, isArticleId, listArticleHistory, listArticleSummaries, listArticleVersions } from '../store/article-store.ts';
import { cachedKnowledgeConfig } from '../store/config-store.ts';
import { countView } from '../store/stats-store.ts';

/*
 * Reading articles: the list, one article (counting its view), its versions and its history. A
 * function apart from the writes (./articles.ts): what readers load on a cold start holds no
 * Markdown renderer and no write path. Its only write is the view counter (stats-store.ts).
 */

/**
 * Agents: every article, one Query per status filtered (else the all-articles index). Requesters:
 * the published public articles only (their own index partition), whatever the filters say.
 */
async function list(request: ApiRequest): Promise<ApiResult> {
  const { principal } = request;
  const { limit, cursor, ...filters } = request.query(listArticlesQuery);
  if (!principal.isAgent) {
    // Nothing but published public articles exists for a requester: a filter asking for anything else finds nothing.
    if ((filters.status !== undefined && !filters.status.includes('published')) || (filters.audience !== undefined && !filters.audience.includes('public'))) {
      return { status: 200, body: { items: [] } };
    }
    const { status: _status, audience: _audience, ownerGroup: _group, ...open } = filters;
    const page = await listArticleSummaries(open, limit, cursor, { publishedAudience: 'public' });
    return { status: 200, body: { ...page, items: page.items.map((article) => presentArticle(article, { agent: false, summary: true })) } };
  }
  const page = await listArticleSummaries(filters, limit, cursor);
  return { status: 200, body: { ...page, items: page.items.map((article) => presentArticle(article, { agent: true, summary: true })) } };
}

/**
 * One round trip: the read (an agent's with the cached knowledge configuration, for `reviewDue`)
 * and, beside it, the count of the view, which the counters' item itself refuses unless the
 * article is published and readable by the caller (stats-store.ts countView), so a draft's, a
 * retired article's or a refused read counts none. By number, the id is known only once read: the
 * count follows (two round trips). A count that fails is logged, never the reader's error.
 */
async function read(request: ApiRequest): Promise<ApiResult> {
  const { principal } = request;
  const idOrNumber = request.pathParam('id');
  const viewer = principal.isAgent ? 'agent' : 'requester';
  const count = async (id: string): Promise<void> => {
    await countView(id, viewer).catch((error: unknown) => countFailed(error, idOrNumber));
  };
  const [article, config] = await Promise.all([
    loadArticle(idOrNumber, principal),
    principal.isAgent ? cachedKnowledgeConfig() : undefined,
    isArticleId(idOrNumber) ? count(idOrNumber) : undefined,
  ]);
  if (!isArticleId(idOrNumber) && article.status === 'published') await count(article.id);
  return articleResponse(200, article, {
    agent: principal.isAgent,
    ...(config === undefined ? {} : { reviewDue: isReviewDue(article, config, new Date()) }),
  });
}

/** Logged, never the reader's error. */
function countFailed(error: unknown, article: string): void {
  log.warn('the view of an article was not counted', { error, article });
}

/** Every content version, oldest first, without bodies (agents). */
async function versions(request: ApiRequest): Promise<ApiResult> {
  const { principal } = request;
  const idOrNumber = request.pathParam('id');
  assertArticleAgent(principal, `Article ${idOrNumber}`);
  const { limit, cursor } = request.query(articlePageQuery);
  const article = await loadArticle(idOrNumber, principal);
  const page = await listArticleVersions(article.id, { limit, ...(cursor === undefined ? {} : { cursor }) });
  const items = page.items.map((version) => {
    const { body: _body, bodyHtml: _html, ...rest } = version;
    return withoutKeys<Record<string, unknown>>(rest, ARTICLE_VERSION_FIELD_ORDER);
  });
  return { status: 200, body: { ...page, items } };
}

/** One content version, whole (agents). */
async function version(request: ApiRequest): Promise<ApiResult> {
  const { principal } = request;
  const idOrNumber = request.pathParam('id');
  assertArticleAgent(principal, `Article ${idOrNumber}`);
  const wanted = versionParam(request.pathParam('version'));
  const article = await loadArticle(idOrNumber, principal);
  const found = await getArticleVersion(article.id, wanted);
  if (found === undefined) throw notFound(`Version ${wanted} of ${article.number}`);
  return { status: 200, body: withoutKeys<Record<string, unknown>>({ ...found }, ARTICLE_VERSION_FIELD_ORDER) };
}

/** The audit trail, oldest first (agents). */
async function history(request: ApiRequest): Promise<ApiResult> {
  const { principal } = request;
  const idOrNumber = request.pathParam('id');
  assertArticleAgent(principal, `Article ${idOrNumber}`);
  const { limit, cursor } = request.query(articlePageQuery);
  const article = await loadArticle(idOrNumber, principal);
  const page = await listArticleHistory(article.id, { limit, ...(cursor === undefined ? {} : { cursor }) });
  return { status: 200, body: page };
}

export const handler = httpHandler(
  byRoute({
    'GET /articles': list,
    'GET /articles/{id}': read,
    'GET /articles/{id}/versions': versions,
    'GET /articles/{id}/versions/{version}': version,
    'GET /articles/{id}/history': history,
  }),
);
