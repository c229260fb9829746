import { definitionFor, type QueueHeadDefinition } from '../domain/queue-heads.ts';
import { decodeCursor, encodeCursor, invalidCursor } from './cursor.ts';
import { db, type Item } from './db.ts';
import { QueryCommand, type QueryCommandOutput } from './dynamodb.ts';
import type { Page } from './pagination.ts';
import { projectionOf } from './projection.ts';
import { headPage } from './queue-heads.ts';

/*
 * One list read from several partitions of one index (a filter with several values: one partition
 * per value), merged newest first on the index sort key. Each round sends one Query per partition
 * that needs more, all in flight together, so an unfiltered page of any number of values is one
 * round trip. The cursor is the sort key of the last item returned: every partition resumes below
 * it, so pages have no gaps and no duplicates whatever the partitions hold (an item found in two
 * partitions, such as a change request's copies for two services, is returned once: same sort key).
 * Sort keys must therefore be unique per item and shared by its copies.
 */

export interface MergedQuery {
  tableName: string;
  index: string;
  /** The partition key values to read, one Query each. */
  partitions: readonly string[];
  /** Sort key bounds: `from` inclusive, `before` exclusive. */
  range?: { from?: string; before?: string };
  /** Narrows each partition; its names and values are merged with the key condition's. */
  filter?: { expression: string; names: Record<string, string>; values: Record<string, unknown> };
  /** Only these attributes of each item are read (the index sort key too, which the merge and the cursor need); default all. */
  projection?: readonly string[];
  /**
   * The list's queues kept as heads (functions/shared/domain/queue-heads.ts): a first page of one
   * partition, unfiltered, is read from its head, one GetItem, when the head can answer it.
   */
  heads?: readonly QueueHeadDefinition[];
}

/** Bounds the work one request can cause when filters drop most of what the Queries read. */
const MAX_ROUNDS = 10;

interface Partition {
  pk: string;
  buffer: Item[];
  startKey?: Record<string, unknown>;
  /** Sort key of the last item DynamoDB evaluated; everything unread in the partition sorts below it. */
  frontier?: string;
  done: boolean;
}

export async function mergedQueryPage(query: MergedQuery, limit: number, cursor: string | undefined, fingerprint: string): Promise<Page<Item>> {
  const sk = `${query.index}sk`;
  const [only] = query.partitions;
  if (
    cursor === undefined &&
    query.heads !== undefined &&
    query.partitions.length === 1 &&
    only !== undefined &&
    query.range === undefined &&
    query.filter === undefined
  ) {
    const id = { index: query.index, partition: only };
    const definition = definitionFor(query.heads, id, query.projection);
    const page = definition?.descending === true ? await headPage(id, limit) : undefined;
    if (page !== undefined) {
      const last = page.items.at(-1);
      return page.more && last !== undefined
        ? { items: page.items, nextCursor: encodeCursor({ before: String(last[sk]) }, fingerprint) }
        : { items: page.items };
    }
  }
  const resumeBelow = cursor === undefined ? undefined : cursorBound(decodeCursor(cursor, fingerprint));
  const before = lowest(resumeBelow, query.range?.before);
  const from = query.range?.from;
  if (from !== undefined && before !== undefined && !(from < before)) return { items: [] };

  const projection = query.projection === undefined ? undefined : projectionOf([...query.projection, sk]);
  const names: Record<string, string> = { '#pk': `${query.index}pk`, ...query.filter?.names, ...projection?.names };
  const values: Record<string, unknown> = { ...query.filter?.values };
  let condition = '#pk = :pk';
  // BETWEEN includes its upper end: one more item per Query, and the bound itself dropped below.
  let extra = 0;
  if (from !== undefined || before !== undefined) names['#sk'] = sk;
  if (from !== undefined && before !== undefined) {
    condition += ' AND #sk BETWEEN :from AND :before';
    Object.assign(values, { ':from': from, ':before': before });
    extra = 1;
  } else if (from !== undefined) {
    condition += ' AND #sk >= :from';
    values[':from'] = from;
  } else if (before !== undefined) {
    condition += ' AND #sk < :before';
    values[':before'] = before;
  }
  const perQuery = query.filter === undefined ? limit + 1 + extra : Math.max(limit * 2, 50);

  const partitions: Partition[] = query.partitions.map((pk) => ({ pk, buffer: [], done: false }));
  const read = async (partition: Partition): Promise<void> => {
    const result: QueryCommandOutput = await db.send(
      new QueryCommand({
        TableName: query.tableName,
        IndexName: query.index,
        KeyConditionExpression: condition,
        ...(query.filter === undefined ? {} : { FilterExpression: query.filter.expression }),
        ...(projection === undefined ? {} : { ProjectionExpression: projection.expression }),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ...values, ':pk': partition.pk },
        ScanIndexForward: false,
        Limit: perQuery,
        ...(partition.startKey === undefined ? {} : { ExclusiveStartKey: partition.startKey }),
      }),
    );
    for (const item of result.Items ?? []) if (before === undefined || String(item[sk]) < before) partition.buffer.push(item);
    partition.startKey = result.LastEvaluatedKey;
    partition.frontier = result.LastEvaluatedKey === undefined ? undefined : String(result.LastEvaluatedKey[sk]);
    partition.done = result.LastEvaluatedKey === undefined;
  };

  const items: Item[] = [];
  let last: string | undefined;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    await Promise.all(partitions.filter((p) => !p.done && p.buffer.length === 0).map(read));
    // Take the newest buffered item while no partition could still hold a newer one unread.
    while (items.length < limit) {
      const next = newestHead(partitions, sk);
      if (next === undefined) break;
      const key = String(next.head[sk]);
      if (partitions.some((p) => p !== next.partition && !p.done && p.frontier !== undefined && key < p.frontier)) break;
      next.partition.buffer.shift();
      if (key !== last) items.push(next.head);
      last = key;
    }
    const more = partitions.some((p) => !p.done || p.buffer.length > 0);
    if (items.length === limit) return more && last !== undefined ? { items, nextCursor: encodeCursor({ before: last }, fingerprint) } : { items };
    if (!more) return { items };
  }
  // Out of rounds: everything at or above the highest unread position was returned; resume below it.
  const resume = partitions.reduce<string | undefined>(
    (high, p) => (p.done || p.frontier === undefined || (high !== undefined && high >= p.frontier) ? high : p.frontier),
    undefined,
  );
  return resume === undefined ? { items } : { items, nextCursor: encodeCursor({ before: resume }, fingerprint) };
}

/** The partition whose first buffered item is the newest, with that item. */
function newestHead(partitions: Partition[], sk: string): { partition: Partition; head: Item } | undefined {
  let newest: { partition: Partition; head: Item } | undefined;
  for (const partition of partitions) {
    const head = partition.buffer[0];
    if (head !== undefined && (newest === undefined || String(head[sk]) > String(newest.head[sk]))) newest = { partition, head };
  }
  return newest;
}

const lowest = (a: string | undefined, b: string | undefined): string | undefined => (a === undefined ? b : b === undefined || a < b ? a : b);

/** A merged list's cursor holds one sort key and nothing else; a cursor of another list shape is refused. */
function cursorBound(key: Item): string {
  const keys = Object.keys(key);
  if (keys.length !== 1 || typeof key.before !== 'string' || key.before === '') throw invalidCursor();
  return key.before;
}
