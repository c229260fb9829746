import { BatchGetCommand, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type FieldChange, type HistoryDraft, historyPut } from '../../shared/store/audit.ts';
import { filterFingerprint } from '../../shared/store/cursor.ts';
import { db, type Item, putAtVersion, putNew, TABLE_NAME, type TransactItem, withoutKeys } from '../../shared/store/db.ts';
import { type Page, queryPage } from '../../shared/store/pagination.ts';
import { groupKey, serviceKey, userKey } from './keys.ts';

/**
 * Groups, services and users share one shape: one item per record keyed by its id, listed through
 * gsi1 (one partition per kind, sorted by id), versioned, audited in their own partition.
 */
export interface RecordKind {
  readonly entity: 'group' | 'service' | 'user';
  readonly key: (id: string) => { pk: string; sk: string };
  readonly listPartition: string;
  /** Attribute order in API responses. */
  readonly order: readonly string[];
  /** Extra index attributes, e.g. services by owner group. */
  readonly indexes?: (record: Item) => Item;
}

export const GROUPS: RecordKind = {
  entity: 'group',
  key: groupKey,
  listPartition: 'GROUPS',
  order: ['name', 'displayName', 'description', 'email', 'members', 'manager', 'createdAt', 'updatedAt', 'version'],
};
export const USERS: RecordKind = {
  entity: 'user',
  key: userKey,
  listPartition: 'USERS',
  order: ['id', 'displayName', 'email', 'active', 'createdAt', 'updatedAt', 'version'],
};
export const SERVICES: RecordKind = {
  entity: 'service',
  key: serviceKey,
  listPartition: 'SERVICES',
  order: ['name', 'displayName', 'description', 'ownerGroup', 'criticality', 'severityMapping', 'createdAt', 'updatedAt', 'version'],
  indexes: (record) => ({ gsi2pk: `SERVICES#OWNER#${String(record.ownerGroup)}`, gsi2sk: record.name }),
};

export interface VersionedRecord {
  createdAt: string;
  updatedAt: string;
  version: number;
  [field: string]: unknown;
}

function toItem(kind: RecordKind, id: string, record: VersionedRecord): Item {
  return { ...kind.key(id), entity: kind.entity, gsi1pk: kind.listPartition, gsi1sk: id, ...kind.indexes?.(record), ...record };
}

export async function getRecord<T extends VersionedRecord>(kind: RecordKind, id: string): Promise<T | undefined> {
  const result = await db.send(new GetCommand({ TableName: TABLE_NAME, Key: kind.key(id), ConsistentRead: true }));
  return result.Item === undefined ? undefined : withoutKeys<T>(result.Item, kind.order);
}

/** Which of `ids` have no record (one BatchGetItem per 100 ids). */
export async function missingRecords(kind: RecordKind, ids: readonly string[]): Promise<Set<string>> {
  const missing = new Set(ids);
  const unique = [...missing];
  for (let start = 0; start < unique.length; start += 100) {
    let keys: Item[] = unique.slice(start, start + 100).map((id) => kind.key(id));
    for (let attempt = 0; keys.length > 0 && attempt < 5; attempt++) {
      const result = await db.send(
        new BatchGetCommand({ RequestItems: { [TABLE_NAME]: { Keys: keys, ProjectionExpression: 'gsi1sk' } } }),
      );
      for (const item of result.Responses?.[TABLE_NAME] ?? []) missing.delete(item.gsi1sk as string);
      keys = result.UnprocessedKeys?.[TABLE_NAME]?.Keys ?? [];
    }
    if (keys.length > 0) throw new Error('BatchGetItem left keys unprocessed after retries');
  }
  return missing;
}

export async function listRecords<T>(kind: RecordKind, limit: number, cursor?: string): Promise<Page<T>> {
  const page = await queryPage(
    {
      TableName: TABLE_NAME,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': kind.listPartition },
    },
    limit,
    cursor,
    filterFingerprint({ kind: kind.entity }),
  );
  return { ...page, items: page.items.map((item) => withoutKeys<T>(item, kind.order)) };
}

/** Is any service owned by `group`? One index Query of at most one item. */
export async function groupOwnsServices(group: string): Promise<boolean> {
  const result = await db.send(
    new QueryCommand({
      TableName: TABLE_NAME,
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :pk',
      ExpressionAttributeValues: { ':pk': `SERVICES#OWNER#${group}` },
      Limit: 1,
    }),
  );
  return (result.Items?.length ?? 0) > 0;
}

const draft = (actor: string, action: HistoryDraft['action'], version: number, changes: FieldChange[], at: string): HistoryDraft => ({
  at,
  actor,
  action,
  version,
  changes,
});

export function createRecordItems(kind: RecordKind, id: string, record: VersionedRecord, actor: string, changes: FieldChange[]): TransactItem[] {
  return [
    putNew(toItem(kind, id, record)),
    historyPut(kind.key(id).pk, id, draft(actor, 'created', record.version, changes, record.createdAt)),
  ];
}

export function replaceRecordItems(
  kind: RecordKind,
  id: string,
  record: VersionedRecord,
  expectedVersion: number,
  actor: string,
  changes: FieldChange[],
): TransactItem[] {
  return [
    putAtVersion(toItem(kind, id, record), expectedVersion),
    historyPut(kind.key(id).pk, id, draft(actor, 'updated', record.version, changes, record.updatedAt)),
  ];
}

export function deleteRecordItems(kind: RecordKind, id: string, expectedVersion: number, actor: string, at: string): TransactItem[] {
  return [
    {
      Delete: {
        TableName: TABLE_NAME,
        Key: kind.key(id),
        ConditionExpression: 'version = :expected',
        ExpressionAttributeValues: { ':expected': expectedVersion },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    },
    historyPut(kind.key(id).pk, id, draft(actor, 'deleted', expectedVersion + 1, [], at)),
  ];
}
