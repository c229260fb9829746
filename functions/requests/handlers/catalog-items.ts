import { groupKey } from '../../directory/store/keys.ts';
import { directoryRecordLive } from '../../directory/store/references.ts';
import { conflict, fieldError, forbidden, notFound, preconditionFailed, validationFailed } from '../../shared/errors.ts';
import { type ApiRequest, type ApiResult, byRoute, etagOf, httpHandler } from '../../shared/http/handler.ts';
import type { Principal } from '../../shared/http/principal.ts';
import { diffFields, newId } from '../../shared/store/audit.ts';
import { batchGetAll } from '../../shared/store/batch-get.ts';
import { decodeCursor, encodeCursor, filterFingerprint } from '../../shared/store/cursor.ts';
import { TABLE_NAME } from '../../shared/store/db.ts';
import { type FieldCheck, fieldCheckErrors, fieldCheckItems } from '../../shared/store/field-checks.ts';
import { claimIdempotencyKey, commitIdempotently } from '../../shared/store/idempotency.ts';
import { TransactionRefused, transactWrite } from '../../shared/store/transaction.ts';
import { configKey } from '../../sla/store/config-store.ts';
import type { CatalogItem } from '../domain/catalog.ts';
import type { CatalogEventType } from '../domain/catalog-events.ts';
import { type CatalogItemFields, catalogItemFields, catalogItemIssues, groupsNamed, matchesWords, mayOrder } from '../domain/catalog-rules.ts';
import { catalogVersionParam, createCatalogItemBody, listCatalogItemsQuery, replaceCatalogItemBody } from '../schemas/catalog.ts';
import {
  CATALOG_ITEM,
  CATALOG_TRACKED_FIELDS,
  catalogWriteItems,
  getCatalogItem,
  getCatalogItemVersion,
  listCatalogItems,
  listCatalogItemVersions,
} from '../store/catalog-store.ts';

/*
 * /catalog-items: the service catalog. Everyone reads what they may order (active, and orderable by
 * everyone or by a directory group they are in); agents read any item and its versions (they work
 * requests of every item); admins read everything and write. Every write is a new version: the
 * current item and an immutable snapshot of the version, with history and the event, in one
 * transaction. Requests copy the version they were ordered from, so no edit changes them. DELETE
 * withdraws an item (inactive, a new version): requests keep naming it, so it is never removed.
 */

const present = (item: CatalogItem, status = 200): ApiResult => ({
  status,
  body: item,
  headers: { etag: etagOf(item.version), location: `/catalog-items/${encodeURIComponent(item.id)}` },
});

const requireAdmin = (principal: Principal): void => {
  if (!principal.isAdmin) throw forbidden('Only admins can change the service catalog');
};

/** The groups among `groups` whose directory record lists the user as a member: one BatchGetItem (none when there are none). */
async function groupsOfUser(userId: string, groups: Iterable<string>): Promise<Set<string>> {
  const names = [...new Set(groups)];
  if (names.length === 0) return new Set();
  const records = await batchGetAll(names.map(groupKey), { attributes: ['members'] });
  return new Set(names.filter((_name, i) => (records[i]?.members as string[] | undefined)?.includes(userId) === true));
}

/** Whether the caller may order the item (admins see every item but order like anyone else). */
async function orderableBy(principal: Principal, item: CatalogItem): Promise<boolean> {
  return mayOrder(item, await groupsOfUser(principal.userId, item.orderableBy.groups));
}

/**
 * By id. Admins: every item (`active` filters); everyone else: the active items they may order.
 * One Query of the catalog (or of a category), read whole, filtered in the function (visibility,
 * `q`), then one BatchGetItem of the groups items are restricted to, when any is.
 */
async function listItems(request: ApiRequest): Promise<ApiResult> {
  const query = request.query(listCatalogItemsQuery);
  const { principal } = request;
  const fingerprint = filterFingerprint({ category: query.category, q: query.q, active: query.active, admin: principal.isAdmin });
  const after = query.cursor === undefined ? undefined : String(decodeCursor(query.cursor, fingerprint).id);
  let items = await listCatalogItems(query.category);
  if (query.q !== undefined) {
    const q = query.q;
    items = items.filter((item) => matchesWords(item, q));
  }
  if (principal.isAdmin) {
    if (query.active !== undefined) items = items.filter((item) => item.active === (query.active === 'true'));
  } else {
    items = items.filter((item) => item.active && query.active !== 'false');
    const memberOf = await groupsOfUser(
      principal.userId,
      items.flatMap((item) => item.orderableBy.groups),
    );
    items = items.filter((item) => mayOrder(item, memberOf));
  }
  const rest = after === undefined ? items : items.filter((item) => item.id > after);
  const page = rest.slice(0, query.limit);
  const last = page.at(-1);
  return {
    status: 200,
    body: { items: page, ...(rest.length > page.length && last !== undefined ? { nextCursor: encodeCursor({ id: last.id }, fingerprint) } : {}) },
  };
}

/** An item the caller may see: admins and agents any; requesters one they may order (404 otherwise, as if absent). */
async function visibleItem(request: ApiRequest, id: string): Promise<CatalogItem> {
  const item = await getCatalogItem(id);
  if (item === undefined) throw notFound(`Catalog item ${id}`);
  if (!request.principal.isAgent && !(await orderableBy(request.principal, item))) throw notFound(`Catalog item ${id}`);
  return item;
}

async function getItem(request: ApiRequest): Promise<ApiResult> {
  return present(await visibleItem(request, request.pathParam('id')));
}

/** Versions: agents and admins (a request's plan names one); requesters 404, as for an item they do not see. */
async function readableVersions(request: ApiRequest, id: string): Promise<void> {
  if (!request.principal.isAgent) throw notFound(`Catalog item ${id}`);
}

async function listVersions(request: ApiRequest): Promise<ApiResult> {
  const id = request.pathParam('id');
  await readableVersions(request, id);
  const versions = await listCatalogItemVersions(id);
  if (versions.length === 0) throw notFound(`Catalog item ${id}`);
  return { status: 200, body: { items: versions } };
}

async function getVersion(request: ApiRequest): Promise<ApiResult> {
  const id = request.pathParam('id');
  await readableVersions(request, id);
  const parsed = catalogVersionParam.safeParse(request.pathParam('version'));
  if (!parsed.success) throw notFound(`Version ${request.pathParam('version')} of catalog item ${id}`);
  const version = await getCatalogItemVersion(id, parsed.data);
  if (version === undefined) throw notFound(`Version ${parsed.data} of catalog item ${id}`);
  return { status: 200, body: version, headers: { etag: etagOf(version.version) } };
}

/** The fields' own rules (400 naming each field), before anything is read. */
function checkShape(fields: CatalogItemFields): void {
  const issues = catalogItemIssues(fields);
  if (issues.length > 0) {
    throw validationFailed(
      issues.map((issue) => fieldError('body', issue.path, issue.message)),
      `The catalog item is not valid: ${issues.map((issue) => issue.path.join('.')).join(', ')}`,
    );
  }
}

/** What the item names must exist when it commits: its groups (each once) and its SLA policy, checked in the write's transaction. */
function referenceChecks(fields: CatalogItemFields): FieldCheck[] {
  const now = new Date().toISOString();
  const first = new Map<string, (string | number)[]>();
  for (const { group, path } of groupsNamed(fields)) if (!first.has(group)) first.set(group, path);
  const checks: FieldCheck[] = [...first].map(([group, path]) => ({
    item: directoryRecordLive(groupKey(group), now),
    refusal: (old) => ({ path, message: old === undefined ? `There is no group named '${group}'` : `Group '${group}' is being deleted` }),
  }));
  if (fields.slaPolicy !== undefined) {
    const policy = fields.slaPolicy;
    checks.push({
      item: { ConditionCheck: { TableName: TABLE_NAME, Key: configKey('policy', policy), ConditionExpression: 'attribute_exists(pk)' } },
      refusal: () => ({ path: ['slaPolicy'], message: `There is no SLA policy named '${policy}'` }),
    });
  }
  return checks;
}

/** Commits a version of the item; maps refusals: the item taken (409) or moved/gone (412/404), a reference missing (400). */
async function commit(
  item: CatalogItem,
  expectedVersion: number,
  fields: CatalogItemFields | undefined,
  before: CatalogItem | undefined,
  eventType: CatalogEventType,
  run: (items: ReturnType<typeof catalogWriteItems>) => Promise<ApiResult>,
): Promise<ApiResult> {
  const checks = fields === undefined ? [] : referenceChecks(fields);
  const changes = diffFields((before ?? {}) as Record<string, unknown>, item as unknown as Record<string, unknown>, CATALOG_TRACKED_FIELDS);
  const items = catalogWriteItems({ item, expectedVersion, actor: item.updatedBy, changes, eventType, eventId: newId() });
  try {
    return await run([...items, ...fieldCheckItems(checks)]);
  } catch (error) {
    if (!(error instanceof TransactionRefused)) throw error;
    if (error.has(CATALOG_ITEM)) {
      const current = error.item(CATALOG_ITEM);
      if (expectedVersion === 0) {
        throw conflict('already-exists', 'Already exists', `Catalog item '${item.id}' already exists`);
      }
      if (current === undefined) throw notFound(`Catalog item ${item.id}`);
      throw preconditionFailed(etagOf(Number(current.version)));
    }
    const errors = fieldCheckErrors(error, checks);
    if (errors.length > 0) throw validationFailed(errors);
    throw error;
  }
}

async function createItem(request: ApiRequest): Promise<ApiResult> {
  requireAdmin(request.principal);
  const body = request.body(createCatalogItemBody);
  const claim = claimIdempotencyKey(request, body);
  const fields = catalogItemFields(body);
  checkShape(fields);
  const at = new Date().toISOString();
  const actor = request.principal.userId;
  const item: CatalogItem = { id: body.id, ...fields, version: 1, createdAt: at, updatedAt: at, createdBy: actor, updatedBy: actor };
  return commit(item, 0, fields, undefined, 'Catalog Item Created', (items) => commitIdempotently(items, claim, present(item, 201)));
}

async function replaceItem(request: ApiRequest): Promise<ApiResult> {
  requireAdmin(request.principal);
  const ifMatch = request.ifMatch();
  const id = request.pathParam('id');
  const fields = catalogItemFields(request.body(replaceCatalogItemBody));
  const current = await getCatalogItem(id);
  if (current === undefined) throw notFound(`Catalog item ${id}`);
  const expected = ifMatch.check(current.version);
  // The same item again is no new version: requests ordered from either would be the same.
  if (diffFields(current as unknown as Record<string, unknown>, fields as unknown as Record<string, unknown>, CATALOG_TRACKED_FIELDS).length === 0) {
    return present(current);
  }
  checkShape(fields);
  const item: CatalogItem = {
    id,
    ...fields,
    version: current.version + 1,
    createdAt: current.createdAt,
    updatedAt: new Date().toISOString(),
    createdBy: current.createdBy,
    updatedBy: request.principal.userId,
  };
  return commit(item, expected, fields, current, 'Catalog Item Updated', async (items) => {
    await transactWrite(items);
    return present(item);
  });
}

/**
 * Withdraws the item: a new version, inactive (requests name the item and its versions, so it is
 * never removed; PUT with `active: true` offers it again). Already inactive: nothing to do.
 */
async function deleteItem(request: ApiRequest): Promise<ApiResult> {
  requireAdmin(request.principal);
  const ifMatch = request.ifMatch();
  const id = request.pathParam('id');
  const current = await getCatalogItem(id);
  if (current === undefined) throw notFound(`Catalog item ${id}`);
  const expected = ifMatch.check(current.version);
  if (!current.active) return { status: 204 };
  const item: CatalogItem = {
    ...current,
    active: false,
    version: current.version + 1,
    updatedAt: new Date().toISOString(),
    updatedBy: request.principal.userId,
  };
  return commit(item, expected, undefined, current, 'Catalog Item Deleted', async (items) => {
    await transactWrite(items);
    return { status: 204 };
  });
}

export const handler = httpHandler(
  byRoute({
    'GET /catalog-items': listItems,
    'POST /catalog-items': createItem,
    'GET /catalog-items/{id}': getItem,
    'PUT /catalog-items/{id}': replaceItem,
    'DELETE /catalog-items/{id}': deleteItem,
    'GET /catalog-items/{id}/versions': listVersions,
    'GET /catalog-items/{id}/versions/{version}': getVersion,
  }),
);
