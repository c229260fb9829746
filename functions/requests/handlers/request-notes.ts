import { byRoute, httpHandler } from '../../shared/http/handler.ts';
import { claimIdempotencyKey } from '../../shared/store/idempotency.ts';
import { readOfVisibleRequest } from '../access.ts';
import { addRequestNoteResult } from '../note-write.ts';
import { addRequestNoteBody, requestPageQuery } from '../schemas/request.ts';
import { listRequestHistory, listRequestNotes } from '../store/request-store.ts';

export const handler = httpHandler(
  byRoute({
    /**
     * Anyone who may see the request adds a public note; agents add work notes too. The note, a
     * history record and Request Note Added commit together; the request's ETag does not move.
     */
    'POST /requests/{id}/notes': async (request) => {
      const input = request.body(addRequestNoteBody);
      const { result } = await addRequestNoteResult({
        requestIdOrNumber: request.pathParam('id'),
        author: request.principal,
        text: input.text,
        visibility: input.visibility,
        source: 'api',
        idempotency: (requestId) => claimIdempotencyKey(request, input, `/requests/${requestId}/notes`),
      });
      return result;
    },
    /** Oldest first; anyone but an agent sees the public notes only. One round trip by id. */
    'GET /requests/{id}/notes': async (request) => {
      const { principal } = request;
      const { limit, cursor } = request.query(requestPageQuery);
      const options = { limit, publicOnly: !principal.isAgent, ...(cursor === undefined ? {} : { cursor }) };
      return { status: 200, body: await readOfVisibleRequest(principal, request.pathParam('id'), (id) => listRequestNotes(id, options)) };
    },
    /** The audit trail, oldest first; anyone but an agent does not see that work notes were added. */
    'GET /requests/{id}/history': async (request) => {
      const { principal } = request;
      const { limit, cursor } = request.query(requestPageQuery);
      const options = { limit, ...(cursor === undefined ? {} : { cursor }) };
      const page = await readOfVisibleRequest(principal, request.pathParam('id'), (id) => listRequestHistory(id, options));
      return {
        status: 200,
        body: principal.isAgent ? page : { ...page, items: page.items.filter((record) => record.noteVisibility !== 'work') },
      };
    },
  }),
);
