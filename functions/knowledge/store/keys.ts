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

/** The article record's list keys; the published and review keys only while it is published. */
export const articleIndexes = (article: { number: string; status: string; audience: string; reviewedAt?: string | undefined }) => ({
  gsi1pk: 'ARTICLE',
  gsi1sk: article.number,
  gsi2pk: `ARTICLE#STATUS#${article.status}`,
  gsi2sk: article.number,
  ...(article.status === 'published'
    ? {
        gsi3pk: `ARTICLE#PUBLISHED#${article.audience}`,
        gsi3sk: article.number,
        ...(article.reviewedAt === undefined ? {} : { gsi4pk: 'ARTICLE#REVIEWED', gsi4sk: `${article.reviewedAt}#${article.number}` }),
      }
    : {}),
});
export const articleStatsIndexes = (number: string) => ({ gsi5pk: 'ARTICLE#STATS', gsi5sk: number });

/** One article per known error: written with the article, names it. */
export const articleFromKnownErrorKey = (problemId: string) => ({ pk: `ARTICLE-FROM#KNOWN-ERROR#${problemId}`, sk: 'GUARD' });

export const KNOWLEDGE_CONFIG_KEY = { pk: 'KNOWLEDGE-CONFIG', sk: 'KNOWLEDGE-CONFIG' } as const;

export const suggestionKey = (id: string) => ({ pk: `SUGGESTION#${id}`, sk: 'SUGGESTION' });
export const DEFLECTIONS_PARTITION = 'KNOWLEDGE#DEFLECTIONS';
export const deflectionDayKey = (day: string) => ({ pk: DEFLECTIONS_PARTITION, sk: `DAY#${day}` });
