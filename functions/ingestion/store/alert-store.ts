import { serviceKey } from '../../directory/store/keys.ts';
import { isBeingDeleted } from '../../directory/store/references.ts';
import { alertPartition, type Pointer, pointerKey } from '../../incidents/store/alert-pointer.ts';
import { optionalEnv } from '../../shared/env.ts';
import { batchGetExisting } from '../../shared/store/batch-get.ts';
import { encodeCursor, filterFingerprint } from '../../shared/store/cursor.ts';
import { db, type Item, TABLE_NAME, type TransactItem, withoutKeys } from '../../shared/store/db.ts';
import { PutCommand, UpdateCommand } from '../../shared/store/dynamodb.ts';
import { type Page, queryPage } from '../../shared/store/pagination.ts';
import { type NamedItem, named, TransactionRefused, transactWrite } from '../../shared/store/transaction.ts';
import type { AlertEvent, SeverityMapping } from '../domain/alert-event.ts';

/*
 * Alert items (see docs/data-model.md and docs/ingestion.md):
 *   event    pk ALERT#<scope>#<dedupKey>  sk EVENT#<eventId>   the raw event, kept for the retention
 *            gsi2 EVENTS#INCIDENT#<incidentId> -> <receivedAt>#<eventId>   once applied to an incident
 *   pointer  pk ALERT#<scope>#<dedupKey>  sk OPEN              the open incident of this dedup key
 *            (incidents/store/alert-pointer.ts: incidents remove it when they close)
 * The pointer and the incident's alert state (pk INCIDENT#<id>, sk INCIDENT#ALERT: occurrences and
 * recent events) are the incidents area's items: they are written only through its operations
 * (incidents/operations.ts: openIncidentFromAlert, recordAlertOccurrence, ...); ingestion reads
 * the pointer here, beside the service's routing, in one round trip.
 * Every event of one dedup key lands in one partition, so the table's stream hands them to the
 * processor in the order they were recorded, one after the other: no two events of one key are
 * ever applied concurrently. The writes are conditional all the same.
 */
/** How long raw events are kept (CDK context eventRetentionDays); at least EventBridge's 24 h retry window. */
const RETENTION_DAYS = Number(optionalEnv('EVENT_RETENTION_DAYS', '30'));

const eventKey = (event: Pick<AlertEvent, 'eventId' | 'dedupKey'>, scope: string) => ({
  pk: alertPartition(scope, event.dedupKey),
  sk: `EVENT#${event.eventId}`,
});
const incidentEventsPartition = (incidentId: string) => `EVENTS#INCIDENT#${incidentId}`;
/** The name of the event's own item when it is written with its raw parts: refused when it was recorded before. */
const EVENT_ITEM = 'event';

export const EVENT_OUTCOMES = ['opened', 'occurrence', 'acknowledged', 'resolved', 'recorded', 'dropped'] as const;
export type EventOutcome = (typeof EVENT_OUTCOMES)[number];

export const EVENT_ORDER = [
  'eventId',
  'source',
  'action',
  'dedupKey',
  'service',
  'sender',
  'receivedAt',
  'appliedAt',
  'outcome',
  'incidentId',
  'summary',
  'severity',
  'origin',
  'component',
  'group',
  'class',
  'configurationItem',
  'details',
  'detailsJson',
  'links',
  'images',
  'client',
  'clientUrl',
  'occurredAt',
  'omitted',
  'raw',
  'rawJson',
];

/**
 * What a stored event may lack, when it was too large for one item: its raw text is then in
 * `rawParts` items beside it, and the listed fields only in that text.
 */
export interface StoredEvent extends Omit<AlertEvent, 'rawJson'> {
  scope: string;
  appliedAt?: string;
  outcome?: EventOutcome;
  incidentId?: string;
  rawJson?: string;
  /** How many raw-text items hold the raw JSON, when the event item could not. */
  rawParts?: number;
  omitted?: OmittedField[];
  /** Events recorded before raw JSON was kept as text held it as a map. */
  raw?: unknown;
}

export const eventFromItem = (item: Item): StoredEvent => withoutKeys<StoredEvent>(item, EVENT_ORDER);

/**
 * DynamoDB items hold at most 400 KB; a PagerDuty body may be 512 KB and an EventBridge event
 * 1 MB. Sizes are measured as JSON text, which never undercounts an item's size by much (names
 * and values as UTF-8; numbers are short), with room to spare.
 */
const ITEM_BUDGET_BYTES = 300 * 1024;
const RAW_PART_CHARS = 100 * 1024;
/** Dropped from the event item, in this order, until it fits; they stay in the raw text. */
const OMITTABLE = ['details', 'detailsJson', 'images', 'links'] as const;
type OmittedField = (typeof OMITTABLE)[number];

const sizeOf = (item: Item): number => Buffer.byteLength(JSON.stringify(item), 'utf8');
const rawPartKey = (eventKeyValue: { pk: string; sk: string }, part: number) => ({ pk: eventKeyValue.pk, sk: `${eventKeyValue.sk}#RAW#${part}` });

/** Splits text into pieces of at most `size` UTF-16 units without cutting a surrogate pair. */
function splitText(text: string, size: number): string[] {
  const parts: string[] = [];
  for (let start = 0; start < text.length; ) {
    let end = Math.min(start + size, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
    parts.push(text.slice(start, end));
    start = end;
  }
  return parts;
}

/**
 * Records the event durably: the only write an intake does before it answers. Idempotent on the
 * event id: a redelivered event is recognised and not recorded (or applied) twice. An event too
 * large for one item keeps its raw text in parts written in the same transaction (the table's
 * stream applies only the event item: the parts are entity `alert-event-raw`).
 */
export async function recordEvent(event: AlertEvent, scope: string): Promise<'recorded' | 'duplicate'> {
  const expiresAt = Math.floor(Date.parse(event.receivedAt) / 1000) + RETENTION_DAYS * 24 * 60 * 60;
  const key = eventKey(event, scope);
  const item: Item = { ...key, entity: 'alert-event', ...event, scope, expiresAt };
  let parts: string[] = [];
  if (sizeOf(item) > ITEM_BUDGET_BYTES) {
    parts = splitText(event.rawJson, RAW_PART_CHARS);
    delete item.rawJson;
    item.rawParts = parts.length;
    const omitted: OmittedField[] = [];
    for (const field of OMITTABLE) {
      if (sizeOf(item) <= ITEM_BUDGET_BYTES) break;
      if (item[field] === undefined) continue;
      delete item[field];
      omitted.push(field);
    }
    if (omitted.length > 0) item.omitted = omitted;
  }
  try {
    if (parts.length === 0) {
      await db.send(new PutCommand({ TableName: TABLE_NAME, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
    } else {
      await transactWrite([
        named(EVENT_ITEM, { Put: { TableName: TABLE_NAME, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } }),
        ...parts.map((text, part) => ({
          Put: { TableName: TABLE_NAME, Item: { ...rawPartKey(key, part), entity: 'alert-event-raw', text, expiresAt } },
        })),
      ]);
    }
    return 'recorded';
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') return 'duplicate';
    if (error instanceof TransactionRefused && error.has(EVENT_ITEM)) return 'duplicate';
    throw error;
  }
}

/** The raw JSON of events kept in parts, read back (one BatchGetItem per 100 parts). */
async function withRawText(events: (StoredEvent & { pk: string; sk: string })[]): Promise<void> {
  const keys = events.flatMap((event) => Array.from({ length: event.rawParts ?? 0 }, (_, part) => rawPartKey(event, part)));
  const texts = new Map<string, string>();
  for (const item of await batchGetExisting(keys)) texts.set(item.sk as string, item.text as string);
  for (const event of events) {
    if (event.rawParts === undefined) continue;
    event.rawJson = Array.from({ length: event.rawParts }, (_, part) => texts.get(rawPartKey(event, part).sk) ?? '').join('');
  }
}

export interface ServiceRouting {
  ownerGroup?: string;
  severityMapping?: Partial<SeverityMapping>;
  /** Incidents it opens page the owner group's escalation policy at once. */
  urgent?: boolean;
}

/** The open incident of a dedup key and the routing of its service, in one round trip. */
export async function getPointerAndService(scope: string, dedupKey: string, service: string | undefined) {
  const keys: { pk: string; sk: string }[] = [pointerKey(scope, dedupKey)];
  if (service !== undefined) keys.push(serviceKey(service));
  // An unprocessed key must be read again: a pointer left unread would look like no open incident.
  const items = await batchGetExisting(keys, { consistentRead: true });
  const pointer = items.find((item) => item.sk === 'OPEN');
  // A service whose delete is looking for what names it cannot be named: routed as if unknown.
  const serviceItem = items.find((item) => item.sk === 'SERVICE' && !isBeingDeleted(item));
  return {
    ...(pointer === undefined ? {} : { pointer: pointer as unknown as Pointer }),
    ...(serviceItem === undefined
      ? {}
      : {
          service: {
            ownerGroup: serviceItem.ownerGroup as string,
            severityMapping: serviceItem.severityMapping as Partial<SeverityMapping> | undefined,
            urgent: serviceItem.urgent === true,
          },
        }),
  } as { pointer?: Pointer; service?: ServiceRouting };
}

/** The name of markApplied's item: refused when the event was applied before (a replay). */
export const EVENT_APPLIED_ITEM = 'event-applied';

/** Marks the event applied, with what it did: in every transaction that applies it, so a replay stops there. */
export function markApplied(event: StoredEvent, outcome: EventOutcome, appliedAt: string, incidentId?: string): NamedItem {
  return named(EVENT_APPLIED_ITEM, { Update: appliedUpdate(event, outcome, appliedAt, incidentId) });
}

/** markApplied's update, also written alone when the event touches nothing. */
function appliedUpdate(event: StoredEvent, outcome: EventOutcome, appliedAt: string, incidentId?: string): NonNullable<TransactItem['Update']> {
  const values: Item = { ':at': appliedAt, ':outcome': outcome };
  let update = 'SET appliedAt = :at, outcome = :outcome';
  if (incidentId !== undefined) {
    update += ', incidentId = :incident, gsi2pk = :gsi2pk, gsi2sk = :gsi2sk';
    Object.assign(values, {
      ':incident': incidentId,
      ':gsi2pk': incidentEventsPartition(incidentId),
      ':gsi2sk': `${event.receivedAt}#${event.eventId}`,
    });
  }
  return {
    TableName: TABLE_NAME,
    Key: eventKey(event, event.scope),
    UpdateExpression: update,
    ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(appliedAt)',
    ExpressionAttributeValues: values,
  };
}

/** For events that touch nothing (acknowledge or resolve of an unknown dedup key). */
export async function markDropped(event: StoredEvent, at: string): Promise<void> {
  const item = appliedUpdate(event, 'dropped', at);
  try {
    await db.send(new UpdateCommand(item));
  } catch (error) {
    if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
  }
}

/** The events that touched an incident, oldest first (the index is eventually consistent). */
export async function listIncidentEvents(incidentId: string, limit: number, cursor?: string): Promise<Page<StoredEvent>> {
  const fingerprint = filterFingerprint({ kind: 'incident-events', incidentId });
  const page = await queryPage(
    {
      TableName: TABLE_NAME,
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :pk',
      ExpressionAttributeValues: { ':pk': incidentEventsPartition(incidentId) },
    },
    limit,
    cursor,
    fingerprint,
  );
  // Lambda answers at most 6 MB: a page of large events ends early, its cursor at the last one kept.
  // Cut first by each event's size as its item tells it (its raw parts counted as full parts), so
  // only the kept events' parts are read; then again by the sizes read, should the text be larger.
  const estimated = page.items.slice(
    0,
    countWithin(page.items, (item) => sizeOf(item) + ((item.rawParts as number | undefined) ?? 0) * RAW_PART_CHARS),
  );
  await withRawText(estimated.filter((item) => item.rawParts !== undefined) as unknown as (StoredEvent & { pk: string; sk: string })[]);
  const kept = estimated.slice(0, countWithin(estimated, sizeOf));
  if (kept.length === page.items.length) return { ...page, items: kept.map(eventFromItem) };
  const last = kept.at(-1) as Item;
  return {
    items: kept.map(eventFromItem),
    nextCursor: encodeCursor({ pk: last.pk, sk: last.sk, gsi2pk: last.gsi2pk, gsi2sk: last.gsi2sk }, fingerprint),
  };
}

/** Well within Lambda's 6 MB response; measured as stored JSON, which escapes more than it serves. */
const MAX_PAGE_BYTES = 4 * 1024 * 1024;

/** How many of the first items fit in a page, one at least (an event alone is within 6 MB). */
function countWithin(items: Item[], size: (item: Item) => number): number {
  let bytes = 0;
  for (const [index, item] of items.entries()) {
    bytes += size(item);
    if (bytes > MAX_PAGE_BYTES && index > 0) return index;
  }
  return items.length;
}
