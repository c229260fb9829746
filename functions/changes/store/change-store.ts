import { defined } from '../../shared/defined.ts';
import { type HistoryDraft, historyPut, newId } from '../../shared/store/audit.ts';
import { batchGetExisting } from '../../shared/store/batch-get.ts';
import { filterFingerprint } from '../../shared/store/cursor.ts';
import { checkAtVersion, db, type Item, itemByNumber, putAtVersion, putNew, TABLE_NAME, type TransactItem, withoutKeys } from '../../shared/store/db.ts';
import { GetCommand, QueryCommand } from '../../shared/store/dynamodb.ts';
import { inCondition } from '../../shared/store/filter-expression.ts';
import { mergedQueryPage } from '../../shared/store/merged-pages.ts';
import { type Page, queryPage } from '../../shared/store/pagination.ts';
import { takeNextInSequence } from '../../shared/store/sequence.ts';
import { type Change, MAX_CHANGE_WINDOW_DAYS } from '../domain/change.ts';
import { CHANGE_HEADS } from '../heads.ts';
import { CHANGE_FIELD_ORDER, type ChangeFilters, type ChangeNote, canonicalInstant, changeHistoryRecordSchema, changeNoteSchema } from '../schemas/change.ts';

/*
 * Change request items (see docs/data-model.md for every access pattern):
 *   change          pk CHANGE#<id>  sk CHANGE           gsi1 CHANGE / number            every change (and by number)
 *                                                       gsi2 CHANGE#STATUS#<status> / number
 *                                                       gsi3 CHANGE#TYPE#<type> / number
 *                                                       gsi4 CHANGE#GROUP#<group> / number (sparse)
 *                                                       gsi5 CHANGE#PLANNED / <plannedStart>#<number>
 *   service copy    pk CHANGE#<id>  sk SERVICE#<name>   gsi6 CHANGE#SERVICE#<name> / number
 *                                                       a whole copy of the change per affected service:
 *                                                       a change has several services, an index key
 *                                                       holds one value, and a list page must be one
 *                                                       Query without a GetItem per row
 *   note            pk CHANGE#<id>  sk NOTE#<ulid>
 *   history         pk CHANGE#<id>  sk HISTORY#<ulid>
 *   outbox          pk CHANGE#<id>  sk OUTBOX#<eventId> (change-outbox.ts)
 *   sequence        pk CONFIG#CHANGES  sk SEQUENCE      the number sequence, apart from the change
 *                                                       config item so allocating never contends with it
 *   stats           pk CHANGE-STATS#<service> sk STATS  implemented changes per service and how many
 *                                                       failed: the risk rules' failure rate
 * Instants are stored as toISOString() texts: the planned-window index compares them as text.
 */
export { newId };

export const changeKey = (id: string) => ({ pk: `CHANGE#${id}`, sk: 'CHANGE' });
export const changeServiceKey = (id: string, service: string) => ({ pk: `CHANGE#${id}`, sk: `SERVICE#${service}` });
export const SEQUENCE_KEY = { pk: 'CONFIG#CHANGES', sk: 'SEQUENCE' } as const;
export const changeStatsKey = (service: string) => ({ pk: `CHANGE-STATS#${service}`, sk: 'STATS' });

const ALL_CHANGES = { index: 'gsi1', partition: 'CHANGE' } as const;
const PLANNED = { index: 'gsi5', partition: 'CHANGE#PLANNED' } as const;
const BY_SERVICE = { index: 'gsi6', prefix: 'CHANGE#SERVICE#' } as const;

type FilterName = 'status' | 'type' | 'assignmentGroup' | 'service';

type ItemIndex = { filter: Exclude<FilterName, 'service'>; index: string; prefix: string };
const BY_GROUP: ItemIndex = { filter: 'assignmentGroup', index: 'gsi4', prefix: 'CHANGE#GROUP#' };
/** The item's indexes less selective than the service one. */
const BY_STATUS_OR_TYPE: readonly ItemIndex[] = [
  { filter: 'status', index: 'gsi2', prefix: 'CHANGE#STATUS#' },
  { filter: 'type', index: 'gsi3', prefix: 'CHANGE#TYPE#' },
];
/** Indexes of the change item itself, one per list filter; the sort key is the number. */
const ITEM_INDEXES: readonly ItemIndex[] = [BY_GROUP, ...BY_STATUS_OR_TYPE];

/** Most selective first: without a planned window, the first filter present picks the index. */
const FILTER_INDEXES: readonly { filter: FilterName; index: string; prefix: string }[] = [
  BY_GROUP,
  { filter: 'service', index: BY_SERVICE.index, prefix: BY_SERVICE.prefix },
  ...BY_STATUS_OR_TYPE,
];

const plannedSortKey = (change: Change) => `${canonicalInstant(change.plannedStart)}#${change.number}`;

function toItem(change: Change): Item {
  const item: Item = { ...changeKey(change.id), entity: 'change', ...change };
  item.gsi1pk = ALL_CHANGES.partition;
  item.gsi1sk = change.number;
  for (const { filter, index, prefix } of ITEM_INDEXES) {
    const value = change[filter];
    if (value === undefined) continue; // sparse: a change without a group is in no group partition
    item[`${index}pk`] = `${prefix}${value}`;
    item[`${index}sk`] = change.number;
  }
  item[`${PLANNED.index}pk`] = PLANNED.partition;
  item[`${PLANNED.index}sk`] = plannedSortKey(change);
  return item;
}

/** The copy carries the change's attributes but only its own index: it must not show up in the other lists. */
function toServiceItem(change: Change, service: string): Item {
  return {
    ...changeServiceKey(change.id, service),
    entity: 'change-service',
    ...change,
    [`${BY_SERVICE.index}pk`]: `${BY_SERVICE.prefix}${service}`,
    [`${BY_SERVICE.index}sk`]: change.number,
  };
}

const fromItem = (item: Item): Change => withoutKeys<Change>(item, CHANGE_FIELD_ORDER);

/** Strongly consistent: a read before a write must see the version the write will be checked against. */
export async function getChangeById(id: string): Promise<Change | undefined> {
  const result = await db.send(new GetCommand({ TableName: TABLE_NAME, Key: changeKey(id), ConsistentRead: true }));
  return result.Item === undefined ? undefined : fromItem(result.Item);
}

/** Numbers resolve through the all-changes index (eventually consistent, like every GSI read). */
export async function getChangeByNumber(number: string): Promise<Change | undefined> {
  const item = await itemByNumber(ALL_CHANGES.partition, number);
  return item === undefined ? undefined : fromItem(item);
}

/** Takes the next change number. Numbers of requests that later fail are not reused (gaps are harmless). */
export async function allocateChangeNumber(): Promise<number> {
  const { sequence } = await takeNextInSequence(SEQUENCE_KEY, 'change-sequence');
  return sequence;
}

export const changeCreate = (change: Change): TransactItem => putNew(toItem(change));

/** Replaces the change if, and only if, it is still at the version the caller read. */
export const changeReplace = (next: Change, expectedVersion: number): TransactItem => putAtVersion(toItem(next), expectedVersion);

/**
 * Something lands on the change without changing it (a note): the change must still be at the
 * version it was read at, or the event would describe a change that no longer is.
 */
export function changeUnchanged(change: Change): TransactItem {
  return checkAtVersion(changeKey(change.id), change.version);
}

/**
 * The service copies a write must leave behind: a Put per service of `after` (the copy follows
 * every change of the change), a Delete per service only `before` had.
 */
export function changeServiceCopies(before: Change | undefined, after: Change): TransactItem[] {
  const keep = new Set(after.services);
  return [
    ...[...keep].map((service): TransactItem => ({ Put: { TableName: TABLE_NAME, Item: toServiceItem(after, service) } })),
    ...[...new Set(before?.services ?? [])]
      .filter((service) => !keep.has(service))
      .map((service): TransactItem => ({ Delete: { TableName: TABLE_NAME, Key: changeServiceKey(after.id, service) } })),
  ];
}

export const changeHistoryPut = (changeId: string, draft: HistoryDraft): TransactItem => historyPut(changeKey(changeId).pk, changeId, draft);

const NOTE_FIELDS = Object.keys(changeNoteSchema.shape);
const HISTORY_FIELDS = Object.keys(changeHistoryRecordSchema.shape);

export function changeNotePut(note: ChangeNote): TransactItem {
  return {
    Put: {
      TableName: TABLE_NAME,
      Item: { pk: changeKey(note.changeId).pk, sk: `NOTE#${note.id}`, entity: 'note', ...note },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/** Oldest first, like a conversation: ULIDs sort by time. */
export async function listChangeNotes(changeId: string, options: { limit: number; cursor?: string }): Promise<Page<ChangeNote>> {
  const page = await queryPage(
    {
      TableName: TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': changeKey(changeId).pk, ':prefix': 'NOTE#' },
    },
    options.limit,
    options.cursor,
    filterFingerprint({ changeId, kind: 'change-notes' }),
  );
  return { ...page, items: page.items.map((item) => withoutKeys<ChangeNote>(item, NOTE_FIELDS)) };
}

export interface ChangeHistoryRecord extends HistoryDraft {
  id: string;
  changeId: string;
}

/** The audit trail, oldest first. */
export async function listChangeHistory(changeId: string, options: { limit: number; cursor?: string }): Promise<Page<ChangeHistoryRecord>> {
  const page = await queryPage(
    {
      TableName: TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': changeKey(changeId).pk, ':prefix': 'HISTORY#' },
    },
    options.limit,
    options.cursor,
    filterFingerprint({ changeId, kind: 'change-history' }),
  );
  const items = page.items.map((item) => {
    const { subjectId, ...record } = withoutKeys<HistoryDraft & { id: string; subjectId: string }>(item);
    return withoutKeys<ChangeHistoryRecord>({ ...record, changeId: subjectId }, HISTORY_FIELDS);
  });
  return { ...page, items };
}

const DAY_MS = 86_400_000;

/**
 * A change overlapping [from, ...) started at most MAX_CHANGE_WINDOW_DAYS before `from` (no window
 * is longer): the lower bound of the planned-start key range, so overlap queries stay bounded.
 */
const earliestOverlappingStart = (from: string): string => new Date(Date.parse(from) - MAX_CHANGE_WINDOW_DAYS * DAY_MS).toISOString();

/**
 * The key condition on the planned-window index for windows overlapping [from, to). Sort keys are
 * `<plannedStart>#<number>`: `<= to` keeps exactly the starts before `to` (a start equal to `to`
 * sorts after it, by its suffix), `>= lower` exactly those from `lower` on.
 */
function plannedRange(fromText: string | undefined, toText: string | undefined): { condition: string; values: Record<string, string> } {
  const from = fromText === undefined ? undefined : canonicalInstant(fromText);
  const to = toText === undefined ? undefined : canonicalInstant(toText);
  const key = `${PLANNED.index}sk`;
  if (from !== undefined && to !== undefined) {
    return { condition: `${key} BETWEEN :lower AND :to`, values: { ':lower': earliestOverlappingStart(from), ':to': to } };
  }
  if (from !== undefined) return { condition: `${key} >= :lower`, values: { ':lower': earliestOverlappingStart(from) } };
  if (to !== undefined) return { condition: `${key} < :to`, values: { ':to': to } };
  return { condition: '', values: {} };
}

/**
 * Newest first by number, or, with a planned window, by planned start, earliest first. Without a
 * window, the first filter present picks the index and each of its values is one Query, all in
 * flight together and merged (a change found under two of the services asked for is listed once:
 * its copies share the number); with one, the planned window is the key condition (it bounds the
 * read and decides the order). The other filters narrow the read with a filter expression. Never
 * a Scan.
 */
export async function listChanges(filters: ChangeFilters, limit: number, cursor?: string): Promise<Page<Change>> {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const conditions: string[] = [];
  const byWindow = filters.plannedFrom !== undefined || filters.plannedTo !== undefined;
  const chosen = byWindow ? undefined : FILTER_INDEXES.find(({ filter }) => filters[filter] !== undefined);

  for (const { filter } of FILTER_INDEXES) {
    const wanted = filters[filter];
    if (wanted === undefined || filter === chosen?.filter) continue;
    if (filter === 'service') {
      // A change names several services: any of the wanted ones is in its list.
      const placeholders = wanted.map((value, i) => {
        values[`:${filter}${i}`] = value;
        return `:${filter}${i}`;
      });
      names['#services'] = 'services';
      conditions.push(`(${placeholders.map((placeholder) => `contains(#services, ${placeholder})`).join(' OR ')})`);
    } else {
      conditions.push(inCondition(filter, wanted, names, values).condition);
    }
  }
  const fingerprint = filterFingerprint({ ...filters, kind: 'changes' });

  if (!byWindow) {
    const page = await mergedQueryPage(
      {
        tableName: TABLE_NAME,
        index: chosen?.index ?? ALL_CHANGES.index,
        partitions:
          chosen === undefined
            ? [ALL_CHANGES.partition]
            : defined(filters[chosen.filter], `values of the ${chosen.filter} filter that chose the index`).map((value) => `${chosen.prefix}${value}`),
        ...(conditions.length > 0 ? { filter: { expression: conditions.join(' AND '), names, values } } : {}),
        projection: CHANGE_FIELD_ORDER,
        heads: CHANGE_HEADS,
      },
      limit,
      cursor,
      fingerprint,
    );
    return { ...page, items: page.items.map(fromItem) };
  }

  const range = plannedRange(filters.plannedFrom, filters.plannedTo);
  Object.assign(values, range.values, { ':pk': PLANNED.partition });
  if (filters.plannedFrom !== undefined) {
    values[':from'] = canonicalInstant(filters.plannedFrom);
    conditions.push('plannedEnd > :from');
  }
  const page = await queryPage(
    {
      TableName: TABLE_NAME,
      IndexName: PLANNED.index,
      KeyConditionExpression: `${PLANNED.index}pk = :pk AND ${range.condition}`,
      ScanIndexForward: true,
      ...(conditions.length > 0 ? { FilterExpression: conditions.join(' AND ') } : {}),
      ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
      ExpressionAttributeValues: values,
    },
    limit,
    cursor,
    fingerprint,
    { projection: CHANGE_FIELD_ORDER },
  );
  return { ...page, items: page.items.map(fromItem) };
}

/**
 * Every change, whatever its status, whose planned window overlaps [from, to): the calendar's and
 * conflict detection's read. One Query on the planned-window index, bounded by the longest window
 * (pages followed to the end: the range is bounded, the result is not a page).
 */
export async function changesOverlapping(from: string, to: string): Promise<Change[]> {
  if (!(Date.parse(from) < Date.parse(to))) return [];
  const range = plannedRange(from, to);
  const changes: Change[] = [];
  let startKey: Item | undefined;
  do {
    const result = await db.send(
      new QueryCommand({
        TableName: TABLE_NAME,
        IndexName: PLANNED.index,
        KeyConditionExpression: `${PLANNED.index}pk = :pk AND ${range.condition}`,
        FilterExpression: 'plannedEnd > :from',
        ExpressionAttributeValues: { ':pk': PLANNED.partition, ':from': canonicalInstant(from), ...range.values },
        ExclusiveStartKey: startKey,
      }),
    );
    changes.push(...(result.Items ?? []).map(fromItem));
    startKey = result.LastEvaluatedKey;
  } while (startKey !== undefined);
  return changes;
}

export interface ChangeStats {
  total: number;
  failed: number;
}

/**
 * Past implementations per service (for the risk rules' failure rate): one BatchGetItem. Every
 * service asked for is in the map; one without implemented changes has zeros.
 */
export async function changeStats(services: readonly string[]): Promise<Map<string, ChangeStats>> {
  const names = [...new Set(services)];
  const stats = new Map<string, ChangeStats>(names.map((name) => [name, { total: 0, failed: 0 }]));
  const items = await batchGetExisting(names.map(changeStatsKey), { attributes: ['service', 'total', 'failed'] });
  for (const item of items) {
    stats.set(item.service as string, { total: (item.total as number | undefined) ?? 0, failed: (item.failed as number | undefined) ?? 0 });
  }
  return stats;
}

/**
 * Counts one implemented change on each of its services (and one failure, if it failed), in the
 * transaction that records the outcome, so the counters never disagree with the changes.
 */
export function changeStatsUpdates(services: readonly string[], failed: boolean): TransactItem[] {
  return [...new Set(services)].map((service) => ({
    Update: {
      TableName: TABLE_NAME,
      Key: changeStatsKey(service),
      UpdateExpression: failed
        ? 'ADD #total :one, #failed :one SET entity = :entity, #service = :service'
        : 'ADD #total :one SET entity = :entity, #service = :service',
      ExpressionAttributeNames: { '#total': 'total', '#service': 'service', ...(failed ? { '#failed': 'failed' } : {}) },
      ExpressionAttributeValues: { ':one': 1, ':entity': 'change-stats', ':service': service },
    },
  }));
}
