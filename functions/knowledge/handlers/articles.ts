import { type ApiRequest, type ApiResult, byRoute, httpHandler } from '../../shared/http/handler.ts';
import { fieldCheckItems } from '../../shared/store/field-checks.ts';
import { claimIdempotencyKey } from '../../shared/store/idempotency.ts';
import { transactWrite } from '../../shared/store/transaction.ts';
import { assertArticleWriter, loadArticleForWrite } from '../access.ts';
import { articleChanged, articleWrite, contentFromBody, contentReferenceChecks, createArticle, mapReferenceRefusal } from '../article-write.ts';
import { contentOf, editArticle } from '../domain/article.ts';
import { articleResponse, mapArticleErrors } from '../responses.ts';
import { createArticleBody, putArticleBody } from '../schemas/article.ts';

/*
 * Writing articles: POST /articles and PUT /articles/{id}, which render the Markdown body
 * (micromark). The reads are ./read-articles.ts, a function of their own that bundles no renderer.
 */

/** Two round trips: the number, then one transaction (record, version 1, history, outbox, the checks of what it names). */
async function create(request: ApiRequest): Promise<ApiResult> {
  assertArticleWriter(request.principal);
  const input = request.body(createArticleBody);
  const claim = claimIdempotencyKey(request, input);
  return createArticle(input, request.principal.userId, claim === undefined ? {} : { claim });
}

/**
 * Two round trips: the article and its latest version, then one transaction. PUT replaces the
 * content of the version being written: the draft (an article in review returns to draft), or, on
 * a published article, its pending version n+1 (started by the first edit), while readers keep the
 * published content. Content equal to the version's writes nothing.
 */
async function update(request: ApiRequest): Promise<ApiResult> {
  const { principal } = request;
  const idOrNumber = request.pathParam('id');
  assertArticleWriter(principal);
  const ifMatch = request.ifMatch();
  const body = request.body(putArticleBody);
  const { article, latest } = await loadArticleForWrite(idOrNumber);
  ifMatch.check(article.version);
  const now = new Date();
  const content = contentFromBody(body);
  const transition = mapArticleErrors(() => editArticle(article, latest, content, principal.userId, now));
  if (transition === undefined) return articleResponse(200, article, { agent: true });
  // What the edited version named already was checked when it was written; only what it adds is checked now.
  const base = transition.versions[0]?.version === latest.version ? latest : contentOf(article);
  const checks = contentReferenceChecks(base, content, now.toISOString());
  const items = articleWrite({ before: article, latest, transition, actor: principal.userId, now, type: 'Article Updated' });
  try {
    await transactWrite([...items, ...fieldCheckItems(checks)]);
  } catch (error) {
    throw articleChanged(error) ?? mapReferenceRefusal(error, checks);
  }
  return articleResponse(200, transition.article, { agent: true });
}

export const handler = httpHandler(
  byRoute({
    'POST /articles': create,
    'PUT /articles/{id}': update,
  }),
);
