import { httpHandler } from '../../shared/http/handler.ts';
import { claimIdempotencyKey } from '../../shared/store/idempotency.ts';
import { submitRequestResult } from '../operations.ts';
import { createRequestBody } from '../schemas/request.ts';

/**
 * POST /requests: anyone signed in orders a catalog item they may order. Two round trips (the
 * item, a number, the configuration and the requester's user in one; then the transaction), then
 * the workflow's start: operations.ts submitRequest, the path e-mail takes too.
 */
export const handler = httpHandler(async (request) => {
  const input = request.body(createRequestBody);
  const claim = claimIdempotencyKey(request, input);
  const { result } = await submitRequestResult({
    requester: request.principal,
    itemId: input.item,
    answers: input.answers,
    source: 'api',
    ...(claim === undefined ? {} : { idempotency: claim }),
  });
  return result;
});
