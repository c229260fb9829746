/**
 * The knowledge area's items in the single table (docs/data-model.md): articles with their content
 * versions, counters and feedback, the known-error guard, the configuration, suggestions and the
 * daily deflection counts. gsi1..gsi7 are the table's generic indexes (projection ALL): each list
 * below is one Query.
 */

const pad = (n: number, width: number) => String(n).padStart(width, '0');

export const ARTICLE_SEQUENCE_KEY = { pk: 'SEQUENCE#ARTICLE', sk: 'SEQUENCE' } as const;
export const ARTICLE_NUMBER_PREFIX = 'KB';
export const articleNumber = (sequence: number) => `${ARTICLE_NUMBER_PREFIX}${pad(sequence, 7)}`;

export const articlePartition = (id: string) => `ARTICLE#${id}`;
export const articleKey = (id: string) => ({ pk: articlePartition(id), sk: 'ARTICLE' });
export const articleVersionKey = (id: string, version: number) => ({ pk: articlePartition(id), sk: `${ARTICLE_VERSION_PREFIX}${pad(version, 6)}` });
export const ARTICLE_VERSION_PREFIX = 'VERSION#';
/** Counters (views, helpful, notHelpful, deflections): UpdateItem ADD only, never rewritten by a put of the article. */
export const articleStatsKey = (id: string) => ({ pk: articlePartition(id), sk: 'STATS' });
export const articleFeedbackKey = (id: string, version: number, userId: string) => ({ pk: articlePartition(id), sk: `FEEDBACK#${pad(version, 6)}#${userId}` });

/**
 * The status an article is being worked in: its pending version's (the edit of a published
 * article, in draft or in review), else its own. The review queue (GET /articles?status=review)
 * is what awaits review, whether a new article or the edit of a published one.
 */
export const workingStatus = (article: { status: string; pendingVersion?: { status: string } | undefined }): string =>
  article.pendingVersion?.status ?? article.status;
export const ARTICLE_WORKING_STATUS_PREFIX = 'ARTICLE#WORKING#';

/**
 * The article record's list keys; the published and review keys only while it is published.
 * gsi6 ARTICLE#WORKING#<working status> (a partition of its own on gsi6, whose names partitions
 * below are ARTICLE#GROUP#/ARTICLE#SERVICE#): the status filters of GET /articles read it, so a
 * published article with an edit in review is in the review queue.
 */
export const articleIndexes = (article: {
  number: string;
  status: string;
  audience: string;
  reviewedAt?: string | undefined;
  pendingVersion?: { status: string } | undefined;
}) => ({
  gsi1pk: 'ARTICLE',
  gsi1sk: article.number,
  gsi2pk: `ARTICLE#STATUS#${article.status}`,
  gsi2sk: article.number,
  gsi6pk: `${ARTICLE_WORKING_STATUS_PREFIX}${workingStatus(article)}`,
  gsi6sk: article.number,
  ...(article.status === 'published'
    ? {
        gsi3pk: `ARTICLE#PUBLISHED#${article.audience}`,
        gsi3sk: article.number,
        ...(article.reviewedAt === undefined ? {} : { gsi4pk: 'ARTICLE#REVIEWED', gsi4sk: `${article.reviewedAt}#${article.number}` }),
      }
    : {}),
});
export const articleStatsIndexes = (number: string) => ({ gsi5pk: 'ARTICLE#STATS', gsi5sk: number });

/*
 * The directory records an article names, as small marker items in its partition, one per name:
 *   pk ARTICLE#<id>  sk NAMES#GROUP#<group>      gsi6 ARTICLE#GROUP#<group> / number
 *   pk ARTICLE#<id>  sk NAMES#SERVICE#<service>  gsi7 ARTICLE#SERVICE#<service> / number
 * for the owner group and services of the record's content and of its pending version, while the
 * article is not retired. They are put and deleted in the article's own write transaction (an
 * article names several services, and an index key holds one value), so that a directory delete
 * finds exactly the articles naming a group or service with one Query (functions/directory/store/usage.ts
 * reads them by this shape: the directory sits below knowledge).
 */
export type ArticleNameField = 'ownerGroup' | 'services';
export const ARTICLE_NAMES_PREFIX = 'NAMES#';
const NAME_KINDS = {
  ownerGroup: { sk: 'GROUP', index: 'gsi6', partition: 'ARTICLE#GROUP#' },
  services: { sk: 'SERVICE', index: 'gsi7', partition: 'ARTICLE#SERVICE#' },
} as const;
export const articleNameKey = (id: string, field: ArticleNameField, name: string) => ({
  pk: articlePartition(id),
  sk: `${ARTICLE_NAMES_PREFIX}${NAME_KINDS[field].sk}#${name}`,
});
export const articleNameIndexes = (field: ArticleNameField, name: string, number: string) => ({
  [`${NAME_KINDS[field].index}pk`]: `${NAME_KINDS[field].partition}${name}`,
  [`${NAME_KINDS[field].index}sk`]: number,
});

/** One live article per known error: written with the article, names it; deleted when that article is retired. */
export const articleFromKnownErrorKey = (problemId: string) => ({ pk: `ARTICLE-FROM#KNOWN-ERROR#${problemId}`, sk: 'GUARD' });

export const KNOWLEDGE_CONFIG_KEY = { pk: 'KNOWLEDGE-CONFIG', sk: 'KNOWLEDGE-CONFIG' } as const;

export const suggestionKey = (id: string) => ({ pk: `SUGGESTION#${id}`, sk: 'SUGGESTION' });
export const DEFLECTIONS_PARTITION = 'KNOWLEDGE#DEFLECTIONS';
export const deflectionDayKey = (day: string) => ({ pk: DEFLECTIONS_PARTITION, sk: `DAY#${day}` });
