import { defined } from '../../shared/defined.ts';
import { type HistoryDraft, historyPut, newId } from '../../shared/store/audit.ts';
import { batchGetExisting } from '../../shared/store/batch-get.ts';
import { filterFingerprint } from '../../shared/store/cursor.ts';
import { db, type Item, itemByNumber, putAtVersion, putNew, TABLE_NAME, type TransactItem, withoutKeys } from '../../shared/store/db.ts';
import { GetCommand, QueryCommand } from '../../shared/store/dynamodb.ts';
import { inCondition } from '../../shared/store/filter-expression.ts';
import { fromJsonAttribute, toJsonAttribute } from '../../shared/store/json-attribute.ts';
import { mergedQueryPage } from '../../shared/store/merged-pages.ts';
import { type Page, queryPage } from '../../shared/store/pagination.ts';
import { takeNextInSequence } from '../../shared/store/sequence.ts';
import { named, type TransactionEntry } from '../../shared/store/transaction.ts';
import { INCIDENT_FIELD_ORDER, INCIDENT_HISTORY_FIELD_ORDER, INCIDENT_NOTE_FIELD_ORDER } from '../domain/field-order.ts';
import type { Incident, IncidentAlert } from '../domain/incident.ts';
import { INCIDENT_STATUSES } from '../domain/lifecycle.ts';
import { DEFAULT_PRIORITY_MATRIX, type PriorityMatrix } from '../domain/priority.ts';
import { INCIDENT_HEADS, INCIDENT_LIST_ATTRIBUTES } from '../heads.ts';
import type { IncidentFilters } from '../schemas/incident.ts';

export type { HistoryDraft };
/*
 * Incident items (see docs/data-model.md for every access pattern):
 *   incident  pk INCIDENT#<id>  sk INCIDENT           gsi1 every incident / number (lists, lookup by number)
 *                                                     gsi2..gsi7 one per list filter / <createdAt>#<number>
 *   alert     pk INCIDENT#<id>  sk INCIDENT#ALERT     occurrences of an incident opened by events
 *                                                     (store/incident-alert.ts); shown as `alert`
 *   note      pk INCIDENT#<id>  sk NOTE#<ulid>
 *   history   pk INCIDENT#<id>  sk HISTORY#<ulid>
 *   settings  pk CONFIG#INCIDENTS sk CONFIG           number sequence + priority matrix, one item so
 *                                                     that allocating a number also reads the matrix
 */
export { newId };

const incidentKey = (id: string) => ({ pk: `INCIDENT#${id}`, sk: 'INCIDENT' });
/** Next to the incident (`begins_with(sk, 'INCIDENT')` reads both), apart from notes and history. */
export const incidentAlertKey = (id: string) => ({ pk: `INCIDENT#${id}`, sk: 'INCIDENT#ALERT' });
export const SETTINGS_KEY = { pk: 'CONFIG#INCIDENTS', sk: 'CONFIG' } as const;

type FilterName = Exclude<keyof IncidentFilters, 'openedAfter' | 'openedBefore'>;
type FilterIndex = { filter: FilterName; index: string; prefix: string };

/** An opening-time range without a filter reads every status partition: each incident is in exactly one. */
const BY_STATUS: FilterIndex = { filter: 'status', index: 'gsi2', prefix: 'INCIDENT#STATUS#' };

/**
 * Most selective first: with several filters, the first present one picks the index (one Query
 * per value of it), the others narrow it. Their sort key is the opening instant then the number,
 * so an opening-time range is a key condition; `toISOString()` texts compare as the instants do.
 */
const FILTER_INDEXES: readonly FilterIndex[] = [
  { filter: 'assignee', index: 'gsi5', prefix: 'INCIDENT#ASSIGNEE#' },
  { filter: 'caller', index: 'gsi7', prefix: 'INCIDENT#CALLER#' },
  { filter: 'assignmentGroup', index: 'gsi4', prefix: 'INCIDENT#GROUP#' },
  { filter: 'service', index: 'gsi6', prefix: 'INCIDENT#SERVICE#' },
  BY_STATUS,
  { filter: 'priority', index: 'gsi3', prefix: 'INCIDENT#PRIORITY#' },
];
const ALL_INCIDENTS = { index: 'gsi1', partition: 'INCIDENT' };
/** The indexes whose sort key is openedSortKey (scripts/backfill-incident-sort-keys.ts upgrades older items). */
export const OPENED_SORTED_INDEXES: readonly string[] = FILTER_INDEXES.map(({ index }) => index);

/** The filter indexes' sort key: newest first by opening, the number breaking ties (and making it unique). */
export const openedSortKey = (incident: Pick<Incident, 'createdAt' | 'number'>): string => `${incident.createdAt}#${incident.number}`;

function toItem(incident: Incident): Item {
  // `alert` is a view of the alert item, attached on reads; it is never stored with the incident.
  const { alert: _alert, ...stored } = incident;
  const item: Item = { ...incidentKey(incident.id), entity: 'incident', ...stored };
  if (stored.sla !== undefined) item.sla = toJsonAttribute(stored.sla);
  item.gsi1pk = ALL_INCIDENTS.partition;
  item.gsi1sk = incident.number;
  for (const { filter, index, prefix } of FILTER_INDEXES) {
    const value = incident[filter];
    if (value === undefined) continue; // sparse: an unassigned incident is in no assignee partition
    item[`${index}pk`] = `${prefix}${value}`;
    item[`${index}sk`] = openedSortKey(incident);
  }
  return item;
}

const NOTE_FIELDS = INCIDENT_NOTE_FIELD_ORDER;
const HISTORY_FIELDS = INCIDENT_HISTORY_FIELD_ORDER;
function fromItem(item: Item): Incident {
  const incident = withoutKeys<Incident>(item, INCIDENT_FIELD_ORDER);
  if (incident.sla !== undefined) incident.sla = fromJsonAttribute(incident.sla);
  return incident;
}

const ALERT_ORDER = ['source', 'dedupKey', 'occurrences', 'firstSeenAt', 'lastSeenAt', 'lastSeverity', 'acknowledgedBy', 'acknowledgedAt', 'recent'];

function withAlert(incident: Incident, alertItem: Item | undefined): Incident {
  if (alertItem === undefined) return incident;
  const { revision: _revision, ...alert } = withoutKeys<IncidentAlert & { revision?: number }>(alertItem, ALERT_ORDER);
  return { ...incident, alert };
}

export interface IncidentSettings {
  sequence: number;
  matrix: PriorityMatrix;
  matrixVersion: number;
}

function settingsFrom(item: Item | undefined): IncidentSettings {
  return {
    sequence: (item?.sequence as number | undefined) ?? 0,
    matrix: (item?.priorityMatrix as PriorityMatrix | undefined) ?? DEFAULT_PRIORITY_MATRIX,
    matrixVersion: (item?.matrixVersion as number | undefined) ?? 0,
  };
}

/**
 * Takes the next incident number and, from the same item in the same round trip, the priority
 * matrix in force. Numbers of requests that later fail are not reused (gaps are harmless).
 */
export async function allocateIncidentNumber(): Promise<IncidentSettings> {
  const { item } = await takeNextInSequence(SETTINGS_KEY, 'incident-settings');
  return settingsFrom(item);
}

export async function getIncidentSettings(): Promise<IncidentSettings> {
  const result = await db.send(new GetCommand({ TableName: TABLE_NAME, Key: SETTINGS_KEY, ConsistentRead: true }));
  return settingsFrom(result.Item);
}

/** The name of the matrix's own item in its write: refused when another admin changed it first. */
export const PRIORITY_MATRIX_ITEM = 'priority-matrix';

export function setPriorityMatrixItems(matrix: PriorityMatrix, expectedVersion: number, history: HistoryDraft): TransactionEntry[] {
  return [
    named(PRIORITY_MATRIX_ITEM, {
      Update: {
        TableName: TABLE_NAME,
        Key: SETTINGS_KEY,
        UpdateExpression: 'SET priorityMatrix = :matrix, matrixVersion = :next, entity = :entity',
        ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(matrixVersion)' : 'matrixVersion = :expected',
        ExpressionAttributeValues: {
          ':matrix': matrix,
          ':next': expectedVersion + 1,
          ':entity': 'incident-settings',
          ...(expectedVersion === 0 ? {} : { ':expected': expectedVersion }),
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    }),
    historyPut(SETTINGS_KEY.pk, 'settings', history),
  ];
}

/**
 * The incident item and, for incidents opened by events, its alert item (raw: the ingestion
 * processor needs its revision): one strongly consistent Query.
 */
export async function getIncidentRecord(id: string): Promise<{ incident?: Incident; alertItem?: Item }> {
  const result = await db.send(
    new QueryCommand({
      TableName: TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :incident)',
      ExpressionAttributeValues: { ':pk': incidentKey(id).pk, ':incident': 'INCIDENT' },
      ConsistentRead: true,
    }),
  );
  const items = result.Items ?? [];
  const incidentItem = items.find((item) => item.sk === 'INCIDENT');
  const alertItem = items.find((item) => item.sk === incidentAlertKey(id).sk);
  return {
    ...(incidentItem === undefined ? {} : { incident: fromItem(incidentItem) }),
    ...(alertItem === undefined ? {} : { alertItem }),
  };
}

/** The incident with its `alert` view, if it has one. */
export async function getIncidentById(id: string): Promise<Incident | undefined> {
  const { incident, alertItem } = await getIncidentRecord(id);
  return incident === undefined ? undefined : withAlert(incident, alertItem);
}

/**
 * The incident item alone by number, through the all-incidents index (eventually consistent, like
 * every GSI read): one round trip, without the `alert` view, for writers that do not show it.
 */
export async function getIncidentItemByNumber(number: string): Promise<Incident | undefined> {
  const item = await itemByNumber(ALL_INCIDENTS.partition, number);
  return item === undefined ? undefined : fromItem(item);
}

/** Numbers resolve through the all-incidents index (eventually consistent, like every GSI read). */
export async function getIncidentByNumber(number: string): Promise<Incident | undefined> {
  const incident = await getIncidentItemByNumber(number);
  if (incident === undefined) return undefined;
  // Only incidents opened by events have an alert item: a second read for those alone.
  if (incident.dedupKey === undefined) return incident;
  const alert = await db.send(new GetCommand({ TableName: TABLE_NAME, Key: incidentAlertKey(incident.id), ConsistentRead: true }));
  return withAlert(incident, alert.Item);
}

/** The incident (with its alert item) and the settings in one BatchGetItem: one round trip for a priority-changing PATCH. */
export async function getIncidentAndSettings(id: string): Promise<{ incident?: Incident; settings: IncidentSettings }> {
  const found = await batchGetExisting([incidentKey(id), incidentAlertKey(id), SETTINGS_KEY], { consistentRead: true });
  const incidentItem = found.find((item) => item.sk === 'INCIDENT');
  const settingsItem = found.find((item) => item.pk === SETTINGS_KEY.pk);
  return {
    ...(incidentItem === undefined
      ? {}
      : {
          incident: withAlert(
            fromItem(incidentItem),
            found.find((item) => item.sk === incidentAlertKey(id).sk),
          ),
        }),
    settings: settingsFrom(settingsItem),
  };
}

/** Incident items by id, in the order of `ids`, in one BatchGetItem per 100 (all in flight together); missing ones are left out. Without `alert`. */
export async function getIncidentItems(ids: readonly string[]): Promise<Incident[]> {
  return (await batchGetExisting([...new Set(ids)].map(incidentKey))).map(fromItem);
}

export const incidentHistoryPut = (incidentId: string, draft: HistoryDraft): TransactItem => historyPut(incidentKey(incidentId).pk, incidentId, draft);

export const incidentCreate = (incident: Incident): TransactItem => putNew(toItem(incident));

/** Replaces the incident if, and only if, it is still at the version the caller read. */
export const incidentReplace = (next: Incident, expectedVersion: number): TransactItem => putAtVersion(toItem(next), expectedVersion);

/** The incident must still exist when something lands on it without changing it. */
export function incidentExists(incident: Incident): TransactItem {
  return { ConditionCheck: { TableName: TABLE_NAME, Key: incidentKey(incident.id), ConditionExpression: 'attribute_exists(pk)' } };
}

export interface IncidentNote {
  id: string;
  incidentId: string;
  body: string;
  visibility: 'work' | 'public';
  author: string;
  createdAt: string;
}

export function incidentNotePut(note: IncidentNote): TransactItem {
  return {
    Put: {
      TableName: TABLE_NAME,
      Item: { pk: incidentKey(note.incidentId).pk, sk: `NOTE#${note.id}`, entity: 'note', ...note },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/**
 * Newest first. The first filter present picks the index and each of its values is one Query, all
 * in flight together and merged (functions/shared/store/merged-pages.ts); the other filters narrow
 * them with a filter expression; an opening-time range is a key condition. Never a Scan.
 */
export async function listIncidents(filters: IncidentFilters, limit: number, cursor?: string): Promise<Page<Incident>> {
  const chosen = FILTER_INDEXES.find(({ filter }) => filters[filter] !== undefined);
  const opened = filters.openedAfter !== undefined || filters.openedBefore !== undefined;
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const conditions: string[] = [];
  for (const { filter } of FILTER_INDEXES) {
    const wanted = filters[filter];
    if (wanted === undefined || filter === chosen?.filter) continue;
    conditions.push(inCondition(filter, wanted, names, values).condition);
  }
  const source =
    chosen !== undefined
      ? {
          index: chosen.index,
          partitions: defined(filters[chosen.filter], `values of the ${chosen.filter} filter that chose the index`).map((value) => `${chosen.prefix}${value}`),
        }
      : opened
        ? { index: BY_STATUS.index, partitions: INCIDENT_STATUSES.map((status) => `${BY_STATUS.prefix}${status}`) }
        : { index: ALL_INCIDENTS.index, partitions: [ALL_INCIDENTS.partition] };
  const range = {
    ...(filters.openedAfter === undefined ? {} : { from: new Date(filters.openedAfter).toISOString() }),
    ...(filters.openedBefore === undefined ? {} : { before: new Date(filters.openedBefore).toISOString() }),
  };
  const page = await mergedQueryPage(
    {
      tableName: TABLE_NAME,
      ...source,
      ...(opened ? { range } : {}),
      ...(conditions.length > 0 ? { filter: { expression: conditions.join(' AND '), names, values } } : {}),
      projection: INCIDENT_LIST_ATTRIBUTES,
      heads: INCIDENT_HEADS,
    },
    limit,
    cursor,
    filterFingerprint({ ...filters, ...range, openedAfter: undefined, openedBefore: undefined, kind: 'incidents' }),
  );
  return { ...page, items: page.items.map(fromItem) };
}

export async function listIncidentNotes(incidentId: string, options: { includeWork: boolean; limit: number; cursor?: string }): Promise<Page<IncidentNote>> {
  const page = await queryPage(
    {
      TableName: TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: {
        ':pk': incidentKey(incidentId).pk,
        ':prefix': 'NOTE#',
        ...(options.includeWork ? {} : { ':public': 'public' }),
      },
      ...(options.includeWork ? {} : { FilterExpression: 'visibility = :public' }),
    },
    options.limit,
    options.cursor,
    filterFingerprint({ incidentId, kind: 'notes', work: options.includeWork }),
  );
  return { ...page, items: page.items.map((item) => withoutKeys<IncidentNote>(item, NOTE_FIELDS)) };
}

export interface IncidentHistoryRecord extends HistoryDraft {
  id: string;
  incidentId: string;
}

export async function listIncidentHistory(
  incidentId: string,
  options: { includeWork: boolean; limit: number; cursor?: string },
): Promise<Page<IncidentHistoryRecord>> {
  const page = await queryPage(
    {
      TableName: TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: {
        ':pk': incidentKey(incidentId).pk,
        ':prefix': 'HISTORY#',
        ...(options.includeWork ? {} : { ':work': 'work' }),
      },
      // Requesters must not learn that work notes exist.
      ...(options.includeWork ? {} : { FilterExpression: 'attribute_not_exists(noteVisibility) OR noteVisibility <> :work' }),
    },
    options.limit,
    options.cursor,
    filterFingerprint({ incidentId, kind: 'history', work: options.includeWork }),
  );
  const items = page.items.map((item) => {
    const { subjectId, ...record } = withoutKeys<HistoryDraft & { id: string; subjectId: string }>(item);
    return withoutKeys<IncidentHistoryRecord>({ ...record, incidentId: subjectId }, HISTORY_FIELDS);
  });
  return { ...page, items };
}
