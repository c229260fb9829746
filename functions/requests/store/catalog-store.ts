import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { type FieldDiff, historyPut } from '../../shared/store/audit.ts';
import { db, type Item, TABLE_NAME, withoutKeys } from '../../shared/store/db.ts';
import { outboxItemPut, outboxKey } from '../../shared/store/outbox.ts';
import { queryAll } from '../../shared/store/pagination.ts';
import { named, type TransactionEntry } from '../../shared/store/transaction.ts';
import type { CatalogItem } from '../domain/catalog.ts';
import { type CatalogEventType, catalogEventRecord } from '../domain/catalog-events.ts';
import { CATALOG_VERSION_PREFIX, catalogIndexes, catalogItemKey, catalogPartition, catalogVersionKey } from './keys.ts';

/*
 * catalog-item          pk CATALOG#<id>  sk ITEM              the current version; gsi1 CATALOG/<id>, gsi2 CATALOG#CATEGORY#<category>/<id>
 * catalog-item-version  pk CATALOG#<id>  sk VERSION#<000001>  an immutable snapshot of each version, written with it
 * history, outbox       pk CATALOG#<id>  sk HISTORY#..., OUTBOX#...
 * A request names the item's id and version and copies its plan, so a version, once written, is
 * never changed or removed: an old request can always show what it was ordered from.
 */

/** Attribute order in API responses. */
export const CATALOG_FIELD_ORDER = [
  'id',
  'name',
  'category',
  'description',
  'form',
  'orderableBy',
  'approval',
  'fulfilment',
  'slaPolicy',
  'active',
  'version',
  'createdAt',
  'updatedAt',
  'createdBy',
  'updatedBy',
] as const;

/** What an edit is compared on for history and events. */
export const CATALOG_TRACKED_FIELDS = ['name', 'category', 'description', 'form', 'orderableBy', 'approval', 'fulfilment', 'slaPolicy', 'active'] as const;

/** The name of the current item in a catalog write's transaction: refused, it was taken (create) or moved/went (update). */
export const CATALOG_ITEM = 'catalog-item';

const itemFrom = (item: Item): CatalogItem => withoutKeys<CatalogItem>(item, CATALOG_FIELD_ORDER);

/** The current version of an item: one strongly consistent GetItem. */
export async function getCatalogItem(id: string): Promise<CatalogItem | undefined> {
  const { Item: item } = await db.send(new GetCommand({ TableName: TABLE_NAME, Key: catalogItemKey(id), ConsistentRead: true }));
  return item === undefined ? undefined : itemFrom(item);
}

/** One version of an item, as it was when it was written: one GetItem (versions never change). */
export async function getCatalogItemVersion(id: string, version: number): Promise<CatalogItem | undefined> {
  const { Item: item } = await db.send(new GetCommand({ TableName: TABLE_NAME, Key: catalogVersionKey(id, version) }));
  return item === undefined ? undefined : itemFrom(item);
}

/**
 * Every current item, or every item of a category, by id: one Query of the catalog's gsi1 partition
 * (gsi2's for a category), all of its pages. A catalog holds tens to a few hundred items, so the
 * list reads it whole and filters (visibility, words) in the function.
 */
export async function listCatalogItems(category?: string): Promise<CatalogItem[]> {
  const items = await queryAll(
    category === undefined
      ? { TableName: TABLE_NAME, IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :pk', ExpressionAttributeValues: { ':pk': 'CATALOG' } }
      : {
          TableName: TABLE_NAME,
          IndexName: 'gsi2',
          KeyConditionExpression: 'gsi2pk = :pk',
          ExpressionAttributeValues: { ':pk': catalogIndexes({ id: '', category }).gsi2pk },
        },
  );
  return items.map(itemFrom);
}

/** Every version of an item, oldest first: one Query of its partition (all pages). */
export async function listCatalogItemVersions(id: string): Promise<CatalogItem[]> {
  const items = await queryAll({
    TableName: TABLE_NAME,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': catalogPartition(id), ':prefix': CATALOG_VERSION_PREFIX },
  });
  return items.map(itemFrom);
}

const stored = (item: CatalogItem): Item => Object.fromEntries(Object.entries(item).filter(([, value]) => value !== undefined));

/**
 * A write of an item: the current item (new, or at `expectedVersion`), the snapshot of its new
 * version (never overwritten), its history and its event, in one transaction.
 */
export function catalogWriteItems(input: {
  item: CatalogItem;
  /** 0: the item is new. */
  expectedVersion: number;
  actor: string;
  changes: FieldDiff[];
  eventType: CatalogEventType;
  eventId: string;
}): TransactionEntry[] {
  const { item, expectedVersion } = input;
  const key = catalogItemKey(item.id);
  const at = new Date(item.updatedAt);
  return [
    named(CATALOG_ITEM, {
      Put: {
        TableName: TABLE_NAME,
        Item: { ...key, entity: 'catalog-item', ...catalogIndexes(item), ...stored(item) },
        ...(expectedVersion === 0
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : { ConditionExpression: 'version = :expected', ExpressionAttributeValues: { ':expected': expectedVersion } }),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    }),
    {
      Put: {
        TableName: TABLE_NAME,
        Item: { ...catalogVersionKey(item.id, item.version), entity: 'catalog-item-version', ...stored(item) },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    historyPut(key.pk, item.id, {
      at: item.updatedAt,
      actor: input.actor,
      action: expectedVersion === 0 ? 'created' : 'updated',
      version: item.version,
      changes: input.changes,
    }),
    outboxItemPut(
      outboxKey(key.pk, input.eventId),
      catalogEventRecord({ eventId: input.eventId, type: input.eventType, item, actor: input.actor, occurredAt: item.updatedAt, changes: input.changes }),
      at,
    ),
  ];
}
