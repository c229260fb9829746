import { type HistoryDraft, historyPut, newId } from '../../shared/store/audit.ts';
import { filterFingerprint } from '../../shared/store/cursor.ts';
import { db, type Item, itemByNumber, putAtVersion, putNew, TABLE_NAME, type TransactItem, withoutKeys } from '../../shared/store/db.ts';
import { GetCommand, QueryCommand } from '../../shared/store/dynamodb.ts';
import { inCondition } from '../../shared/store/filter-expression.ts';
import { mergedQueryPage } from '../../shared/store/merged-pages.ts';
import { type Page, queryPage } from '../../shared/store/pagination.ts';
import { takeNextInSequence } from '../../shared/store/sequence.ts';
import { ARTICLE_NUMBER_PATTERN, type Article, type ArticleVersion, type VersionStatus } from '../domain/article.ts';
import { ARTICLE_FIELD_ORDER, ARTICLE_HISTORY_FIELD_ORDER, ARTICLE_VERSION_FIELD_ORDER } from '../domain/field-order.ts';
import { ARTICLE_HEADS, ARTICLE_SUMMARY_ATTRIBUTES } from '../heads.ts';
import type { ArticleFilters } from '../schemas/article.ts';
import {
  ARTICLE_SEQUENCE_KEY,
  ARTICLE_VERSION_PREFIX,
  ARTICLE_WORKING_STATUS_PREFIX,
  type ArticleNameField,
  articleFromKnownErrorKey,
  articleIndexes,
  articleKey,
  articleNameIndexes,
  articleNameKey,
  articleNumber,
  articlePartition,
  articleVersionKey,
} from './keys.ts';

/*
 * Article items (keys.ts; docs/data-model.md):
 *   record    pk ARTICLE#<id>  sk ARTICLE            gsi1 ARTICLE / number                      every article (and by number)
 *                                                    gsi2 ARTICLE#STATUS#<status> / number
 *                                                    gsi6 ARTICLE#WORKING#<pending version's status, else status> / number
 *                                                    gsi3 ARTICLE#PUBLISHED#<audience> / number   only while published
 *                                                    gsi4 ARTICLE#REVIEWED / <reviewedAt>#number  only while published
 *   version   pk ARTICLE#<id>  sk VERSION#000001     every content version, kept
 *   history   pk ARTICLE#<id>  sk HISTORY#<ulid>
 *   outbox    pk ARTICLE#<id>  sk OUTBOX#<eventId>   (article-outbox.ts)
 *   stats     pk ARTICLE#<id>  sk STATS              counters (stats-store.ts)
 *   names     pk ARTICLE#<id>  sk NAMES#GROUP#<g>    gsi6 ARTICLE#GROUP#<g> / number      the directory records it names
 *             pk ARTICLE#<id>  sk NAMES#SERVICE#<s>  gsi7 ARTICLE#SERVICE#<s> / number    (keys.ts; while not retired)
 *   sequence  pk SEQUENCE#ARTICLE sk SEQUENCE        the number sequence
 */
export { newId };

const ALL_ARTICLES = { index: 'gsi1', partition: 'ARTICLE' } as const;

function toItem(article: Article): Item {
  return { ...articleKey(article.id), entity: 'article', ...article, ...articleIndexes(article) };
}

const fromItem = (item: Item): Article => withoutKeys<Article>(item, ARTICLE_FIELD_ORDER);

function versionItem(version: ArticleVersion): Item {
  return { ...articleVersionKey(version.articleId, version.version), entity: 'article-version', ...version };
}

const fromVersionItem = (item: Item): ArticleVersion => withoutKeys<ArticleVersion>(item, ARTICLE_VERSION_FIELD_ORDER);

/** Strongly consistent: a read before a write must see the version the write is checked against. */
export async function getArticleById(id: string): Promise<Article | undefined> {
  const result = await db.send(new GetCommand({ TableName: TABLE_NAME, Key: articleKey(id), ConsistentRead: true }));
  return result.Item === undefined ? undefined : fromItem(result.Item);
}

/** Numbers resolve through the all-articles index (eventually consistent, like every index read). */
export async function getArticleByNumber(number: string): Promise<Article | undefined> {
  const item = await itemByNumber(ALL_ARTICLES.partition, number);
  return item === undefined ? undefined : fromItem(item);
}

const ID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;
export const isArticleId = (value: string): boolean => ID_PATTERN.test(value);

/** By id (a ULID, strongly consistent) or by number (KB..., through gsi1); undefined for anything else. */
export async function getArticle(idOrNumber: string): Promise<Article | undefined> {
  if (ARTICLE_NUMBER_PATTERN.test(idOrNumber)) return getArticleByNumber(idOrNumber);
  if (isArticleId(idOrNumber)) return getArticleById(idOrNumber);
  return undefined;
}

export async function getArticleVersion(articleId: string, version: number): Promise<ArticleVersion | undefined> {
  const result = await db.send(new GetCommand({ TableName: TABLE_NAME, Key: articleVersionKey(articleId, version), ConsistentRead: true }));
  return result.Item === undefined ? undefined : fromVersionItem(result.Item);
}

/** The highest content version of an article (the one being written, when there is one): one Query. */
export async function getLatestArticleVersion(articleId: string): Promise<ArticleVersion | undefined> {
  const result = await db.send(
    new QueryCommand({
      TableName: TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': articlePartition(articleId), ':prefix': ARTICLE_VERSION_PREFIX },
      ScanIndexForward: false,
      Limit: 1,
      ConsistentRead: true,
    }),
  );
  const item = result.Items?.[0];
  return item === undefined ? undefined : fromVersionItem(item);
}

/** Takes the next article number. Numbers of creates that later fail are not reused (gaps are harmless). */
export async function allocateArticleNumber(): Promise<string> {
  const { sequence } = await takeNextInSequence(ARTICLE_SEQUENCE_KEY, 'article-sequence');
  return articleNumber(sequence);
}

export const articleCreate = (article: Article): TransactItem => putNew(toItem(article));

/** Replaces the record if, and only if, it is still at the version the caller read. */
export const articleReplace = (next: Article, expectedVersion: number): TransactItem => putAtVersion(toItem(next), expectedVersion);

/** A version written whole: new (its key must be free) or rewritten (the record's version condition guards it). */
export function articleVersionPut(version: ArticleVersion, isNew: boolean): TransactItem {
  const item = versionItem(version);
  return isNew ? putNew(item) : { Put: { TableName: TABLE_NAME, Item: item } };
}

/** Another version's status moves (superseded, retired): an update of that item alone, which must exist. */
export function articleVersionStatusUpdate(articleId: string, version: number, status: VersionStatus, at: string): TransactItem {
  const stamp = status === 'retired' ? 'retiredAt' : 'updatedAt';
  return {
    Update: {
      TableName: TABLE_NAME,
      Key: articleVersionKey(articleId, version),
      UpdateExpression: `SET #status = :status, updatedAt = :at${stamp === 'retiredAt' ? ', retiredAt = :at' : ''}`,
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':status': status, ':at': at },
    },
  };
}

/** A marker of a directory record the article names (keys.ts articleNameKey): the directory's deletes find it. */
export function articleNamePut(article: Pick<Article, 'id' | 'number'>, field: ArticleNameField, name: string): TransactItem {
  return {
    Put: {
      TableName: TABLE_NAME,
      Item: {
        ...articleNameKey(article.id, field, name),
        entity: 'article-name',
        articleId: article.id,
        number: article.number,
        field,
        name,
        ...articleNameIndexes(field, name, article.number),
      },
    },
  };
}

export const articleNameDelete = (articleId: string, field: ArticleNameField, name: string): TransactItem => ({
  Delete: { TableName: TABLE_NAME, Key: articleNameKey(articleId, field, name) },
});

/**
 * The retiring transaction's entry for an article made from a known error: its guard
 * (keys.ts articleFromKnownErrorKey) is deleted, so the known error may be turned into an article
 * again. Only the guard naming this article (a guard already gone is no refusal).
 */
export const knownErrorGuardRelease = (problemId: string, articleId: string): TransactItem => ({
  Delete: {
    TableName: TABLE_NAME,
    Key: articleFromKnownErrorKey(problemId),
    ConditionExpression: 'attribute_not_exists(pk) OR articleId = :id',
    ExpressionAttributeValues: { ':id': articleId },
  },
});

export const articleHistoryPut = (articleId: string, draft: HistoryDraft): TransactItem => historyPut(articlePartition(articleId), articleId, draft);

/** Every content version, oldest first, without their bodies. */
export async function listArticleVersions(articleId: string, options: { limit: number; cursor?: string }): Promise<Page<ArticleVersion>> {
  const page = await queryPage(
    {
      TableName: TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': articlePartition(articleId), ':prefix': ARTICLE_VERSION_PREFIX },
      ConsistentRead: true,
    },
    options.limit,
    options.cursor,
    filterFingerprint({ articleId, kind: 'article-versions' }),
  );
  return { ...page, items: page.items.map(fromVersionItem) };
}

export interface ArticleHistoryRecord extends HistoryDraft {
  id: string;
  articleId: string;
}

const HISTORY_FIELDS = ARTICLE_HISTORY_FIELD_ORDER;

/** The audit trail, oldest first. */
export async function listArticleHistory(articleId: string, options: { limit: number; cursor?: string }): Promise<Page<ArticleHistoryRecord>> {
  const page = await queryPage(
    {
      TableName: TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': articlePartition(articleId), ':prefix': 'HISTORY#' },
    },
    options.limit,
    options.cursor,
    filterFingerprint({ articleId, kind: 'article-history' }),
  );
  const items = page.items.map((item) => {
    const { subjectId, ...record } = withoutKeys<HistoryDraft & { id: string; subjectId: string }>(item);
    return withoutKeys<ArticleHistoryRecord>({ ...record, articleId: subjectId }, HISTORY_FIELDS);
  });
  return { ...page, items };
}

/** An article as lists show it: without its body, which only GET /articles/{id} answers. */
export type ArticleSummary = Omit<Article, 'body' | 'bodyHtml'>;

/** listArticles, reading only what a summary shows. */
export const listArticleSummaries = (
  filters: ArticleFilters,
  limit: number,
  cursor: string | undefined,
  options: { publishedAudience?: 'public' } = {},
): Promise<Page<ArticleSummary>> => listArticles(filters, limit, cursor, { ...options, projection: ARTICLE_SUMMARY_ATTRIBUTES });

/**
 * Newest first by number. Agents: with a status filter, one Query per working status on gsi6
 * (`draft` and `review` include a published article whose edit is in draft or review; `published`
 * alone is gsi2's published partition), else gsi1 (every article); requesters (`publishedAudience`): the published partition of their audience on
 * gsi3 only, so a draft, an internal or a retired article is never read for them. The other
 * filters narrow the Queries with a filter expression. Never a Scan.
 */
export async function listArticles(
  filters: ArticleFilters,
  limit: number,
  cursor: string | undefined,
  options: { publishedAudience?: 'public'; projection?: readonly string[] } = {},
): Promise<Page<Article>> {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const conditions: string[] = [];
  let index: string;
  let partitions: string[];
  if (options.publishedAudience !== undefined) {
    index = 'gsi3';
    partitions = [`ARTICLE#PUBLISHED#${options.publishedAudience}`];
  } else if (filters.status?.length === 1 && filters.status[0] === 'published') {
    index = 'gsi2';
    partitions = ['ARTICLE#STATUS#published'];
  } else if (filters.status !== undefined) {
    // By working status (keys.ts workingStatus): `draft` and `review` find a published article
    // whose edit is in draft or in review too. A published article may be in any of the three.
    const statuses = filters.status;
    index = 'gsi6';
    const working = new Set(statuses.flatMap((status) => (status === 'published' ? ['published', 'draft', 'review'] : [status])));
    partitions = [...working].map((status) => `${ARTICLE_WORKING_STATUS_PREFIX}${status}`);
    if (statuses.includes('published')) {
      names['#status'] = 'status';
      names['#pending'] = 'pendingVersion';
      const placeholders = statuses.map((status, i) => {
        values[`:status${i}`] = status;
        return `:status${i}`;
      });
      conditions.push(`(#status IN (${placeholders.join(', ')}) OR #pending.#status IN (${placeholders.join(', ')}))`);
    }
  } else {
    index = ALL_ARTICLES.index;
    partitions = [ALL_ARTICLES.partition];
  }
  if (filters.audience !== undefined && options.publishedAudience === undefined)
    conditions.push(inCondition('audience', filters.audience, names, values).condition);
  if (filters.ownerGroup !== undefined) conditions.push(inCondition('ownerGroup', filters.ownerGroup, names, values).condition);
  if (filters.category !== undefined) conditions.push(inCondition('category', filters.category, names, values).condition);
  if (filters.service !== undefined) {
    names['#services'] = 'services';
    const placeholders = filters.service.map((service, i) => {
      values[`:service${i}`] = service;
      return `contains(#services, :service${i})`;
    });
    conditions.push(`(${placeholders.join(' OR ')})`);
  }
  const page = await mergedQueryPage(
    {
      tableName: TABLE_NAME,
      index,
      partitions,
      ...(conditions.length > 0 ? { filter: { expression: conditions.join(' AND '), names, values } } : {}),
      ...(options.projection === undefined ? {} : { projection: options.projection }),
      heads: ARTICLE_HEADS,
    },
    limit,
    cursor,
    filterFingerprint({ ...filters, publishedAudience: options.publishedAudience, kind: 'articles' }),
  );
  return { ...page, items: page.items.map(fromItem) };
}
