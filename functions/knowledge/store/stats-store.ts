import { db, TABLE_NAME, type TransactItem } from '../../shared/store/db.ts';
import { ConditionalCheckFailedException, GetCommand, UpdateCommand } from '../../shared/store/dynamodb.ts';
import { articleStatsIndexes, articleStatsKey, deflectionDayKey } from './keys.ts';

/*
 * An article's counters, one small item beside its record (pk ARTICLE#<id>, sk STATS):
 *   {views, helpful, notHelpful, deflections, number, title, viewable, gsi5pk 'ARTICLE#STATS', gsi5sk number}
 * Counters are only ever written by UpdateItem ADD (never by a put of the article), so concurrent
 * views and votes are all counted, exactly: DynamoDB applies each ADD atomically on the item,
 * without a read. The number and title (what the report lists) and the gsi5 keys are SET by each
 * publication, in the article's publishing transaction (statsPublication), and again by each vote
 * and deflection, so the report reads every article's counters with one Query of gsi5 (a page per
 * ~5,000 articles), never the article records. `viewable` is the audience of the published article
 * (set on publication, removed on retirement): a view is counted on the condition that it is there
 * (for a requester: that it is `public`), so that the count needs nothing read first and goes beside
 * the article's read (one round trip). A STATS item exists once an article was published; missing
 * counters read as 0.
 *
 * The daily deflection counts (pk KNOWLEDGE#DEFLECTIONS, sk DAY#<yyyy-mm-dd>) {day, count} are
 * written by the suggestions' deflection (slice E, with deflectionCounterUpdates) and read by the
 * report between two days.
 */

export interface ArticleStats {
  readonly views: number;
  readonly helpful: number;
  readonly notHelpful: number;
  readonly deflections: number;
}

/** What the counters item repeats of its article, for the report. */
export interface StatsLabel {
  readonly number: string;
  readonly title: string;
}

export const NO_STATS: ArticleStats = { views: 0, helpful: 0, notHelpful: 0, deflections: 0 };

const count = (value: unknown): number => (typeof value === 'number' ? value : 0);

/** The counters of a stored STATS item (or of none). */
export const statsOf = (item: Record<string, unknown> | undefined): ArticleStats => ({
  views: count(item?.views),
  helpful: count(item?.helpful),
  notHelpful: count(item?.notHelpful),
  deflections: count(item?.deflections),
});

type Counter = keyof ArticleStats;

/** The UpdateItem fields that add 1 to `counter` and keep the label and the report's index keys current. */
function counterUpdate(articleId: string, counter: Counter, label: StatsLabel | undefined) {
  const labelSet = label === undefined ? '' : ' SET #number = :number, #title = :title, gsi5pk = :gsi5pk, gsi5sk = :gsi5sk';
  const indexes = label === undefined ? undefined : articleStatsIndexes(label.number);
  return {
    TableName: TABLE_NAME,
    Key: articleStatsKey(articleId),
    UpdateExpression: `ADD #counter :one${labelSet}`,
    ExpressionAttributeNames: {
      '#counter': counter,
      ...(label === undefined ? {} : { '#number': 'number', '#title': 'title' }),
    },
    ExpressionAttributeValues: {
      ':one': 1,
      ...(label === undefined || indexes === undefined
        ? {}
        : { ':number': label.number, ':title': label.title, ':gsi5pk': indexes.gsi5pk, ':gsi5sk': indexes.gsi5sk }),
    },
  };
}

/** Who reads: an agent may view any published article, a requester only a public one. */
export type Viewer = 'agent' | 'requester';

/**
 * One view of an article by `viewer` (GET /articles/{id}), counted only if the article is published
 * and readable by the viewer (its STATS item's `viewable`): one UpdateItem, ADD views 1, needing
 * nothing read first, so the caller sends it beside its read of the article (Promise.all). Exact
 * under concurrency (ADD is atomic). Answers whether it was counted: false for a draft, a retired
 * article or an internal one read by a requester. Other failures are the caller's to ignore or answer 500.
 */
export async function countView(articleId: string, viewer: Viewer): Promise<boolean> {
  try {
    await db.send(
      new UpdateCommand({
        TableName: TABLE_NAME,
        Key: articleStatsKey(articleId),
        UpdateExpression: 'ADD #views :one',
        ConditionExpression: viewer === 'agent' ? 'attribute_exists(viewable)' : 'viewable = :public',
        ExpressionAttributeNames: { '#views': 'views' },
        ExpressionAttributeValues: { ':one': 1, ...(viewer === 'agent' ? {} : { ':public': 'public' }) },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/**
 * The publishing transaction's entry (an approved review): the STATS item (created if need be)
 * gets the article's number and title, the report's gsi5 keys and `viewable` (the audience), so
 * that views are counted from then on without reading the article first. No counter is touched.
 */
export function statsPublication(article: StatsLabel & { readonly id: string; readonly audience: string }): TransactItem {
  const indexes = articleStatsIndexes(article.number);
  return {
    Update: {
      TableName: TABLE_NAME,
      Key: articleStatsKey(article.id),
      UpdateExpression: 'SET #number = :number, #title = :title, viewable = :audience, gsi5pk = :gsi5pk, gsi5sk = :gsi5sk',
      ExpressionAttributeNames: { '#number': 'number', '#title': 'title' },
      ExpressionAttributeValues: {
        ':number': article.number,
        ':title': article.title,
        ':audience': article.audience,
        ':gsi5pk': indexes.gsi5pk,
        ':gsi5sk': indexes.gsi5sk,
      },
    },
  };
}

/** The retiring transaction's entry for a published article: views are no longer counted (the counters stay for the report). */
export function statsRetirement(articleId: string): TransactItem {
  return { Update: { TableName: TABLE_NAME, Key: articleStatsKey(articleId), UpdateExpression: 'REMOVE viewable' } };
}

/** The transaction entry of one vote: ADD helpful or notHelpful 1 (POST /articles/{id}/feedback). */
export function feedbackCounterUpdate(articleId: string, helpful: boolean, article: StatsLabel): TransactItem {
  return { Update: counterUpdate(articleId, helpful ? 'helpful' : 'notHelpful', article) };
}

/**
 * The transaction entries of one deflection (POST /suggestions/{id}/deflection): the article's
 * STATS ADD deflections 1 (its label set too when given) and the day's counter ADD count 1.
 * `day` is yyyy-mm-dd, UTC. No conditions: the deflection's own item guards against counting twice.
 */
export function deflectionCounterUpdates(articleId: string, day: string, article?: StatsLabel): TransactItem[] {
  return [
    { Update: counterUpdate(articleId, 'deflections', article) },
    {
      Update: {
        TableName: TABLE_NAME,
        Key: deflectionDayKey(day),
        UpdateExpression: 'ADD #count :one SET #day = :day, entity = :entity',
        ExpressionAttributeNames: { '#count': 'count', '#day': 'day' },
        ExpressionAttributeValues: { ':one': 1, ':day': day, ':entity': 'knowledge-deflections' },
      },
    },
  ];
}

/** The counters as stored (strongly consistent); zeros before the first view or vote. */
export async function readStats(articleId: string): Promise<ArticleStats> {
  const result = await db.send(new GetCommand({ TableName: TABLE_NAME, Key: articleStatsKey(articleId), ConsistentRead: true }));
  return statsOf(result.Item);
}
