import { fieldError, HttpError, notFound, validationFailed } from '../../shared/errors.ts';
import { type ApiRequest, byRoute, httpHandler } from '../../shared/http/handler.ts';
import { claimIdempotencyKey, commitIdempotently, previousResponse } from '../../shared/store/idempotency.ts';
import { TransactionRefused } from '../../shared/store/transaction.ts';
import { SERVICE_CLASS, summarizeCi } from '../domain/ci.ts';
import { ImpactTooLarge, impactOf } from '../impact.ts';
import { prepareRelationshipAddition, relationshipsOf, removeRelationship } from '../relationships.ts';
import { impactQuery, relationshipBody, removeRelationshipQuery } from '../schemas/relationships.ts';
import { getCi, getCis } from '../store/ci-store.ts';

/*
 * POST/DELETE/GET /cis/{id}/relationships and GET /cis/{id}/impact. Agents and admins add and
 * remove relationships and read impact; to requesters the CMDB does not exist (404).
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
    'GET /cis/{id}/relationships': async (request) => {
      assertCmdbAgent(request);
      const id = request.pathParam('id');
      const [ci, relationships] = await Promise.all([getCi(id), relationshipsOf(id)]);
      if (ci === undefined) throw notFound(`CI ${id}`);
      const others = await getCis(relationships.map((relationship) => relationship.target));
      const items = relationships.map((relationship) => {
        const other = others.get(relationship.target);
        return other === undefined ? relationship : { ...relationship, targetCi: summarizeCi(other) };
      });
      return { status: 200, body: { items } };
    },
    'GET /cis/{id}/impact': async (request) => {
      assertCmdbAgent(request);
      const id = request.pathParam('id');
      const { direction, depth } = request.query(impactQuery);
      try {
        const impact = await impactOf([id], { direction, depth });
        const [ci] = impact.asked;
        if (ci === undefined) throw notFound(`CI ${id}`);
        const impacted = impact.impacted.map(({ ci, depth, path }) => ({ ci, depth, path }));
        const services = impact.impacted.filter((entry) => entry.ci.class === SERVICE_CLASS).map((entry) => entry.ci.id);
        return { status: 200, body: { ci, direction, depth, impacted, services } };
      } catch (error) {
        if (!(error instanceof ImpactTooLarge)) throw error;
        const smaller =
          error.suggestedDepth === undefined ? 'even its nearest relationships are more than that' : `ask again with depth=${error.suggestedDepth} or less`;
        throw new HttpError(
          400,
          'impact-too-large',
          'Impact too large',
          `The impact of CI ${id} at depth ${depth} reads more than ${error.budget} relationships (${error.itemsRead} read when it stopped, at depth ${error.depthReading}): ${smaller}`,
          { itemsRead: error.itemsRead, budget: error.budget, ...(error.suggestedDepth === undefined ? {} : { suggestedDepth: error.suggestedDepth }) },
        );
      }
    },
  }),
);
