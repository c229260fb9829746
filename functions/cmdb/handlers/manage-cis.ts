import { notFound } from '../../shared/errors.ts';
import { type ApiRequest, type ApiResult, byRoute, httpHandler } from '../../shared/http/handler.ts';
import { claimIdempotencyKey, commitIdempotently } from '../../shared/store/idempotency.ts';
import type { Page } from '../../shared/store/pagination.ts';
import { assertCmdbAdmin, assertCmdbReader, ciResponse } from '../access.ts';
import { ciIsAService, deleteCi, prepareCiCreate, updateCi } from '../ci-write.ts';
import { type Ci, isServiceCiId, replaceAsPatch, SERVICE_CLASS } from '../domain/ci.ts';
import { ciPageQuery, createCiBody, listCisQuery, replaceCiBody } from '../schemas/ci.ts';
import { type CiFilters, findCiByExternalId, getCi, listCiHistory, listOwnCis, listServiceCis } from '../store/ci-store.ts';

/*
 * /cis: configuration items. Agents and admins read; admins create, replace and delete. A
 * service's CI is the directory's record: read here, written through /services (409
 * ci-is-a-service).
 */

async function loadCi(id: string): Promise<Ci> {
  const ci = await getCi(id);
  if (ci === undefined) throw notFound(`CI ${id}`);
  return ci;
}

/** Two round trips: the class's schema (admin-defined or changed built-in), then one transaction with the CI, its history, its event, its guards and the Idempotency-Key's record. */
async function createCiRoute(request: ApiRequest): Promise<ApiResult> {
  assertCmdbAdmin(request.principal, 'create CIs');
  const input = request.body(createCiBody);
  const claim = claimIdempotencyKey(request, input);
  const creation = await prepareCiCreate(input, { actor: request.principal.userId });
  try {
    return await commitIdempotently(creation.entries, claim, ciResponse(201, creation.ci));
  } catch (error) {
    throw creation.refusal(error);
  }
}

/** The CI an external id names, if it passes the other filters: one page of at most one. */
function matching(ci: Ci | undefined, filters: CiFilters): Page<Ci> {
  if (ci === undefined) return { items: [] };
  const fits =
    (filters.class === undefined || ci.class === filters.class) &&
    (filters.ownerGroup === undefined || ci.ownerGroup === filters.ownerGroup) &&
    (filters.environment === undefined || ci.environment === filters.environment) &&
    (filters.status === undefined || ci.status === filters.status) &&
    (filters.q === undefined || ci.name.toLowerCase().startsWith(filters.q.toLowerCase()));
  return { items: fits ? [ci] : [] };
}

/** One Query (the external id: its guard item, then the CI): by name, the index the filters choose. */
async function listCisRoute(request: ApiRequest): Promise<ApiResult> {
  assertCmdbReader(request.principal);
  const { limit, cursor, ...filters } = request.query(listCisQuery);
  let page: Page<Ci>;
  if (filters.externalId !== undefined) page = matching(await findCiByExternalId(filters.externalId), filters);
  else if (filters.class === SERVICE_CLASS) page = await listServiceCis(filters, limit, cursor);
  else page = await listOwnCis(filters, limit, cursor);
  return {
    status: 200,
    body: { items: page.items.map((ci) => ciResponse(200, ci).body), ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }) },
  };
}

/** One GetItem: the CI's item, or the directory's for a service. */
async function getCiRoute(request: ApiRequest): Promise<ApiResult> {
  assertCmdbReader(request.principal);
  return ciResponse(200, await loadCi(request.pathParam('id')));
}

async function replaceCiRoute(request: ApiRequest): Promise<ApiResult> {
  assertCmdbAdmin(request.principal, 'change CIs');
  const id = request.pathParam('id');
  const ifMatch = request.ifMatch();
  const body = request.body(replaceCiBody);
  if (isServiceCiId(id)) {
    await loadCi(id);
    throw ciIsAService(id);
  }
  const ci = await updateCi(id, replaceAsPatch(body), { actor: request.principal.userId, ...(ifMatch.isAny ? {} : { expectedVersion: ifMatch.version }) });
  return ciResponse(200, ci);
}

async function deleteCiRoute(request: ApiRequest): Promise<ApiResult> {
  assertCmdbAdmin(request.principal, 'delete CIs');
  const id = request.pathParam('id');
  const ifMatch = request.ifMatch();
  if (isServiceCiId(id)) {
    await loadCi(id);
    throw ciIsAService(id);
  }
  await deleteCi(id, { actor: request.principal.userId, ...(ifMatch.isAny ? {} : { expectedVersion: ifMatch.version }) });
  return { status: 204 };
}

/** Oldest first. The CI's existence and its history are read together: one round trip. */
async function ciHistoryRoute(request: ApiRequest): Promise<ApiResult> {
  assertCmdbReader(request.principal);
  const id = request.pathParam('id');
  const { limit, cursor } = request.query(ciPageQuery);
  const [ci, page] = await Promise.all([getCi(id), listCiHistory(id, { limit, ...(cursor === undefined ? {} : { cursor }) })]);
  if (ci === undefined) throw notFound(`CI ${id}`);
  return { status: 200, body: page };
}

export const handler = httpHandler(
  byRoute({
    'POST /cis': createCiRoute,
    'GET /cis': listCisRoute,
    'GET /cis/{id}': getCiRoute,
    'PUT /cis/{id}': replaceCiRoute,
    'DELETE /cis/{id}': deleteCiRoute,
    'GET /cis/{id}/history': ciHistoryRoute,
  }),
);
