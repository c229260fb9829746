import { conflict, fieldError, notFound, validationFailed } from '../../shared/errors.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import { TABLE_NAME } from '../../shared/store/db.ts';
import { claimIdempotencyKey } from '../../shared/store/idempotency.ts';
import { named, TransactionRefused } from '../../shared/store/transaction.ts';
import { createArticle } from '../article-write.ts';
import type { Article } from '../domain/article.ts';
import { knownErrorArticle } from '../domain/known-error-article.ts';
import { createArticleBody } from '../schemas/article.ts';
import { knownErrorArticleBody } from '../schemas/known-error-article.ts';
import { articleFromKnownErrorKey } from '../store/keys.ts';
import { readKnownError } from '../store/known-error-source.ts';

/*
 * POST /known-errors/{id}/article (id: the problem's id or number): a published known error
 * becomes a draft article in one call: its problem's title; a Markdown body of Symptoms
 * (description), Cause (root cause) and Workaround; its category, service and configuration
 * items; internal audience; owned by the problem's assignment group (or the body's ownerGroup);
 * linked to the problem and the known error. Agents and admins; to requesters known errors do not
 * exist (404), nor does a problem that is not a published known error.
 *
 * One article per known error: the guard item ARTICLE-FROM#KNOWN-ERROR#<problemId>, naming the
 * article, is created in the article's own transaction (slice B's createArticle), so two calls at
 * once make one article; the second answers 409 `article-exists` naming it. Retiring that article
 * deletes the guard in its own transaction (article-write.ts): a new article may then be made. Idempotency-Key
 * replays the first answer. Reads: the problem (one GetItem, or a gsi1 Query by number).
 */

const GUARD = 'known-error-guard';

export const handler = httpHandler(async (request) => {
  const { principal } = request;
  const ref = request.pathParam('id');
  if (!principal.isAgent) throw notFound(`Known error ${ref}`);
  const options = request.rawBody() === undefined ? {} : request.body(knownErrorArticleBody);

  const found = await readKnownError(ref);
  if (found === undefined) throw notFound(`Known error ${ref}`);
  const { problem } = found;
  const ownerGroup = options.ownerGroup ?? problem.assignmentGroup;
  if (ownerGroup === undefined) {
    throw validationFailed([
      fieldError('body', ['ownerGroup'], `Problem ${problem.number} has no assignment group: name the group that owns the article (ownerGroup)`),
    ]);
  }
  const parsed = createArticleBody.safeParse(knownErrorArticle(problem, ownerGroup));
  if (!parsed.success) {
    throw validationFailed(
      parsed.error.issues.map((issue) =>
        fieldError('body', issue.path as (string | number)[], `The article made of problem ${problem.number} is not valid: ${issue.message}`),
      ),
    );
  }
  const claim = claimIdempotencyKey(request, options, `/known-errors/${problem.id}/article`);
  const now = new Date();
  const guard = (article: Article) =>
    named(GUARD, {
      Put: {
        TableName: TABLE_NAME,
        Item: {
          ...articleFromKnownErrorKey(problem.id),
          entity: 'article-from-known-error',
          problemId: problem.id,
          problemNumber: problem.number,
          articleId: article.id,
          articleNumber: article.number,
          createdAt: now.toISOString(),
          createdBy: principal.userId,
        },
        // Refused with the guard as it is: the answer names the article that exists.
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    });
  try {
    return await createArticle(parsed.data, principal.userId, {
      extraItems: (article: Article) => [guard(article)],
      ...(claim === undefined ? {} : { claim }),
      now,
      knownError: { id: problem.id, number: problem.number },
    });
  } catch (error) {
    if (error instanceof TransactionRefused && error.has(GUARD)) {
      const existing = error.item(GUARD);
      const number = typeof existing?.articleNumber === 'string' ? existing.articleNumber : undefined;
      throw conflict(
        'article-exists',
        'Article exists',
        `Known error ${problem.number} already has an article${number === undefined ? '' : `: ${number}`}`,
        number === undefined ? {} : { article: { id: existing?.articleId, number } },
      );
    }
    throw error;
  }
});
