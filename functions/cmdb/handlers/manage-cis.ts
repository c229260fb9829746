import { notFound } from '../../shared/errors.ts';
import { type ApiRequest, type ApiResult, byRoute, httpHandler } from '../../shared/http/handler.ts';
import { claimIdempotencyKey, commitIdempotently } from '../../shared/store/idempotency.ts';
import { assertCmdbAdmin, ciResponse } from '../access.ts';
import { ciIsAService, deleteCi, prepareCiCreate, updateCi } from '../ci-write.ts';
import { type Ci, isServiceCiId, replaceAsPatch } from '../domain/ci.ts';
import { createCiBody, replaceCiBody } from '../schemas/ci.ts';
import { getCi } from '../store/ci-store.ts';

/*
 * /cis writes: admins create, replace and delete configuration items (agents and admins read them
 * through read-cis.ts, a function that only reads). A service's CI is the directory's record,
 * written through /services (409 ci-is-a-service).
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

export const handler = httpHandler(
  byRoute({
    'POST /cis': createCiRoute,
    'PUT /cis/{id}': replaceCiRoute,
    'DELETE /cis/{id}': deleteCiRoute,
  }),
);
