import { conflict, notFound } from '../../shared/errors.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import { historyPut, newId } from '../../shared/store/audit.ts';
import { named, Transaction, TransactionRefused } from '../../shared/store/transaction.ts';
import type { Article } from '../domain/article.ts';
import { articleOutboxRecord } from '../domain/events.ts';
import { type ArticleFeedbackResponse, postFeedbackBody } from '../schemas/feedback.ts';
import { articleOutboxPut } from '../store/article-outbox.ts';
import { getArticle } from '../store/article-store.ts';
import { type ArticleFeedback, feedbackPut } from '../store/feedback-store.ts';
import { articleKey, articlePartition } from '../store/keys.ts';
import { feedbackCounterUpdate, readStats } from '../store/stats-store.ts';

/*
 * POST /articles/{id}/feedback {helpful, comment?}: was this published article helpful. Once per
 * person per published content version (a second vote on the same version: 409 feedback-exists;
 * a newly published version may be voted on again). Anyone who may read the article: requesters
 * public published articles only (404 for anything else, never revealing a draft or an internal
 * article); agents any published article (409 article-not-published for a draft, an article in
 * review or a retired one).
 *
 * Three round trips: the article (GetItem; a Query by number), then one transaction: the feedback item
 * (attribute_not_exists), ADD helpful|notHelpful on the article's counters, the check that the
 * article is still published at that version, the history record (with the comment: free text
 * stays in the table) and the outbox record `Article Feedback Received` (helpful and version, no
 * comment); then the counters as they are after it (one strongly consistent GetItem).
 */

const FEEDBACK = 'feedback';
const ARTICLE = 'article';

/** What a caller may give feedback on: anyone any published article they may read. */
function feedbackTarget(article: Article | undefined, isAgent: boolean, ref: string): Article & { publishedVersion: number } {
  const publiclyReadable = article !== undefined && article.status === 'published' && article.audience === 'public';
  if (article === undefined || (!isAgent && !publiclyReadable)) throw notFound(`Article ${ref}`);
  if (article.status !== 'published' || article.publishedVersion === undefined) {
    throw conflict(
      'article-not-published',
      'Article not published',
      `Article ${article.number} is ${article.status}: only a published article takes feedback`,
      {
        status: article.status,
      },
    );
  }
  return article as Article & { publishedVersion: number };
}

export const handler = httpHandler(async (request) => {
  const { principal } = request;
  const ref = request.pathParam('id');
  const input = request.body(postFeedbackBody);
  const article = feedbackTarget(await getArticle(ref), principal.isAgent, ref);
  const version = article.publishedVersion;

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

  try {
    await new Transaction([
      named(FEEDBACK, feedbackPut(feedback)),
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
    ])
      .check(ARTICLE, articleKey(article.id), {
        expression: '#status = :published AND publishedVersion = :version',
        names: { '#status': 'status' },
        values: { ':published': 'published', ':version': version },
      })
      .commit();
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

  const counts = await readStats(article.id);
  const body: ArticleFeedbackResponse = { feedback, counts };
  return { status: 201, body };
});
