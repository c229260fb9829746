import type * as z from 'zod';
import { notFound, preconditionFailed } from '../../shared/errors.ts';
import { type ApiRequest, byRoute, etagOf, httpHandler } from '../../shared/http/handler.ts';
import { claimIdempotencyKey, commitIdempotently, previousResponse } from '../../shared/store/idempotency.ts';
import { retryOnConflict } from '../../shared/store/retry.ts';
import { type TransactionEntry, TransactionRefused, transactWrite } from '../../shared/store/transaction.ts';
import { canSeeRequest } from '../access.ts';
import { cancelRequest, closeRequest, pendingStage } from '../domain/lifecycle.ts';
import { REQUEST_ITEM, requestWrite } from '../request-write.ts';
import { mapRequestErrors, requestResponse } from '../responses.ts';
import { cancelRequestBody, patchRequestBody } from '../schemas/request.ts';
import { askedDeletes } from '../store/order-checks.ts';
import { findRequest, getRequest, isRequestId } from '../store/request-store.ts';
import { stopFulfilment } from '../workflow.ts';

/** DynamoDB's limit on the items of one transaction (the idempotency record included). */
const TRANSACTION_ITEM_LIMIT = 99;

/** A cancel that met a request moving (a vote, a workflow step) reads it again and decides again. */
const CANCEL_ATTEMPTS = 3;

/**
 * PATCH /requests/{id}: close a fulfilled request (its requester or an agent). Needs If-Match: a
 * request that moved since it was read is 412. Two round trips: the read, the transaction.
 */
async function patchRequest(request: ApiRequest) {
  const { principal } = request;
  const idOrNumber = request.pathParam('id');
  const ifMatch = request.ifMatch();
  request.body(patchRequestBody);
  const current = await findRequest(idOrNumber);
  if (current === undefined || !canSeeRequest(current, principal)) throw notFound(`Request ${idOrNumber}`);
  ifMatch.check(current.version);
  const now = new Date();
  const { after, changes } = await mapRequestErrors(() => closeRequest(current, { actor: principal, now }));
  try {
    await transactWrite(requestWrite({ before: current, after, actor: principal.userId, changes, now }));
    return requestResponse(200, after);
  } catch (error) {
    if (error instanceof TransactionRefused && error.has(REQUEST_ITEM)) {
      const moved = error.item(REQUEST_ITEM);
      throw preconditionFailed(moved === undefined ? undefined : etagOf(Number(moved.version)));
    }
    throw error;
  }
}

/**
 * POST /requests/{id}/cancel: the requester (their own) or an agent takes the request back before
 * its fulfilment starts. The request (canceled, its pending stage withdrawn), the deletion of the
 * asked-approver items of that stage, history and Request Canceled commit together; then its
 * workflow is stopped. Idempotency-Key makes a retry answer the first cancel (by id: still one
 * read round, the stored response read with the request; by number: one round more).
 */
async function cancel(request: ApiRequest) {
  const { principal } = request;
  const idOrNumber = request.pathParam('id');
  // The body is optional ({ reason? }): a cancel without one is a cancel without a reason.
  const input: z.output<typeof cancelRequestBody> = request.rawBody() === undefined ? {} : request.body(cancelRequestBody);
  const claimFor = (id: string) => claimIdempotencyKey(request, input, `/requests/${id}/cancel`);
  // A retry answers as the first cancel did, before the rules (which refuse a request canceled
  // already) are applied again. Addressed by id, the stored response is read with the request.
  const byId = isRequestId(idOrNumber);
  const [first, replayById] = await Promise.all([findRequest(idOrNumber), byId ? previousResponse(claimFor(idOrNumber)) : undefined]);
  if (first === undefined || !canSeeRequest(first, principal)) throw notFound(`Request ${idOrNumber}`);
  const claim = claimFor(first.id);
  const replay = byId ? replayById : await previousResponse(claim);
  if (replay !== undefined) return replay;
  const { result, canceled } = await retryOnConflict(
    async (attempt) => {
      const current = attempt === 1 ? first : await getRequest(first.id);
      if (current === undefined) throw notFound(`Request ${idOrNumber}`);
      const now = new Date();
      const { after, changes } = await mapRequestErrors(() =>
        cancelRequest(current, { actor: principal, ...(input.reason === undefined ? {} : { reason: input.reason }), now }),
      );
      const stage = pendingStage(current);
      const items: TransactionEntry[] = requestWrite({ before: current, after, actor: principal.userId, changes, now });
      const asked = stage === undefined ? [] : askedDeletes(current.id, stage.index, stage.approvers ?? []);
      // The asked-approver entries go in the same transaction when they fit (a stage of fewer than
      // ~95 approvers); a larger group's follow right after, unconditional Deletes, harmless to repeat.
      const together = items.length + asked.length <= TRANSACTION_ITEM_LIMIT;
      const result = await commitIdempotently(together ? [...items, ...asked] : items, claim, requestResponse(200, after), now);
      for (let i = 0; !together && i < asked.length; i += TRANSACTION_ITEM_LIMIT) await transactWrite(asked.slice(i, i + TRANSACTION_ITEM_LIMIT));
      return { result, canceled: after };
    },
    { attempts: CANCEL_ATTEMPTS, isConflict: (error) => error instanceof TransactionRefused && error.has(REQUEST_ITEM) },
  );
  await stopFulfilment(canceled, 'RequestCanceled', principal.userId);
  return result;
}

export const handler = httpHandler(
  byRoute({
    'PATCH /requests/{id}': patchRequest,
    'POST /requests/{id}/cancel': cancel,
  }),
);
