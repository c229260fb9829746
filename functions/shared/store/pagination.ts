import { definitionFor, type HeadId, type QueueHeadDefinition } from '../domain/queue-heads.ts';
import { decodeCursor, encodeCursor, invalidCursor } from './cursor.ts';
import { db, type Item } from './db.ts';
import { QueryCommand, type QueryCommandInput } from './dynamodb.ts';
import { projectionOf } from './projection.ts';
import { headPage } from './queue-heads.ts';

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

/** Filtered pages may need several Queries; bound the work one request can cause. */
const MAX_QUERY_PAGES = 10;

/**
 * One page of a Query, `limit` items at most. Unfiltered, that is one round trip (it asks for one
 * item more than needed, to know whether a next page exists); with a filter expression it may take
 * a few, bounded.
 */
export async function queryPage(
  query: QueryCommandInput,
  limit: number,
  cursor: string | undefined,
  fingerprint: string,
  options: {
    /** Only these attributes of each item are read (and the keys the cursor is made of); default all. */
    projection?: readonly string[];
    /**
     * The list's queues kept as heads (functions/shared/domain/queue-heads.ts): a first page of
     * one of them, unfiltered, is read from its head, one GetItem, when the head can answer it.
     */
    heads?: readonly QueueHeadDefinition[];
  } = {},
): Promise<Page<Item>> {
  const input = options.projection === undefined ? query : projected(query, options.projection);
  const head = cursor === undefined && options.heads !== undefined ? headOfQuery(input, options.heads, options.projection) : undefined;
  if (head !== undefined && input.IndexName !== undefined) {
    const page = await headPage(head, limit);
    if (page !== undefined) {
      const last = page.items.at(-1);
      return page.more && last !== undefined
        ? { items: page.items, nextCursor: encodeCursor(keyOf(last, input.IndexName), fingerprint) }
        : { items: page.items };
    }
  }
  const filtered = input.FilterExpression !== undefined;
  let startKey = cursor === undefined ? undefined : decodeCursor(cursor, fingerprint);
  const items: Item[] = [];
  for (let page = 0; page < MAX_QUERY_PAGES; page++) {
    const result = await db
      .send(new QueryCommand({ ...input, Limit: filtered ? Math.max(limit * 2, 50) : limit + 1 - items.length, ExclusiveStartKey: startKey }))
      .catch((error: unknown) => {
        // The fingerprint is not a signature: a hand-made cursor can name a key outside this
        // query's partition, which DynamoDB refuses. That is the client's error, not ours.
        if (page === 0 && cursor !== undefined && (error as Error).name === 'ValidationException') throw invalidCursor();
        throw error;
      });
    for (const item of result.Items ?? []) {
      items.push(item);
      if (items.length === limit) {
        const last = keyOf(item, input.IndexName);
        // A page that ended exactly on the last stored item has no successor.
        const more = result.LastEvaluatedKey !== undefined || item !== result.Items?.at(-1);
        return more ? { items, nextCursor: encodeCursor(last, fingerprint) } : { items };
      }
    }
    startKey = result.LastEvaluatedKey;
    if (startKey === undefined) return { items };
  }
  return { items, nextCursor: encodeCursor(startKey as Item, fingerprint) };
}

/**
 * The head a Query reads the first page of: an unfiltered Query of one index partition, or of the
 * part of it whose sort key begins with a segment, in the order a head definition keeps.
 */
function headOfQuery(input: QueryCommandInput, definitions: readonly QueueHeadDefinition[], attributes: readonly string[] | undefined): HeadId | undefined {
  const index = input.IndexName;
  if (index === undefined || input.FilterExpression !== undefined) return undefined;
  const match = /^(\S+) = (:\w+)(?: AND begins_with\((\S+), (:\w+)\))?$/.exec(input.KeyConditionExpression ?? '');
  if (match === null) return undefined;
  const [, pkName, pkValue, skName, skValue] = match;
  const named = (name: string | undefined) => (name?.startsWith('#') ? input.ExpressionAttributeNames?.[name] : name);
  const values = input.ExpressionAttributeValues ?? {};
  const partition = values[pkValue as string];
  const segment = skValue === undefined ? undefined : values[skValue];
  if (named(pkName) !== `${index}pk` || typeof partition !== 'string') return undefined;
  if (skName !== undefined && (named(skName) !== `${index}sk` || typeof segment !== 'string')) return undefined;
  const id: HeadId = typeof segment === 'string' ? { index, partition, segment } : { index, partition };
  const definition = definitionFor(definitions, id, attributes);
  if (definition === undefined || definition.descending === (input.ScanIndexForward ?? true)) return undefined;
  // A segment that is not a whole leading segment of the sort key (`ope`, not `open#`) is no head's.
  if (typeof segment === 'string' && !(segment.endsWith('#') && segment.indexOf('#') === segment.length - 1)) return undefined;
  return id;
}

/** The query reading only `attributes` and the key attributes keyOf takes from the last item. */
function projected(input: QueryCommandInput, attributes: readonly string[]): QueryCommandInput {
  const index = input.IndexName;
  const { expression, names } = projectionOf([...attributes, 'pk', 'sk', ...(index === undefined ? [] : [`${index}pk`, `${index}sk`])]);
  return { ...input, ProjectionExpression: expression, ExpressionAttributeNames: { ...input.ExpressionAttributeNames, ...names } };
}

function keyOf(item: Item, indexName: string | undefined): Item {
  const key: Item = { pk: item.pk, sk: item.sk };
  if (indexName !== undefined) {
    key[`${indexName}pk`] = item[`${indexName}pk`];
    key[`${indexName}sk`] = item[`${indexName}sk`];
  }
  return key;
}

/**
 * Every item of a Query, following its pages, until `max` items matched (filters may leave pages
 * empty): for sets known to stay small, or bounded by `max`, read whole because the caller sorts,
 * groups or counts them.
 */
export async function queryAll(input: QueryCommandInput, max = Number.POSITIVE_INFINITY): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Item | undefined;
  do {
    const page = await db.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined && items.length < max);
  return items.slice(0, max);
}
