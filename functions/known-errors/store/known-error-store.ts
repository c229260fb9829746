import { filterFingerprint } from '../../shared/store/cursor.ts';
import { db, type Item, TABLE_NAME } from '../../shared/store/db.ts';
import { QueryCommand, type QueryCommandInput } from '../../shared/store/dynamodb.ts';
import { type Page, queryPage } from '../../shared/store/pagination.ts';
import type { TransactionEntry } from '../../shared/store/transaction.ts';
import {
  ALL_KNOWN_ERRORS_KEY,
  type KnownError,
  type KnownErrorMatch,
  type KnownErrorSource,
  keysOfKnownError,
  MAX_KNOWN_ERROR_MATCHES,
  type MatchFields,
  matchKeysOf,
  publicationOrder,
  publishedKnownError,
  rankMatches,
} from '../domain/known-error.ts';

/*
 * The known-error projection: one item per published known error per match key, in the partition
 * of that key, sorted by publication (newest last in key order, so lists read it backwards):
 *
 *   pk KNOWN_ERROR#ALL              sk <publishedAt>#<problemId>   every published known error
 *   pk KNOWN_ERROR#CIID#<id>        sk ...                         by configuration item (CMDB id), one per id
 *   pk KNOWN_ERROR#CI#<ci>          sk ...                         by configuration item (free text of old problems)
 *   pk KNOWN_ERROR#SERVICE#<name>   sk ...                         by service
 *   pk KNOWN_ERROR#CATEGORY#<cat>   sk ...                         by category
 *
 * so each filter of GET /known-errors, and each field an incident is matched on, is one Query of
 * one partition, newest first, never a Scan. The items are written only by knownErrorEntries,
 * inside the transaction of the problem write they follow (functions/problems/problem-write.ts),
 * so the projection never disagrees with a committed problem.
 */

const PARTITION_PREFIX = 'KNOWN_ERROR#';
const ENTITY = 'known-error';

const partitionOf = (key: string): string => `${PARTITION_PREFIX}${key}`;

/** One item per key; `matchKeys` lets a list narrowed by several filters read one partition and filter on the others. */
function itemsOf(knownError: KnownError): Item[] {
  const keys = keysOfKnownError(knownError);
  return keys.map((key) => ({ pk: partitionOf(key), sk: publicationOrder(knownError), entity: ENTITY, matchKeys: keys, ...knownError }));
}

const itemId = (item: Item): string => `${item.pk as string}\n${item.sk as string}`;

function projectionOf(problem: KnownErrorSource | undefined): Map<string, Item> {
  const knownError = problem === undefined ? undefined : publishedKnownError(problem);
  return new Map((knownError === undefined ? [] : itemsOf(knownError)).map((item) => [itemId(item), item]));
}

/**
 * The transaction entries that move the projection from what `previous` published to what `next`
 * publishes (`previous` undefined: the problem is new): a Put for each key it is newly found under
 * or whose item changed (workaround, title, ...), a Delete for each key it is no longer found under
 * (unpublished, canceled, a field changed). Nothing when the known error did not change, so most
 * problem writes add no item. Unconditional: the problem's own item, written at its version in the
 * same transaction, orders concurrent writes of one problem.
 */
export function knownErrorEntries(previous: KnownErrorSource | undefined, next: KnownErrorSource): TransactionEntry[] {
  const before = projectionOf(previous);
  const after = projectionOf(next);
  const entries: TransactionEntry[] = [];
  for (const [id, item] of before) {
    if (!after.has(id)) entries.push({ Delete: { TableName: TABLE_NAME, Key: { pk: item.pk, sk: item.sk } } });
  }
  for (const [id, item] of after) {
    const old = before.get(id);
    if (old === undefined || JSON.stringify(old) !== JSON.stringify(item)) entries.push({ Put: { TableName: TABLE_NAME, Item: item } });
  }
  return entries;
}

/** The known error as the API shows it, from a projection item (its storage attributes left out). */
function fromItem(item: Item): KnownError {
  const field = (name: 'service' | 'configurationItem' | 'category') => (typeof item[name] === 'string' ? { [name]: item[name] } : {});
  return {
    problemId: item.problemId as string,
    number: item.number as string,
    title: item.title as string,
    workaround: item.workaround as string,
    ...field('service'),
    ...(Array.isArray(item.configurationItems) ? { configurationItems: item.configurationItems as string[] } : {}),
    ...field('configurationItem'),
    ...field('category'),
    publishedAt: item.publishedAt as string,
  };
}

/** Strongly consistent: the projection lives in the table's own partitions (no index), so a known error just published is found at once. */
const newestFirst = (key: string): QueryCommandInput => ({
  TableName: TABLE_NAME,
  KeyConditionExpression: 'pk = :pk',
  ExpressionAttributeValues: { ':pk': partitionOf(key) },
  ScanIndexForward: false,
  ConsistentRead: true,
});

/**
 * The known errors matching an incident's configuration item, service and category (at most
 * MAX_KNOWN_ERROR_MATCHES, most specific first: rankMatches). One Query per field that is set, all
 * sent together: one round trip, none when no field is set. Each asks for MAX_KNOWN_ERROR_MATCHES
 * items, which is enough: the more specific groups can take away at most as many problems as they
 * listed, and then the total is reached anyway.
 */
export async function matchKnownErrors(fields: MatchFields): Promise<KnownErrorMatch[]> {
  const found = await Promise.all(
    matchKeysOf(fields).map(async ({ field, key }) => {
      const result = await db.send(new QueryCommand({ ...newestFirst(key), Limit: MAX_KNOWN_ERROR_MATCHES }));
      return { field, knownErrors: (result.Items ?? []).map(fromItem) };
    }),
  );
  return rankMatches(found);
}

/**
 * GET /known-errors: newest first, one Query per page. Without a filter it reads the partition of
 * every known error; with one, that filter's partition; with several, the most specific filter's
 * partition (configuration item, then service, then category), narrowed by the others with a filter
 * expression (a few Queries per page at most, bounded by queryPage).
 */
export async function listKnownErrors(filters: MatchFields, limit: number, cursor: string | undefined): Promise<Page<KnownError>> {
  const [chosen, ...others] = matchKeysOf(filters);
  const values: Record<string, unknown> = {};
  const conditions = others.map(({ key }, i) => {
    values[`:key${i}`] = key;
    return `contains(#matchKeys, :key${i})`;
  });
  const query = newestFirst(chosen?.key ?? ALL_KNOWN_ERRORS_KEY);
  const input: QueryCommandInput =
    conditions.length === 0
      ? query
      : {
          ...query,
          FilterExpression: conditions.join(' AND '),
          ExpressionAttributeNames: { '#matchKeys': 'matchKeys' },
          ExpressionAttributeValues: { ...query.ExpressionAttributeValues, ...values },
        };
  const fingerprint = filterFingerprint({ kind: 'known-errors', keys: matchKeysOf(filters).map(({ key }) => key) });
  const page = await queryPage(input, limit, cursor, fingerprint);
  return { ...page, items: page.items.map(fromItem) };
}
