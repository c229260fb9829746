import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { serviceKey } from '../../directory/store/keys.ts';
import { directoryRecordLive } from '../../directory/store/references.ts';
import { db, type Item, TABLE_NAME, type TransactItem, withoutKeys } from '../../shared/store/db.ts';
import { type NamedItem, named } from '../../shared/store/transaction.ts';
import { isOwnCiId } from '../domain/ci.ts';
import type { RelationshipOrigin, StoredRelationship } from '../domain/relationship-types.ts';
import { ciKey, ciPartition, RELATIONSHIP_SORT_PREFIX, relationshipKey, relationshipTargetIndex, relationshipTargetPartition } from './keys.ts';

/*
 * Relationships between CIs (docs/data-model.md):
 *   relationship  pk CI#<source>  sk REL#<canonical type>#<target>   gsi1 CIREL#<target> / <canonical type>#<source>
 * Stored once, in its source's partition under its canonical type (domain/relationship-types.ts),
 * so the key itself refuses a duplicate; gsi1 indexes it by its target, so each end reads the
 * relationships it takes part in with one Query: the base partition for those it is the source of,
 * the index for those it is the target of.
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

/**
 * The relationships `id` takes part in, from both ends, each end's Query in flight together (one
 * round trip): up to `limit` from each end. Eventually consistent, like every list.
 */
export async function relationshipsAround(id: string, limit?: number): Promise<{ asSource: RelationshipsRead; asTarget: RelationshipsRead }> {
  const [source, target] = await Promise.all([queryUpTo(asSource(id), limit), queryUpTo(asTarget(id), limit)]);
  return { asSource: source, asTarget: target };
}

/** Every relationship `id` takes part in, both ends (one round trip unless a CI has thousands). */
export async function allRelationshipsOf(id: string): Promise<Relationship[]> {
  const both = await relationshipsAround(id);
  return [...both.asSource.relationships, ...both.asTarget.relationships];
}
