import { db, type Item, TABLE_NAME } from '../../shared/store/db.ts';
import { QueryCommand } from '../../shared/store/dynamodb.ts';
import { queryAll } from '../../shared/store/pagination.ts';
import type { CountedArticle } from '../domain/report.ts';
import { DEFLECTIONS_PARTITION } from './keys.ts';
import { statsOf } from './stats-store.ts';

/*
 * What GET /reports/knowledge reads, never a Scan:
 * - every article's counters: Query gsi5 'ARTICLE#STATS', all pages. One small item per article
 *   that was ever viewed, voted on or credited with a deflection (~150 bytes: counters, number,
 *   title), so 10,000 articles are ~1.5 MB, two pages of 1 MB;
 * - the deflections of the days asked for: Query KNOWLEDGE#DEFLECTIONS sk between DAY#from and
 *   DAY#to (at most 366 small items, one page);
 * - the published articles due for review: Query gsi4 'ARTICLE#REVIEWED' sk < <cutoff> (sorted by
 *   last review, oldest first), the first 50 with only the fields listed (projection), and, only
 *   when there are more, their count (Select COUNT, all pages).
 */

/**
 * The counters of every published article that has some (gsi5, all pages): a retired article's
 * counters stay (its STATS item loses `viewable` at retirement) but the report leaves it out: its
 * rankings are of what readers can still find, what owners may act on.
 */
export async function readAllArticleCounts(): Promise<CountedArticle[]> {
  const items = await queryAll({
    TableName: TABLE_NAME,
    IndexName: 'gsi5',
    KeyConditionExpression: 'gsi5pk = :pk',
    FilterExpression: 'attribute_exists(viewable)',
    ExpressionAttributeValues: { ':pk': 'ARTICLE#STATS' },
  });
  return items.map((item) => {
    const stats = statsOf(item);
    return {
      id: (item.pk as string).slice('ARTICLE#'.length),
      number: item.number as string,
      title: typeof item.title === 'string' ? item.title : '',
      views: stats.views,
      helpful: stats.helpful,
      notHelpful: stats.notHelpful,
    };
  });
}

/** The deflections counted per day from `from` to `to` (yyyy-mm-dd, inclusive); days without any are absent. */
export async function readDeflectionDays(from: string, to: string): Promise<Map<string, number>> {
  const items = await queryAll({
    TableName: TABLE_NAME,
    KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
    ExpressionAttributeValues: { ':pk': DEFLECTIONS_PARTITION, ':from': `DAY#${from}`, ':to': `DAY#${to}` },
  });
  return new Map(items.map((item) => [(item.sk as string).slice('DAY#'.length), typeof item.count === 'number' ? item.count : 0]));
}

export interface DueArticle {
  readonly id: string;
  readonly number: string;
  readonly title: string;
  readonly reviewedAt: string;
  readonly ownerGroup?: string;
}

const dueQuery = (cutoff: string) => ({
  TableName: TABLE_NAME,
  IndexName: 'gsi4',
  KeyConditionExpression: 'gsi4pk = :pk AND gsi4sk < :cutoff',
  ExpressionAttributeValues: { ':pk': 'ARTICLE#REVIEWED', ':cutoff': cutoff },
});

/** Published articles last reviewed before `cutoff` (ISO instant): the first `limit`, oldest review first, and how many there are. */
export async function readDueForReview(cutoff: string, limit: number): Promise<{ count: number; articles: DueArticle[] }> {
  const page = await db.send(
    new QueryCommand({
      ...dueQuery(cutoff),
      Limit: limit,
      ProjectionExpression: 'id, #number, title, reviewedAt, ownerGroup',
      ExpressionAttributeNames: { '#number': 'number' },
    }),
  );
  const articles = (page.Items ?? []).map((item: Item) => ({
    id: item.id as string,
    number: item.number as string,
    title: item.title as string,
    reviewedAt: item.reviewedAt as string,
    ...(typeof item.ownerGroup === 'string' ? { ownerGroup: item.ownerGroup } : {}),
  }));
  if (page.LastEvaluatedKey === undefined) return { count: articles.length, articles };
  let count = 0;
  let startKey: Item | undefined;
  do {
    const counted = await db.send(new QueryCommand({ ...dueQuery(cutoff), Select: 'COUNT', ExclusiveStartKey: startKey }));
    count += counted.Count ?? 0;
    startKey = counted.LastEvaluatedKey;
  } while (startKey !== undefined);
  return { count, articles };
}
