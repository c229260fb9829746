import { forbidden } from '../../shared/errors.ts';
import { byRoute, httpHandler } from '../../shared/http/handler.ts';
import { listTotal } from '../../shared/http/list-total.ts';
import { loadVisibleRequest } from '../access.ts';
import { REQUEST_COUNTS } from '../counts.ts';
import { presentRequest } from '../present.ts';
import { requestResponse } from '../responses.ts';
import { listRequestsQuery } from '../schemas/request.ts';
import { listRequests, listRequestsAwaiting } from '../store/request-store.ts';

export const handler = httpHandler(
  byRoute({
    /**
     * One Query, newest first (awaitingApprovalBy: one Query of who was asked, then one BatchGet);
     * `count=true` reads the counters beside it.
     * Agents list every request; anyone else lists their own, or those awaiting their own decision.
     */
    'GET /requests': async (request) => {
      const { principal } = request;
      const query = request.query(listRequestsQuery);
      const me = (value: string | undefined) => (value === 'me' ? principal.userId : value);
      let requester = me(query.requester);
      const approver = me(query.awaitingApprovalBy);
      if (!principal.isAgent) {
        if (approver !== undefined && approver !== principal.userId) throw forbidden("Only agents list what awaits someone else's decision");
        if (requester !== undefined && requester !== principal.userId) throw forbidden("Only agents list someone else's requests");
        // Awaiting their decision: others' requests, which asked them. Otherwise their own only.
        if (approver === undefined) requester = principal.userId;
      }
      const filters = {
        limit: query.limit,
        ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
        ...(query.status === undefined ? {} : { status: query.status }),
        ...(query.item === undefined ? {} : { item: query.item }),
        ...(requester === undefined ? {} : { requester }),
      };
      const counted = listTotal(query.count, REQUEST_COUNTS, { status: query.status, item: query.item, requester, awaitingApprovalBy: approver });
      const [page, total] = await Promise.all([approver === undefined ? listRequests(filters) : listRequestsAwaiting(approver, filters), counted]);
      return { status: 200, body: { ...page, ...total, items: page.items.map(presentRequest) } };
    },
    /** By id (one GetItem) or number (one Query); 404 for a request the caller may not see. */
    'GET /requests/{id}': async (request) => requestResponse(200, await loadVisibleRequest(request.principal, request.pathParam('id'))),
  }),
);
