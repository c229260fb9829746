import type { RecordStore } from '../../shared/crud/crud.ts';
import { unmarshall } from '../../shared/store/attribute-values.ts';
import { type FieldDiff, type HistoryDraft, historyPut } from '../../shared/store/audit.ts';
import { batchGetExisting } from '../../shared/store/batch-get.ts';
import { filterFingerprint } from '../../shared/store/cursor.ts';
import { db, type Item, putAtVersion, putNew, TABLE_NAME, withoutKeys } from '../../shared/store/db.ts';
import { type AttributeValue, GetCommand, UpdateCommand } from '../../shared/store/dynamodb.ts';
import { type Page, queryPage } from '../../shared/store/pagination.ts';
import { named, type TransactionEntry } from '../../shared/store/transaction.ts';
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
  /** Values of fields added after records were stored, shown when a stored record lacks them. */
  readonly defaults?: Item;
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
  order: ['id', 'displayName', 'email', 'manager', 'active', 'createdAt', 'updatedAt', 'version'],
  // The users a user manages, for the check that refuses deleting a manager still named (usage.ts).
  indexes: (record) => (typeof record.manager === 'string' ? { gsi2pk: `USERS#MANAGER#${record.manager}`, gsi2sk: record.id } : {}),
};
export const SERVICES: RecordKind = {
  entity: 'service',
  key: serviceKey,
  listPartition: 'SERVICES',
  order: ['name', 'displayName', 'description', 'ownerGroup', 'criticality', 'severityMapping', 'urgent', 'createdAt', 'updatedAt', 'version'],
  indexes: (record) => ({ gsi2pk: `SERVICES#OWNER#${String(record.ownerGroup)}`, gsi2sk: record.name }),
  defaults: { urgent: false },
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

/**
 * Set on a record while its deletion checks what still names it (see retireRecord); storage only,
 * never shown by the API.
 */
export const RETIRING_ATTRIBUTE = 'retiringUntil';

/** The record as the API shows it: without keys, index attributes or the deletion marker. */
export function recordFromItem<T>(kind: RecordKind, item: Item): T {
  const { [RETIRING_ATTRIBUTE]: _marker, ...rest } = item;
  return withoutKeys<T>({ ...kind.defaults, ...rest }, kind.order);
}

export async function getRecord<T extends VersionedRecord>(kind: RecordKind, id: string): Promise<T | undefined> {
  const result = await db.send(new GetCommand({ TableName: TABLE_NAME, Key: kind.key(id), ConsistentRead: true }));
  return result.Item === undefined ? undefined : recordFromItem<T>(kind, result.Item);
}

export type RetireOutcome = { retired: true } | { retired: false; current?: VersionedRecord };

/**
 * First step of a delete: marks the record, at the version the caller read, as being deleted until
 * `until`. From then on the reference checks that travel in other writes' transactions
 * (references.ts) refuse to name it, so nothing new can come to name it while the delete looks for
 * what already does. The marker is not a version change: the ETag stays, and a replace (a full
 * Put) drops it. It expires by itself if the delete never finishes.
 */
export async function retireRecord(kind: RecordKind, id: string, expectedVersion: number, until: string): Promise<RetireOutcome> {
  try {
    await db.send(
      new UpdateCommand({
        TableName: TABLE_NAME,
        Key: kind.key(id),
        UpdateExpression: 'SET #retiring = :until',
        ConditionExpression: 'version = :expected',
        ExpressionAttributeNames: { '#retiring': RETIRING_ATTRIBUTE },
        ExpressionAttributeValues: { ':until': until, ':expected': expectedVersion },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { retired: true };
  } catch (error) {
    if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    const old = (error as { Item?: Record<string, AttributeValue> }).Item;
    return old === undefined ? { retired: false } : { retired: false, current: recordFromItem<VersionedRecord>(kind, unmarshall(old)) };
  }
}

/** Takes the marker back after a refused delete, unless something else replaced it meanwhile. */
export async function unretireRecord(kind: RecordKind, id: string, until: string): Promise<void> {
  try {
    await db.send(
      new UpdateCommand({
        TableName: TABLE_NAME,
        Key: kind.key(id),
        UpdateExpression: 'REMOVE #retiring',
        ConditionExpression: '#retiring = :until',
        ExpressionAttributeNames: { '#retiring': RETIRING_ATTRIBUTE },
        ExpressionAttributeValues: { ':until': until },
      }),
    );
  } catch (error) {
    if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
  }
}

/** Which of `ids` have no record (one BatchGetItem per 100 ids). */
export async function missingRecords(kind: RecordKind, ids: readonly string[]): Promise<Set<string>> {
  const missing = new Set(ids);
  const found = await batchGetExisting(
    [...missing].map((id) => kind.key(id)),
    { attributes: ['gsi1sk'] },
  );
  for (const item of found) missing.delete(item.gsi1sk as string);
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
  return { ...page, items: page.items.map((item) => recordFromItem<T>(kind, item)) };
}

const draft = (actor: string, action: HistoryDraft['action'], version: number, changes: FieldDiff[], at: string): HistoryDraft => ({
  at,
  actor,
  action,
  version,
  changes,
});

/**
 * The name of a record's own item in its writes: refused when the id is taken, or the record moved
 * or went. Named after its key, so a delete's cascade may rewrite other records in the same
 * transaction (a user's groups) under names of their own.
 */
export const recordItemName = (kind: RecordKind, id: string): string => `record:${kind.key(id).pk}`;

export function createRecordItems(kind: RecordKind, id: string, record: VersionedRecord, actor: string, changes: FieldDiff[]): TransactionEntry[] {
  return [
    named(recordItemName(kind, id), putNew(toItem(kind, id, record))),
    historyPut(kind.key(id).pk, id, draft(actor, 'created', record.version, changes, record.createdAt)),
  ];
}

export function replaceRecordItems(
  kind: RecordKind,
  id: string,
  record: VersionedRecord,
  expectedVersion: number,
  actor: string,
  changes: FieldDiff[],
): TransactionEntry[] {
  return [
    named(recordItemName(kind, id), putAtVersion(toItem(kind, id, record), expectedVersion)),
    historyPut(kind.key(id).pk, id, draft(actor, 'updated', record.version, changes, record.updatedAt)),
  ];
}

/**
 * With `retiredUntil`, the delete holds only if the record still carries the marker this delete set
 * and the marker has not lapsed at `at`: once it lapses, writes naming the record are let through
 * again (references.ts), so a delete committed after that could miss one of them.
 */
export function deleteRecordItems(kind: RecordKind, id: string, expectedVersion: number, actor: string, at: string, retiredUntil?: string): TransactionEntry[] {
  return [
    named(recordItemName(kind, id), {
      Delete: {
        TableName: TABLE_NAME,
        Key: kind.key(id),
        ConditionExpression: retiredUntil === undefined ? 'version = :expected' : 'version = :expected AND #retiring = :until AND #retiring > :now',
        ...(retiredUntil === undefined ? {} : { ExpressionAttributeNames: { '#retiring': RETIRING_ATTRIBUTE } }),
        ExpressionAttributeValues: { ':expected': expectedVersion, ...(retiredUntil === undefined ? {} : { ':until': retiredUntil, ':now': at }) },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    }),
    historyPut(kind.key(id).pk, id, draft(actor, 'deleted', expectedVersion + 1, [], at)),
  ];
}

/**
 * How long a delete may take between marking the record and committing. Past it the marker lapses
 * on its own (a delete that died half way does not block the record), and the delete is refused.
 */
const RETIRING_MS = 30_000;
/** A record the delete's cascade rewrites (a group a user leaves) changed meanwhile: look again, a few times. */
const DELETE_ATTEMPTS = 3;

/** The shared CRUD's store for records of this shape: one GetItem per read, deletes under a hold (retireRecord). */
export function directoryRecordStore(kind: RecordKind): RecordStore {
  return {
    deleteHold: {
      holdMs: RETIRING_MS,
      attempts: DELETE_ATTEMPTS,
      mark: async (id, expectedVersion, until) => {
        const outcome = await retireRecord(kind, id, expectedVersion, until);
        if (outcome.retired) return { held: true };
        return outcome.current === undefined ? { held: false } : { held: false, current: outcome.current };
      },
      release: (id, until) => unretireRecord(kind, id, until),
    },
    get: (id) => getRecord(kind, id),
    current: (id) => getRecord(kind, id),
    list: (limit, cursor) => listRecords(kind, limit, cursor),
    recordItemName: (id) => recordItemName(kind, id),
    createItems: (id, record, changes, { actor }) => createRecordItems(kind, id, record, actor, changes),
    replaceItems: (id, record, expectedVersion, changes, { actor }) => replaceRecordItems(kind, id, record, expectedVersion, actor, changes),
    deleteItems: (id, expectedVersion, { actor, at }, heldUntil) => deleteRecordItems(kind, id, expectedVersion, actor, at, heldUntil),
  };
}
