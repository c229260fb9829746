import { serviceKey } from '../../directory/store/keys.ts';
import { directoryRecordLive } from '../../directory/store/references.ts';
import { decodeCursor, encodeCursor, filterFingerprint } from '../../shared/store/cursor.ts';
import { db, type Item, TABLE_NAME, type TransactItem, withoutKeys } from '../../shared/store/db.ts';
import { QueryCommand, type QueryCommandInput } from '../../shared/store/dynamodb.ts';
import { type Page, queryPage } from '../../shared/store/pagination.ts';
import { type NamedItem, named } from '../../shared/store/transaction.ts';
import { isOwnCiId } from '../domain/ci.ts';
import {
  CANONICAL_RELATIONSHIP_TYPES,
  type ImpactDirection,
  impactFollows,
  type RelationshipOrigin,
  type StoredRelationship,
} from '../domain/relationship-types.ts';
import {
  ciKey,
  ciPartition,
  RELATIONSHIP_SORT_PREFIX,
  relationshipCountKey,
  relationshipKey,
  relationshipTargetIndex,
  relationshipTargetPartition,
} from './keys.ts';

/*
 * Relationships between CIs (docs/data-model.md):
 *   relationship  pk CI#<source>  sk REL#<canonical type>#<target>   gsi1 CIREL#<target> / <canonical type>#<source>
 * Stored once, in its source's partition under its canonical type (domain/relationship-types.ts),
 * so the key itself refuses a duplicate; gsi1 indexes it by its target, so each end reads the
 * relationships it takes part in with one Query: the base partition for those it is the source of,
 * the index for those it is the target of.
 *
 * An own CI's relationship count (keys.ts relationshipCountKey) moves in every transaction that
 * adds or removes one of its relationships; a CI's deletion removes it held at the number of
 * relationships it deletes, so a relationship the (eventually consistent) index did not show yet
 * refuses the deletion instead of surviving it.
 */

export const RELATIONSHIP_ENTITY = 'ci-relationship';
/** The name of the relationship's own item in the transaction that adds or removes it. */
export const RELATIONSHIP_ITEM = 'relationship';
/** The name of a CI's existence check in that transaction. */
export const ciCheckName = (id: string): string => `ci:${id}`;

export interface Relationship extends StoredRelationship {
  origin: RelationshipOrigin;
  createdAt: string;
  createdBy: string;
}

const RELATIONSHIP_FIELDS: readonly (keyof Relationship)[] = ['source', 'type', 'target', 'origin', 'createdAt', 'createdBy'];

const fromItem = (item: Item): Relationship => withoutKeys<Relationship>(item, RELATIONSHIP_FIELDS);

/** Creates the relationship: refused under RELATIONSHIP_ITEM when it is stored already. */
export function relationshipPut(relationship: Relationship): NamedItem {
  const { source, type, target } = relationship;
  return named(RELATIONSHIP_ITEM, {
    Put: {
      TableName: TABLE_NAME,
      Item: {
        ...relationshipKey(source, type, target),
        ...relationshipTargetIndex(source, type, target),
        entity: RELATIONSHIP_ENTITY,
        ...Object.fromEntries(RELATIONSHIP_FIELDS.map((field) => [field, relationship[field]])),
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  });
}

const RELATIONSHIP_COUNT = 'relationshipCount';
/** The name of the deleted CI's relationship count in its deletion's transaction. */
export const RELATIONSHIP_COUNT_ITEM = 'relationship-count';
/** The prefix of the names of the relationships a CI's deletion removes (each must still be there). */
export const DELETED_RELATIONSHIP_ITEM = 'relationship-deleted:';

/** One more (or fewer, `delta` < 0) relationship of the own CI `id`, in the transaction that adds or removes it. */
export function relationshipCountMove(id: string, delta: number): TransactItem {
  return {
    Update: {
      TableName: TABLE_NAME,
      Key: relationshipCountKey(id),
      UpdateExpression: 'ADD #count :delta SET entity = :entity',
      ExpressionAttributeNames: { '#count': RELATIONSHIP_COUNT },
      ExpressionAttributeValues: { ':delta': delta, ':entity': 'ci-relationship-count' },
    },
  };
}

/**
 * Removes the count of a CI being deleted, held at `count` (the relationships its deletion
 * removes): refused under RELATIONSHIP_COUNT_ITEM when another relationship was added or removed
 * since they were read.
 */
export function relationshipCountDelete(id: string, count: number): NamedItem {
  return named(RELATIONSHIP_COUNT_ITEM, {
    Delete: {
      TableName: TABLE_NAME,
      Key: relationshipCountKey(id),
      ConditionExpression: count === 0 ? 'attribute_not_exists(pk) OR #count = :count' : '#count = :count',
      ExpressionAttributeNames: { '#count': RELATIONSHIP_COUNT },
      ExpressionAttributeValues: { ':count': count },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  });
}

/** Deletes one relationship of a CI being deleted: refused (DELETED_RELATIONSHIP_ITEM<n>) when it is gone already (the index showed it late). */
export function deletedRelationshipDelete(relationship: StoredRelationship, n: number): NamedItem {
  const { source, type, target } = relationship;
  return named(`${DELETED_RELATIONSHIP_ITEM}${n}`, {
    Delete: { TableName: TABLE_NAME, Key: relationshipKey(source, type, target), ConditionExpression: 'attribute_exists(pk)' },
  });
}

/** Deletes the relationship: refused under RELATIONSHIP_ITEM when it is not stored. */
export function relationshipDelete(relationship: StoredRelationship): NamedItem {
  const { source, type, target } = relationship;
  return named(RELATIONSHIP_ITEM, {
    Delete: { TableName: TABLE_NAME, Key: relationshipKey(source, type, target), ConditionExpression: 'attribute_exists(pk)' },
  });
}

/**
 * "This CI exists", checked in the transaction that relates it, under ciCheckName(id): a CI of the
 * CMDB's own at its key, not retired unless `allowRetired`; a service at its directory record,
 * not being deleted (functions/directory), so a service delete cannot miss a relationship made
 * while it looked.
 */
export function ciExistsCheck(id: string, options: { allowRetired?: boolean } = {}): NamedItem {
  if (!isOwnCiId(id)) return named(ciCheckName(id), directoryRecordLive(serviceKey(id)));
  const item: TransactItem = {
    ConditionCheck: {
      TableName: TABLE_NAME,
      Key: ciKey(id),
      ...(options.allowRetired === true
        ? { ConditionExpression: 'attribute_exists(pk)' }
        : {
            ConditionExpression: 'attribute_exists(pk) AND #status <> :retired',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':retired': 'retired' },
          }),
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
  return named(ciCheckName(id), item);
}

const asSource = (id: string): QueryCommandInput => ({
  TableName: TABLE_NAME,
  KeyConditionExpression: 'pk = :pk AND begins_with(sk, :rel)',
  ExpressionAttributeValues: { ':pk': ciPartition(id), ':rel': RELATIONSHIP_SORT_PREFIX },
});

const asTarget = (id: string): QueryCommandInput => ({
  TableName: TABLE_NAME,
  IndexName: 'gsi1',
  KeyConditionExpression: 'gsi1pk = :pk',
  ExpressionAttributeValues: { ':pk': relationshipTargetPartition(id) },
});

/** The relationships one end reads, and whether it stopped at `limit` with more to read. */
export interface RelationshipsRead {
  relationships: Relationship[];
  /** It stopped at the limit: there are more. */
  truncated: boolean;
}

/**
 * Every item of one Query up to `limit`, following pages: a page holds up to 1 MB, thousands of
 * relationships, so in practice this is one request.
 */
async function queryUpTo(input: QueryCommandInput, limit = Number.POSITIVE_INFINITY): Promise<RelationshipsRead> {
  const items: Item[] = [];
  let startKey: Item | undefined;
  do {
    const pageLimit = Number.isFinite(limit) ? { Limit: limit - items.length } : {};
    const page = await db.send(new QueryCommand({ ...input, ...pageLimit, ExclusiveStartKey: startKey }));
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined && items.length < limit);
  return { relationships: items.map(fromItem), truncated: startKey !== undefined };
}

/** Every relationship `id` takes part in, both ends, two Queries in flight together (one round trip unless a CI has thousands). */
export async function allRelationshipsOf(id: string): Promise<Relationship[]> {
  const [source, target] = await Promise.all([queryUpTo(asSource(id)), queryUpTo(asTarget(id))]);
  return [...source.relationships, ...target.relationships];
}

/**
 * The types sorted as their keys sort, in runs of adjacent ones: each run is one Query (sort key
 * BETWEEN `<first>#` and `<last>$`, '$' sorting right after '#').
 */
function adjacentRuns(followed: readonly string[]): { first: string; last: string }[] {
  const sorted = [...CANONICAL_RELATIONSHIP_TYPES].sort();
  const runs: { first: string; last: string }[] = [];
  let run: { first: string; last: string } | undefined;
  for (const type of sorted) {
    if (!followed.includes(type)) {
      run = undefined;
      continue;
    }
    if (run === undefined) {
      run = { first: type, last: type };
      runs.push(run);
    } else run.last = type;
  }
  return runs;
}

/**
 * The Queries that read, around `id`, only the relationships impact follows in `direction`
 * (domain/relationship-types.ts impactFollows): 3 whichever the direction (downstream: outgoing
 * connects_to..contains; incoming connects_to, and depends_on..runs_on).
 */
export function impactQueries(id: string, direction: ImpactDirection): QueryCommandInput[] {
  const follows = impactFollows(direction);
  const source = adjacentRuns(follows.asSource).map(
    (run): QueryCommandInput => ({
      TableName: TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :first AND :last',
      ExpressionAttributeValues: {
        ':pk': ciPartition(id),
        ':first': `${RELATIONSHIP_SORT_PREFIX}${run.first}#`,
        ':last': `${RELATIONSHIP_SORT_PREFIX}${run.last}$`,
      },
    }),
  );
  const target = adjacentRuns(follows.asTarget).map(
    (run): QueryCommandInput => ({
      TableName: TABLE_NAME,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk BETWEEN :first AND :last',
      ExpressionAttributeValues: { ':pk': relationshipTargetPartition(id), ':first': `${run.first}#`, ':last': `${run.last}$` },
    }),
  );
  return [...source, ...target];
}

/**
 * The relationships impact follows from `id` in `direction`, each of its Queries in flight together
 * (one round trip), each reading at most `limitPerQuery` items in ONE page (no page of a Query goes
 * past its Limit); `truncated` when one stopped with more to read. A page also stops at 1 MB, which
 * the budget's shares keep out of reach (domain/impact.ts IMPACT_BUDGET), and should one ever be cut
 * by size, its LastEvaluatedKey marks it truncated too: over the budget, never taken for the end.
 */
export async function relationshipsFollowed(id: string, direction: ImpactDirection, limitPerQuery: number): Promise<RelationshipsRead> {
  const reads = await Promise.all(
    impactQueries(id, direction).map(async (input) => {
      const page = await db.send(new QueryCommand({ ...input, Limit: limitPerQuery }));
      return { items: page.Items ?? [], truncated: page.LastEvaluatedKey !== undefined };
    }),
  );
  return { relationships: reads.flatMap((read) => read.items.map(fromItem)), truncated: reads.some((read) => read.truncated) };
}

/**
 * The relationships a deletion of `id` removes with it, up to `max`: its own partition read
 * strongly consistent, the target index as it is (eventually consistent: the deletion's
 * relationship count catches what it does not show yet). `more`: there are more than `max`.
 */
export async function relationshipsDeletedWith(id: string, max: number): Promise<{ relationships: Relationship[]; more: boolean }> {
  const [source, target] = await Promise.all([queryUpTo({ ...asSource(id), ConsistentRead: true }, max + 1), queryUpTo(asTarget(id), max + 1)]);
  const relationships = [...source.relationships, ...target.relationships];
  return { relationships: relationships.slice(0, max), more: relationships.length > max };
}

/**
 * One page of the relationships `id` takes part in: those it is the source of (by type, then
 * target), then those naming it (by type, then source). The first page reads both ends together
 * (one round trip); the cursor says which end the next page resumes in, so a page that ends in the
 * second end reads only it.
 */
export async function relationshipPage(id: string, limit: number, cursor: string | undefined): Promise<Page<Relationship>> {
  const sourceFingerprint = filterFingerprint({ ci: id, end: 'source' });
  const targetFingerprint = filterFingerprint({ ci: id, end: 'target' });
  let inTarget = false;
  let targetCursor: string | undefined;
  if (cursor !== undefined) {
    try {
      decodeCursor(cursor, sourceFingerprint);
    } catch {
      // Not a cursor of the first end: of the second (a key, or the empty one for its start), else 400.
      inTarget = true;
      targetCursor = Object.keys(decodeCursor(cursor, targetFingerprint)).length === 0 ? undefined : cursor;
    }
  }
  if (inTarget) {
    const page = await queryPage(asTarget(id), limit, targetCursor, targetFingerprint);
    return { items: page.items.map(fromItem), ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }) };
  }
  const [source, target] = await Promise.all([
    queryPage(asSource(id), limit, cursor, sourceFingerprint),
    queryPage(asTarget(id), limit, undefined, targetFingerprint),
  ]);
  if (source.nextCursor !== undefined) return { items: source.items.map(fromItem), nextCursor: source.nextCursor };
  const room = limit - source.items.length;
  const taken = target.items.slice(0, room);
  const items = [...source.items, ...taken].map(fromItem);
  if (taken.length === target.items.length && target.nextCursor === undefined) return { items };
  if (taken.length === target.items.length && target.nextCursor !== undefined) return { items, nextCursor: target.nextCursor };
  const last = taken.at(-1);
  const resume = last === undefined ? {} : { pk: String(last.pk), sk: String(last.sk), gsi1pk: String(last.gsi1pk), gsi1sk: String(last.gsi1sk) };
  return { items, nextCursor: encodeCursor(resume, targetFingerprint) };
}
