import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, TABLE_NAME, type TransactItem } from '../../shared/store/db.ts';
import { articleStatsIndexes, articleStatsKey, deflectionDayKey } from './keys.ts';

/*
 * An article's counters, one small item beside its record (pk ARTICLE#<id>, sk STATS):
 *   {views, helpful, notHelpful, deflections, number, title, gsi5pk 'ARTICLE#STATS', gsi5sk number}
 * Only ever written by UpdateItem ADD (never by a put of the article), so concurrent views and
 * votes are all counted, exactly: DynamoDB applies each ADD atomically on the item, without a read.
 * Each write also SETs the number and title (what the report lists) and the gsi5 keys, so the
 * report reads every article's counters with one Query of gsi5 (a page per ~5,000 articles),
 * never the article records. A STATS item exists once an article was first viewed, voted on or
 * credited with a deflection; missing counters read as 0.
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

/**
 * One view of a published article (GET /articles/{id}): one UpdateItem, ADD views 1, creating the
 * item on the first view. Exact under concurrency (ADD is atomic). The caller sends it beside its
 * read (Promise.all); a failure of the count is the caller's to ignore or to answer 500.
 */
export async function countView(articleId: string, article: StatsLabel): Promise<void> {
  await db.send(new UpdateCommand(counterUpdate(articleId, 'views', article)));
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
