import { getUser } from '../directory/store/users.ts';
import { conflict, fieldError, forbidden, notFound, validationFailed } from '../shared/errors.ts';
import type { ApiResult } from '../shared/http/handler.ts';
import { commitIdempotently, type IdempotencyClaim, previousResponse } from '../shared/store/idempotency.ts';
import { retryOnConflict } from '../shared/store/retry.ts';
import { type TransactionEntry, TransactionRefused } from '../shared/store/transaction.ts';
import type { CatalogItem } from './domain/catalog.ts';
import { formFields, formTitles, validateAnswers } from './domain/form.ts';
import { needsManager, openRequest, type RequestActor, requestCreationChanges, type ServiceRequest } from './domain/request.ts';
import { type AddRequestNoteInput, addRequestNoteResult } from './note-write.ts';
import { requestWrite } from './request-write.ts';
import { requestResponse } from './responses.ts';
import { getCatalogItem } from './store/catalog-store.ts';
import { CATALOG_VERSION_CHECK, catalogVersionCheck, groupMemberCheck, groupsHolding, ORDERING_GROUP_CHECK } from './store/order-checks.ts';
import { getRequestConfig } from './store/request-config-store.ts';
import { allocateRequestNumber, newId } from './store/request-store.ts';
import { fulfilmentExecution, startFulfilmentAfterCommit } from './workflow.ts';

/*
 * What other areas do with service requests (functions/email opens requests and adds notes by
 * mail), and the code the HTTP handlers run for the same things: one path, whoever asks. What
 * other areas only read is in ./reads.ts, which keeps the form validator and workflow client out.
 */

/** Who orders or writes: a user id and their role (shared/http/principal.ts Principal fits). */
export interface RequestPrincipal extends RequestActor {
  isAdmin: boolean;
}

export interface SubmitRequestInput {
  requester: RequestPrincipal;
  itemId: string;
  answers: Record<string, unknown>;
  source: ServiceRequest['source'];
  /** The caller's Idempotency-Key, claimed (shared/store/idempotency.ts): a retry answers the first request. */
  idempotency?: IdempotencyClaim;
}

/** How often an order is placed again when the catalog item changed between its read and its commit. */
const PLACEMENT_ATTEMPTS = 3;

/** The catalog item, if it can be ordered now: 404 when it is not there or inactive (its groups are checked after: notOrderable). */
function orderable(item: CatalogItem | undefined, itemId: string): CatalogItem {
  if (item === undefined || !item.active) throw notFound(`Catalog item ${itemId}`);
  return item;
}

/**
 * Validates and places one order: reads in ONE round (the catalog item, a number, the request
 * configuration, the requester's user record for their manager, and the Idempotency-Key's stored
 * response when a key was sent), then ONE transaction (the
 * request, its history and Request Submitted, a check that the item is still the version read,
 * and, for an item one group may order, that the requester is still in it). An item several
 * groups may order reads its groups first (one BatchGet more).
 */
async function placeRequest(input: SubmitRequestInput): Promise<{ result: ApiResult; request: ServiceRequest }> {
  const { requester } = input;
  const [found, sequence, config, user, replay] = await Promise.all([
    getCatalogItem(input.itemId),
    allocateRequestNumber(),
    getRequestConfig(),
    getUser(requester.userId),
    previousResponse(input.idempotency),
  ]);
  // A retry answers as the first request did, whatever became of the item since (withdrawn, its
  // form changed): it is answered before anything is checked. Its workflow is started again (the same execution, by name).
  if (replay !== undefined) {
    const placed = replay.body as ServiceRequest;
    await startFulfilmentAfterCommit(placed, config);
    return { result: replay, request: placed };
  }
  const item = orderable(found, input.itemId);
  const groups = item.orderableBy.groups;
  const checks: TransactionEntry[] = [catalogVersionCheck(item)];
  if (groups.length === 1) checks.push(groupMemberCheck(groups[0] as string, requester.userId));
  if (groups.length > 1 && (await groupsHolding(groups, requester.userId)).length === 0) throw notOrderable(item, requester);

  const issues = validateAnswers(item.form, input.answers);
  if (issues.length > 0) {
    throw validationFailed(
      issues.map((issue) => fieldError('body', ['answers', ...issue.path], issue.message)),
      `The answers do not fit the form of ${item.name}: ${issues.map((issue) => issue.message).join('; ')}`,
    );
  }
  const titles = formTitles(item.form);
  const manager = user?.active === false ? undefined : user?.manager;
  if (needsManager({ approval: item.approval, fulfilment: item.fulfilment, formTitles: titles }) && manager === undefined) {
    throw conflict(
      'no-manager',
      'No manager to approve',
      `${item.name} needs the approval of your manager, and the directory names no manager for ${requester.userId}: ask an admin to set one on your user`,
    );
  }
  const now = new Date();
  const draft = openRequest({
    id: newId(),
    sequence,
    item,
    formFields: formFields(item.form),
    answers: input.answers,
    requester: requester.userId,
    ...(manager === undefined ? {} : { manager }),
    source: input.source,
    now,
  });
  const request: ServiceRequest = { ...draft, workflow: { executionArn: fulfilmentExecution(draft).executionArn } };
  const items = [...requestWrite({ after: request, actor: requester.userId, changes: requestCreationChanges(request), now }), ...checks];
  try {
    const result = await commitIdempotently(items, input.idempotency, requestResponse(201, request), now);
    // A replay answers the request placed the first time: its workflow is started again (the same execution, by name).
    const placed = result.headers?.['idempotent-replayed'] === 'true' ? (result.body as ServiceRequest) : request;
    await startFulfilmentAfterCommit(placed, config);
    return { result, request: placed };
  } catch (error) {
    if (error instanceof TransactionRefused && error.has(ORDERING_GROUP_CHECK)) throw notOrderable(item, requester);
    throw error;
  }
}

/**
 * An item the caller's groups may not order. To anyone but an agent it does not exist: 404, as GET
 * /catalog-items/{id} answers them. Agents read every item, so to them it is 403, naming the groups.
 */
const notOrderable = (item: CatalogItem, requester: RequestPrincipal): Error =>
  requester.isAgent ? forbidden(`${item.name} can be ordered by members of ${item.orderableBy.groups.join(', ')} only`) : notFound(`Catalog item ${item.id}`);

/** Places the order; the item changing between the read and the commit places it again (its form may have changed). */
export async function submitRequestResult(input: SubmitRequestInput): Promise<{ result: ApiResult; request: ServiceRequest }> {
  try {
    return await retryOnConflict(() => placeRequest(input), {
      attempts: PLACEMENT_ATTEMPTS,
      isConflict: (error) => error instanceof TransactionRefused && error.has(CATALOG_VERSION_CHECK),
    });
  } catch (error) {
    if (error instanceof TransactionRefused && error.has(CATALOG_VERSION_CHECK)) {
      throw conflict(
        'catalog-item-changed',
        'Catalog item changed',
        `Catalog item ${input.itemId} kept changing while the request was placed: read it and order again`,
      );
    }
    throw error;
  }
}

/** Orders a catalog item, as POST /requests does (answer errors as HttpError 400 naming the form's titles). */
export async function submitRequest(input: SubmitRequestInput): Promise<ServiceRequest> {
  return (await submitRequestResult(input)).request;
}

export type { AddRequestNoteInput };

/**
 * Adds a public note (the e-mail reply of a requester), as POST /requests/{id}/notes does.
 * `idempotency`: a claim for the request's id, so that a redelivered message adds its note once.
 */
export async function addRequestNote(input: AddRequestNoteInput): Promise<{ noteId: string }> {
  const { note } = await addRequestNoteResult(input);
  return { noteId: note.id };
}
