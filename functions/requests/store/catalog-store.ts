import { groupKey } from '../../directory/store/keys.ts';
import { createRecordItems, GROUPS } from '../../directory/store/records.ts';
import { type FieldDiff, historyPut, newId } from '../../shared/store/audit.ts';
import { batchGetExisting } from '../../shared/store/batch-get.ts';
import { db, type Item, TABLE_NAME, withoutKeys } from '../../shared/store/db.ts';
import { GetCommand } from '../../shared/store/dynamodb.ts';
import { outboxItemPut, outboxKey } from '../../shared/store/outbox.ts';
import { queryAll } from '../../shared/store/pagination.ts';
import { retryOnConflict } from '../../shared/store/retry.ts';
import { named, type TransactionEntry, TransactionRefused, transactWrite } from '../../shared/store/transaction.ts';
import type { CatalogItem } from '../domain/catalog.ts';
import { type CatalogEventType, catalogEventRecord } from '../domain/catalog-events.ts';
import type { CatalogItemFields } from '../domain/catalog-rules.ts';
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

/*
 * DynamoDB keeps no order inside maps, and a form's order is its fields' order on screen: the form
 * is stored as its JSON text, exactly as the admin wrote it. The plans' members are put back in
 * their documented order on reading, so that equal items compare equal (history, "no change").
 */
function itemFrom(stored: Item): CatalogItem {
  const item = withoutKeys<CatalogItem>(stored, CATALOG_FIELD_ORDER);
  const form = typeof stored.form === 'string' ? (JSON.parse(stored.form) as CatalogItem['form']) : item.form;
  return {
    ...item,
    form,
    orderableBy: { groups: item.orderableBy.groups },
    approval: {
      stages: item.approval.stages.map((stage) =>
        stage.kind === 'manager' ? { kind: 'manager' } : { kind: 'group', group: stage.group, quorum: stage.quorum },
      ),
    },
    fulfilment: {
      mode: item.fulfilment.mode,
      tasks: item.fulfilment.tasks.map((task) => ({ name: task.name, assignmentGroup: task.assignmentGroup, description: task.description })),
    },
  };
}

/** The current version of an item: one strongly consistent GetItem. */
export async function getCatalogItem(id: string): Promise<CatalogItem | undefined> {
  const { Item: item } = await db.send(new GetCommand({ TableName: TABLE_NAME, Key: catalogItemKey(id), ConsistentRead: true }));
  return item === undefined ? undefined : itemFrom(item);
}

/** One version of an item, as it was when it was written: one strongly consistent GetItem (a version just written is there). */
export async function getCatalogItemVersion(id: string, version: number): Promise<CatalogItem | undefined> {
  const { Item: item } = await db.send(new GetCommand({ TableName: TABLE_NAME, Key: catalogVersionKey(id, version), ConsistentRead: true }));
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
    ConsistentRead: true,
  });
  return items.map(itemFrom);
}

const stored = (item: CatalogItem): Item => ({
  ...Object.fromEntries(Object.entries(item).filter(([, value]) => value !== undefined)),
  form: JSON.stringify(item.form),
});

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

// ---- The seeded catalog (seedRequestDefaults) ----

/** Present once the seeded catalog was written: later runs write nothing, so what admins change or withdraw stays so. */
const CATALOG_SEEDED_KEY = { pk: 'SEEDED#CATALOG', sk: 'SEEDED' } as const;
const SEED_ACTOR = 'catalog-defaults';
const SEED_ATTEMPTS = 3;

export interface CatalogSeedOutcome {
  /** false: the catalog had been seeded before (and may since have been changed). */
  seeded: boolean;
  /** The items written; items that existed (an admin's of the same id) are left as they are. */
  items: string[];
  /** The groups created, empty; groups that existed are left as they are. */
  groups: string[];
}

/**
 * Writes the seeded items and the groups they name, those that are absent, in one transaction
 * with the marker, once per table. Each item is written as an admin's create would be (version 1,
 * its snapshot, history, its Catalog Item Created event).
 */
export async function seedCatalog(
  seededItems: readonly (CatalogItemFields & { id: string })[],
  seededGroups: readonly { name: string; displayName: string; description: string }[],
  now: Date = new Date(),
): Promise<CatalogSeedOutcome> {
  return retryOnConflict(
    async () => {
      // An item's first version counts as the item: a snapshot is never overwritten, so an item whose current record alone is gone (a partial restore) is left alone.
      const itemKeys = seededItems.flatMap((item) => [catalogItemKey(item.id), catalogVersionKey(item.id, 1)]);
      const found = await batchGetExisting([CATALOG_SEEDED_KEY, ...itemKeys, ...seededGroups.map((group) => groupKey(group.name))], {
        consistentRead: true,
        attributes: [],
      });
      const has = (key: { pk: string; sk: string }) => found.some((item) => item.pk === key.pk && item.sk === key.sk);
      if (has(CATALOG_SEEDED_KEY)) return { seeded: false, items: [], groups: [] };
      const at = now.toISOString();
      const entries: TransactionEntry[] = [
        {
          Put: {
            TableName: TABLE_NAME,
            Item: { ...CATALOG_SEEDED_KEY, entity: 'catalog-seed-marker', seededAt: at },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ];
      const groups = seededGroups.filter((group) => !has(groupKey(group.name)));
      for (const group of groups) {
        const record = { ...group, members: [], createdAt: at, updatedAt: at, version: 1 };
        const changes = (['displayName', 'description', 'members'] as const).map((field) => ({ field, from: null, to: record[field] }));
        entries.push(...createRecordItems(GROUPS, group.name, record, SEED_ACTOR, changes));
      }
      const items = seededItems.filter((item) => !has(catalogItemKey(item.id)) && !has(catalogVersionKey(item.id, 1)));
      for (const fields of items) {
        const item: CatalogItem = { ...fields, version: 1, createdAt: at, updatedAt: at, createdBy: SEED_ACTOR, updatedBy: SEED_ACTOR };
        const changes = CATALOG_TRACKED_FIELDS.filter((field) => item[field] !== undefined).map((field) => ({ field, from: null, to: item[field] }));
        const writes = catalogWriteItems({ item, expectedVersion: 0, actor: SEED_ACTOR, changes, eventType: 'Catalog Item Created', eventId: newId() });
        // Several items in one transaction: their names would clash, and a refusal of any is handled alike (look again).
        entries.push(...writes.map((entry) => ('name' in entry ? entry.item : entry)));
      }
      await transactWrite(entries);
      return { seeded: true, items: items.map((item) => item.id), groups: groups.map((group) => group.name) };
    },
    { attempts: SEED_ATTEMPTS, isConflict: (error) => error instanceof TransactionRefused },
  );
}
