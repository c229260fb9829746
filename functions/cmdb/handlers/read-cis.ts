import { notFound } from '../../shared/errors.ts';
import { type ApiRequest, type ApiResult, byRoute, etagOf, httpHandler } from '../../shared/http/handler.ts';
import { assertCmdbReader, ciClassBody, ciClassNameOf, ciResponse } from '../access.ts';
import { BUILT_IN_CI_CLASSES, SERVICE_CLASS } from '../domain/ci.ts';
import { ciClassOf } from '../domain/ci-classes.ts';
import { ciPageQuery, listCisQuery } from '../schemas/ci.ts';
import { getStoredCiClass, listStoredCiClasses, loadCmdbConfig } from '../store/ci-class-store.ts';
import { getCi, listCiHistory, listCisWithServices, listOwnCis, listServiceCis, listsServicesToo } from '../store/ci-store.ts';

/*
 * The CMDB's reads for agents and admins: CIs (one, a list, a history), classes and the AWS feed's
 * tag mapping. A function of their own with read-only table access (least privilege): the writes
 * are manage-cis.ts and ci-classes.ts; a CI's relationships and impact are ci-relationships.ts.
 * Requesters get 404 on every route, before anything is read.
 */

/**
 * One round, by name: the index the filters choose (an external id has one of its own); without a
 * class, the CMDB's own CIs and the directory's services together (two Queries in parallel).
 */
async function listCis(request: ApiRequest): Promise<ApiResult> {
  const { limit, cursor, ...filters } = request.query(listCisQuery);
  const page =
    filters.class === SERVICE_CLASS
      ? await listServiceCis(filters, limit, cursor)
      : listsServicesToo(filters)
        ? await listCisWithServices(filters, limit, cursor)
        : await listOwnCis(filters, limit, cursor);
  return {
    status: 200,
    body: { items: page.items.map((ci) => ciResponse(200, ci).body), ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }) },
  };
}

/** One GetItem: the CI's item, or the directory's for a service. */
async function getCiRoute(request: ApiRequest): Promise<ApiResult> {
  const id = request.pathParam('id');
  const ci = await getCi(id);
  if (ci === undefined) throw notFound(`CI ${id}`);
  return ciResponse(200, ci);
}

/**
 * Oldest first, one Query. A deleted CI's history stays readable (it ends with its `deleted`
 * record); an id with no history at all is 404 (the CI and its history are read together, so an
 * existing CI whose history page is empty, past its end, still answers 200).
 */
async function ciHistory(request: ApiRequest): Promise<ApiResult> {
  const id = request.pathParam('id');
  const { limit, cursor } = request.query(ciPageQuery);
  const [ci, page] = await Promise.all([getCi(id), listCiHistory(id, { limit, ...(cursor === undefined ? {} : { cursor }) })]);
  if (ci === undefined && page.items.length === 0 && cursor === undefined) throw notFound(`CI ${id}`);
  return { status: 200, body: page };
}

/** Built-in classes (as changed, or their defaults) and admin-defined ones, by name: one Query. */
async function listClasses(): Promise<ApiResult> {
  const stored = new Map((await listStoredCiClasses()).map((ciClass) => [ciClass.name, ciClass]));
  const names = [...new Set([...BUILT_IN_CI_CLASSES, ...stored.keys()])].sort();
  const items = names.flatMap((name) => {
    const ciClass = ciClassOf(name, stored.get(name));
    return ciClass === undefined ? [] : [ciClassBody(ciClass)];
  });
  return { status: 200, body: { items } };
}

async function getClass(request: ApiRequest): Promise<ApiResult> {
  const name = ciClassNameOf(request);
  const ciClass = ciClassOf(name, await getStoredCiClass(name));
  if (ciClass === undefined) throw notFound(`CI class ${name}`);
  return { status: 200, body: ciClassBody(ciClass), headers: { etag: etagOf(ciClass.version), location: `/ci-classes/${name}` } };
}

/** The tag mapping in force (its defaults at version 0 until an admin writes it). */
async function getCmdbConfig(): Promise<ApiResult> {
  const config = await loadCmdbConfig();
  return { status: 200, body: config, headers: { etag: etagOf(config.version) } };
}

/** Requesters: 404 before anything is read, as on every CMDB route. */
const forReaders =
  (route: (request: ApiRequest) => Promise<ApiResult>, what?: string) =>
  (request: ApiRequest): Promise<ApiResult> => {
    assertCmdbReader(request.principal, what);
    return route(request);
  };

export const handler = httpHandler(
  byRoute({
    'GET /cis': forReaders(listCis),
    'GET /cis/{id}': forReaders(getCiRoute),
    'GET /cis/{id}/history': forReaders(ciHistory),
    'GET /ci-classes': forReaders(listClasses),
    'GET /ci-classes/{name}': forReaders(getClass),
    'GET /cmdb-config': forReaders(getCmdbConfig, 'The CMDB configuration'),
  }),
);
