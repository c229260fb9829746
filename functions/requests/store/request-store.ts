import { type HistoryDraft, historyPut, newId } from '../../shared/store/audit.ts';
import { batchGetExisting } from '../../shared/store/batch-get.ts';
import { filterFingerprint } from '../../shared/store/cursor.ts';
import { checkAtVersion, db, type Item, itemByNumber, putAtVersion, putNew, TABLE_NAME, type TransactItem, withoutKeys } from '../../shared/store/db.ts';
import { GetCommand } from '../../shared/store/dynamodb.ts';
import { type Page, queryPage } from '../../shared/store/pagination.ts';
import { takeNextInSequence } from '../../shared/store/sequence.ts';
import { REQUEST_FIELD_ORDER } from '../domain/field-order.ts';
import { REQUEST_NUMBER_PATTERN, type ServiceRequest } from '../domain/request.ts';
import { REQUEST_HEADS } from '../heads.ts';
import type { RequestHistoryRecord, RequestNote } from '../schemas/request-responses.ts';
import { REQUEST_NOTE_PREFIX, REQUEST_SEQUENCE_KEY, requestIndexes, requestKey, requestNoteKey, requestPartition } from './keys.ts';

/*
 * Request items (store/keys.ts has every key):
 *   request  pk REQUEST#<id> sk REQUEST   gsi1 REQUEST / <number>                      every request, newest first; numbers
 *                                         gsi2 REQUEST#STATUS#<status> / <createdAt>#<number>
 *                                         gsi3 REQUEST#ITEM#<itemId> / <createdAt>#<number>
 *                                         gsi7 REQUEST#REQUESTER#<userId> / <createdAt>#<number>
 *   note     pk REQUEST#<id> sk NOTE#<ulid>
 *   history  pk REQUEST#<id> sk HISTORY#<ulid>
 *   asked    pk REQUEST#<id> sk ASKED#<nn>#<userId>  gsi4 REQUEST#APPROVER#<userId> / <askedAt>#<number>  (slice C writes them)
 */
export { newId };

const toItem = (request: ServiceRequest): Item => ({ ...requestKey(request.id), entity: 'request', ...request, ...requestIndexes(request) });
const fromItem = (item: Item): ServiceRequest => withoutKeys<ServiceRequest>(item, REQUEST_FIELD_ORDER);

/** Strongly consistent: a read before a write must see the version the write is checked against. */
export async function getRequest(id: string): Promise<ServiceRequest | undefined> {
  const result = await db.send(new GetCommand({ TableName: TABLE_NAME, Key: requestKey(id), ConsistentRead: true }));
  return result.Item === undefined ? undefined : fromItem(result.Item);
}

/** A number resolves through the all-requests index (eventually consistent, as every GSI read). */
export async function getRequestByNumber(number: string): Promise<ServiceRequest | undefined> {
  const item = await itemByNumber('REQUEST', number);
  return item === undefined ? undefined : fromItem(item);
}

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
export const isRequestId = (value: string): boolean => ULID.test(value);

/** By id (one GetItem) or by number (one Query); anything else is no request. */
export async function findRequest(idOrNumber: string): Promise<ServiceRequest | undefined> {
  if (REQUEST_NUMBER_PATTERN.test(idOrNumber)) return getRequestByNumber(idOrNumber);
  if (isRequestId(idOrNumber)) return getRequest(idOrNumber);
  return undefined;
}

/** Takes the next request number; a request that then fails leaves a gap (harmless). */
export async function allocateRequestNumber(): Promise<number> {
  const { sequence } = await takeNextInSequence(REQUEST_SEQUENCE_KEY, 'request-sequence');
  return sequence;
}

export const requestCreate = (request: ServiceRequest): TransactItem => putNew(toItem(request));
/** Replaces the request if, and only if, it is still at the version the caller read. */
export const requestReplace = (next: ServiceRequest, expectedVersion: number): TransactItem => putAtVersion(toItem(next), expectedVersion);
/** Something lands on the request without changing it (a note): it must still be at the version read. */
export const requestUnchanged = (request: ServiceRequest): TransactItem => checkAtVersion(requestKey(request.id), request.version);
export const requestHistoryPut = (requestId: string, draft: HistoryDraft): TransactItem => historyPut(requestPartition(requestId), requestId, draft);

export interface RequestListQuery {
  status?: string;
  item?: string;
  requester?: string;
  limit: number;
  cursor?: string;
}

/**
 * One Query, newest first: by requester (gsi7) when one is named, else by item (gsi3), else by
 * status (gsi2), else all (gsi1). The filters the chosen index does not hold are applied to its
 * page (a FilterExpression), so a page may hold fewer than `limit` with a cursor to go on.
 */
export async function listRequests(query: RequestListQuery): Promise<Page<ServiceRequest>> {
  const filters: { field: string; value: string }[] = [];
  let index: { name: string; pk: string };
  if (query.requester !== undefined) {
    index = { name: 'gsi7', pk: `REQUEST#REQUESTER#${query.requester}` };
    if (query.item !== undefined) filters.push({ field: 'item.id', value: query.item });
    if (query.status !== undefined) filters.push({ field: 'status', value: query.status });
  } else if (query.item !== undefined) {
    index = { name: 'gsi3', pk: `REQUEST#ITEM#${query.item}` };
    if (query.status !== undefined) filters.push({ field: 'status', value: query.status });
  } else if (query.status !== undefined) {
    index = { name: 'gsi2', pk: `REQUEST#STATUS#${query.status}` };
  } else {
    index = { name: 'gsi1', pk: 'REQUEST' };
  }
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':pk': index.pk };
  const conditions = filters.map((filter, i) => {
    const path = filter.field.split('.').map((part, j) => {
      names[`#f${i}_${j}`] = part;
      return `#f${i}_${j}`;
    });
    values[`:f${i}`] = filter.value;
    return `${path.join('.')} = :f${i}`;
  });
  const page = await queryPage(
    {
      TableName: TABLE_NAME,
      IndexName: index.name,
      KeyConditionExpression: `${index.name}pk = :pk`,
      ExpressionAttributeValues: values,
      ...(conditions.length === 0 ? {} : { FilterExpression: conditions.join(' AND '), ExpressionAttributeNames: names }),
      ScanIndexForward: false,
    },
    query.limit,
    query.cursor,
    filterFingerprint({ kind: 'requests', status: query.status, item: query.item, requester: query.requester }),
    { projection: REQUEST_FIELD_ORDER, heads: REQUEST_HEADS },
  );
  return { ...page, items: page.items.map(fromItem) };
}

/**
 * The requests awaiting `approver`'s decision: one Query of the asked-approver items (gsi4, newest
 * first), then one BatchGet of the requests they name; the other filters apply to what it returns.
 */
export async function listRequestsAwaiting(
  approver: string,
  query: Omit<RequestListQuery, 'requester'> & { requester?: string },
): Promise<Page<ServiceRequest>> {
  const page = await queryPage(
    {
      TableName: TABLE_NAME,
      IndexName: 'gsi4',
      KeyConditionExpression: 'gsi4pk = :pk',
      ExpressionAttributeValues: { ':pk': `REQUEST#APPROVER#${approver}` },
      ScanIndexForward: false,
    },
    query.limit,
    query.cursor,
    filterFingerprint({ kind: 'requests-awaiting', approver, status: query.status, item: query.item, requester: query.requester }),
  );
  const ids = [...new Set(page.items.map((item) => String(item.pk).slice('REQUEST#'.length)))];
  const found = ids.length === 0 ? [] : await batchGetExisting(ids.map((id) => requestKey(id)));
  const byId = new Map(found.map((item) => [String(item.id), fromItem(item)]));
  const requests = ids
    .map((id) => byId.get(id))
    .filter((request): request is ServiceRequest => request !== undefined)
    .filter(
      (request) =>
        (query.status === undefined || request.status === query.status) &&
        (query.item === undefined || request.item.id === query.item) &&
        (query.requester === undefined || request.requester === query.requester),
    );
  return { ...page, items: requests };
}

export function requestNotePut(note: RequestNote): TransactItem {
  return putNew({ ...requestNoteKey(note.requestId, note.id), entity: 'request-note', ...note });
}

/** Oldest first, like a conversation; `publicOnly` for requesters (a FilterExpression on the page). */
export async function listRequestNotes(requestId: string, options: { limit: number; cursor?: string; publicOnly: boolean }): Promise<Page<RequestNote>> {
  const page = await queryPage(
    {
      TableName: TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': requestPartition(requestId), ':prefix': REQUEST_NOTE_PREFIX, ...(options.publicOnly ? { ':public': 'public' } : {}) },
      ...(options.publicOnly ? { FilterExpression: 'visibility = :public' } : {}),
    },
    options.limit,
    options.cursor,
    filterFingerprint({ requestId, kind: 'request-notes', publicOnly: options.publicOnly }),
  );
  return {
    ...page,
    items: page.items.map((item) => withoutKeys<RequestNote>(item, ['id', 'requestId', 'visibility', 'text', 'author', 'source', 'createdAt'])),
  };
}

/** The audit trail, oldest first. */
export async function listRequestHistory(requestId: string, options: { limit: number; cursor?: string }): Promise<Page<RequestHistoryRecord>> {
  const page = await queryPage(
    {
      TableName: TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': requestPartition(requestId), ':prefix': 'HISTORY#' },
    },
    options.limit,
    options.cursor,
    filterFingerprint({ requestId, kind: 'request-history' }),
  );
  return {
    ...page,
    items: page.items.map((item) => {
      const { subjectId, ...rest } = withoutKeys<Record<string, unknown>>(item, ['id', 'at', 'actor', 'action', 'version', 'changes']);
      return { ...rest, requestId: subjectId } as RequestHistoryRecord;
    }),
  };
}
