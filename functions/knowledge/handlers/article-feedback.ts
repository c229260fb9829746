import { conflict } from '../../shared/errors.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import type { Principal } from '../../shared/http/principal.ts';
import { historyPut, newId } from '../../shared/store/audit.ts';
import { TABLE_NAME } from '../../shared/store/db.ts';
import { claimIdempotencyKey, commitIdempotently } from '../../shared/store/idempotency.ts';
import { named, TransactionRefused } from '../../shared/store/transaction.ts';
import { readableArticle } from '../access.ts';
import type { Article } from '../domain/article.ts';
import { articleOutboxRecord } from '../domain/events.ts';
import { type ArticleFeedbackResponse, postFeedbackBody } from '../schemas/feedback.ts';
import { articleOutboxPut } from '../store/article-outbox.ts';
import { getArticle, isArticleId } from '../store/article-store.ts';
import { type ArticleFeedback, feedbackPut } from '../store/feedback-store.ts';
import { articleKey, articlePartition } from '../store/keys.ts';
import { type ArticleStats, feedbackCounterUpdate, NO_STATS, readStats } from '../store/stats-store.ts';

/*
 * POST /articles/{id}/feedback {helpful, comment?}: was this published article helpful. Once per
 * person per published content version (a second vote on the same version: 409 feedback-exists;
 * a newly published version may be voted on again). Anyone who may read the article: requesters
 * public published articles only (404 for anything else, never revealing a draft or an internal
 * article); agents any published article (409 article-not-published for a draft, an article in
 * review or a retired one). Idempotency-Key replays the first answer.
 *
 * Two round trips: the article and its counters together (GetItems; by number, the article's
 * Query first), then one transaction: the feedback item (attribute_not_exists), ADD
 * helpful|notHelpful on the article's counters, the check that the article is still published at
 * that version, the history record (with the comment: free text stays in the table), the outbox
 * record `Article Feedback Received` (helpful and version, no comment) and the idempotency record.
 * The counters answered are those read with the article, this vote added: votes and views of
 * others committed meanwhile are not in them (the next read shows them; the stored counts are exact).
 */

const FEEDBACK = 'feedback';
const ARTICLE = 'article';

/** What a caller may give feedback on: anyone any published article they may read. */
function feedbackTarget(found: Article | undefined, principal: Principal, ref: string): Article & { publishedVersion: number } {
  const article = readableArticle(found, principal, ref);
  if (article.status !== 'published' || article.publishedVersion === undefined) {
    throw conflict(
      'article-not-published',
      'Article not published',
      `Article ${article.number} is not published (its status is ${article.status}): only a published article takes feedback`,
      { articleStatus: article.status },
    );
  }
  return article as Article & { publishedVersion: number };
}

/** The article and its counters: together by id, one after the other by number. */
async function articleAndStats(ref: string): Promise<[Article | undefined, ArticleStats]> {
  if (isArticleId(ref)) return Promise.all([getArticle(ref), readStats(ref)]);
  const article = await getArticle(ref);
  return [article, article === undefined ? NO_STATS : await readStats(article.id)];
}

export const handler = httpHandler(async (request) => {
  const { principal } = request;
  const ref = request.pathParam('id');
  const input = request.body(postFeedbackBody);
  const [found, stats] = await articleAndStats(ref);
  const article = feedbackTarget(found, principal, ref);
  const version = article.publishedVersion;
  const claim = claimIdempotencyKey(request, input, `/articles/${article.id}/feedback`);

  const now = new Date();
  const at = now.toISOString();
  const feedback: ArticleFeedback = {
    articleId: article.id,
    articleNumber: article.number,
    version,
    helpful: input.helpful,
    ...(input.comment === undefined ? {} : { comment: input.comment }),
    by: principal.userId,
    at,
  };
  const record = articleOutboxRecord({
    eventId: newId(),
    type: 'Article Feedback Received',
    article,
    actor: principal.userId,
    occurredAt: at,
    // A vote that it did not help is the owners' to act on; a helpful one concerns nobody by name.
    recipients: { users: [], groups: input.helpful ? [] : [article.ownerGroup] },
  });
  const event = { ...record, detail: { ...record.detail, feedback: { helpful: input.helpful, version } } };
  const counts: ArticleStats = input.helpful ? { ...stats, helpful: stats.helpful + 1 } : { ...stats, notHelpful: stats.notHelpful + 1 };
  const body: ArticleFeedbackResponse = { feedback, counts };

  try {
    return await commitIdempotently(
      [
        named(FEEDBACK, feedbackPut(feedback)),
        named(ARTICLE, {
          ConditionCheck: {
            TableName: TABLE_NAME,
            Key: articleKey(article.id),
            ConditionExpression: '#status = :published AND publishedVersion = :version',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':published': 'published', ':version': version },
          },
        }),
        feedbackCounterUpdate(article.id, input.helpful, { number: article.number, title: article.title }),
        historyPut(articlePartition(article.id), article.id, {
          at,
          actor: principal.userId,
          action: 'feedback_added',
          version: article.version,
          changes: [
            { field: 'helpful', from: null, to: input.helpful },
            { field: 'feedbackVersion', from: null, to: version },
            ...(input.comment === undefined ? [] : [{ field: 'comment', from: null, to: input.comment }]),
          ],
        }),
        articleOutboxPut(event, now),
      ],
      claim,
      { status: 201, body },
      now,
    );
  } catch (error) {
    if (error instanceof TransactionRefused && error.has(FEEDBACK)) {
      throw conflict(
        'feedback-exists',
        'Feedback already given',
        `You already gave feedback on version ${version} of article ${article.number}; a newly published version can be rated again`,
        { version, article: article.number },
      );
    }
    if (error instanceof TransactionRefused && error.has(ARTICLE)) {
      throw conflict('article-changed', 'Article changed', `Article ${article.number} was published anew or retired meanwhile: read it and try again`);
    }
    throw error;
  }
});
