import { fieldError, notFound, validationFailed } from '../../shared/errors.ts';
import { type ApiRequest, byRoute, httpHandler } from '../../shared/http/handler.ts';
import { claimIdempotencyKey, commitIdempotently, previousResponse } from '../../shared/store/idempotency.ts';
import { TransactionRefused } from '../../shared/store/transaction.ts';
import { prepareRelationshipAddition, removeRelationship } from '../relationships.ts';
import { relationshipBody, removeRelationshipQuery } from '../schemas/relationships.ts';

/*
 * POST and DELETE /cis/{id}/relationships: agents and admins add and remove relationships; to
 * requesters the CMDB does not exist (404). The reads (the list, the impact) are
 * handlers/read-ci-relationships.ts, in a function that only reads the table.
 */

function assertCmdbAgent(request: ApiRequest): void {
  if (!request.principal.isAgent) throw notFound(`CI ${request.pathParam('id')}`);
}

/** DELETE names the relationship in its JSON body, or in ?type=&target= for clients that cannot send a body with DELETE. */
function relationshipToRemove(request: ApiRequest) {
  if (request.rawBody() !== undefined) return request.body(relationshipBody);
  const query = request.query(removeRelationshipQuery);
  if (query.type === undefined || query.target === undefined) {
    throw validationFailed(
      [
        ...(query.type === undefined ? [fieldError('query', ['type'], 'Required without a body')] : []),
        ...(query.target === undefined ? [fieldError('query', ['target'], 'Required without a body')] : []),
      ],
      'Name the relationship in a JSON body {type, target}, or in the query parameters type and target',
    );
  }
  return { type: query.type, target: query.target };
}

export const handler = httpHandler(
  byRoute({
    'POST /cis/{id}/relationships': async (request) => {
      assertCmdbAgent(request);
      const body = request.body(relationshipBody);
      const from = request.pathParam('id');
      const claim = claimIdempotencyKey(request, body, `/cis/${from}/relationships`);
      // A retry of an addition that was made answers as the first did, even if the CIs changed since (retired).
      const [replay, addition] = await Promise.allSettled([
        previousResponse(claim),
        prepareRelationshipAddition({ from, type: body.type, to: body.target }, { actor: request.principal.userId, origin: 'manual' }),
      ]);
      if (replay.status === 'rejected') throw replay.reason;
      if (replay.value !== undefined) return replay.value;
      if (addition.status === 'rejected') throw addition.reason;
      const created = { status: 201, body: addition.value.relationship, headers: { location: `/cis/${encodeURIComponent(from)}/relationships` } };
      try {
        return await commitIdempotently(addition.value.entries, claim, created);
      } catch (error) {
        throw error instanceof TransactionRefused ? addition.value.refusal(error) : error;
      }
    },
    'DELETE /cis/{id}/relationships': async (request) => {
      assertCmdbAgent(request);
      const named = relationshipToRemove(request);
      await removeRelationship({ from: request.pathParam('id'), type: named.type, to: named.target }, { actor: request.principal.userId });
      return { status: 204 };
    },
  }),
);
