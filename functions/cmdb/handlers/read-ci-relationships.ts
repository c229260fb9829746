import { HttpError, notFound } from '../../shared/errors.ts';
import { type ApiRequest, byRoute, httpHandler } from '../../shared/http/handler.ts';
import { SERVICE_CLASS, summarizeCi } from '../domain/ci.ts';
import { ImpactTooLarge, impactOf } from '../impact.ts';
import { relationshipPageOf } from '../relationships.ts';
import { impactQuery, relationshipPageQuery } from '../schemas/relationships.ts';
import { getCi, getCis } from '../store/ci-store.ts';

/*
 * GET /cis/{id}/relationships and GET /cis/{id}/impact: reads only, in a function that only reads
 * the table (least privilege; the writes are handlers/ci-relationships.ts). Agents and admins; to
 * requesters the CMDB does not exist (404).
 */

function assertCmdbAgent(request: ApiRequest): void {
  if (!request.principal.isAgent) throw notFound(`CI ${request.pathParam('id')}`);
}

export const handler = httpHandler(
  byRoute({
    'GET /cis/{id}/relationships': async (request) => {
      assertCmdbAgent(request);
      const id = request.pathParam('id');
      const { limit, cursor } = request.query(relationshipPageQuery);
      const [ci, page] = await Promise.all([getCi(id), relationshipPageOf(id, limit, cursor)]);
      if (ci === undefined) throw notFound(`CI ${id}`);
      // The other ends of this page only.
      const others = await getCis(page.items.map((relationship) => relationship.target));
      const items = page.items.map((relationship) => {
        const other = others.get(relationship.target);
        return other === undefined ? relationship : { ...relationship, targetCi: summarizeCi(other) };
      });
      return { status: 200, body: { items, ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }) } };
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
