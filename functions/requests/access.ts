import { notFound } from '../shared/errors.ts';
import type { RequestActor, ServiceRequest } from './domain/request.ts';
import { findRequest, getRequest, isRequestId } from './store/request-store.ts';

/*
 * Who sees a request: agents (and admins) see every request; anyone else sees the requests they
 * made, and those a stage of theirs asked them to decide on. To everyone else a request does not
 * exist: 404, as an incident someone else raised, so that not even its number leaks.
 */

/** Whether `actor` may read `request`: an agent, its requester, or someone one of its stages asked. */
export function canSeeRequest(request: ServiceRequest, actor: RequestActor): boolean {
  return actor.isAgent || request.requester === actor.userId || request.stages.some((stage) => stage.approvers?.includes(actor.userId) === true);
}

/** The request by id or number, if `actor` may see it; else 404 naming what was asked for. One round trip. */
export async function loadVisibleRequest(actor: RequestActor, idOrNumber: string): Promise<ServiceRequest> {
  const request = await findRequest(idOrNumber);
  if (request === undefined || !canSeeRequest(request, actor)) throw notFound(`Request ${idOrNumber}`);
  return request;
}

/**
 * Reads something of a request the actor may see (its notes, its history). Addressed by id, the
 * request and the read go out together: one round trip. A number is resolved first.
 */
export async function readOfVisibleRequest<T>(actor: RequestActor, idOrNumber: string, read: (requestId: string) => Promise<T>): Promise<T> {
  if (!isRequestId(idOrNumber)) return read((await loadVisibleRequest(actor, idOrNumber)).id);
  const [request, result] = await Promise.allSettled([getRequest(idOrNumber), read(idOrNumber)]);
  if (request.status === 'rejected') throw request.reason;
  // What was read is dropped unseen when the request is not the actor's to see.
  if (request.value === undefined || !canSeeRequest(request.value, actor)) throw notFound(`Request ${idOrNumber}`);
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}
