import { forbidden, notFound } from '../shared/errors.ts';
import type { ApiResult } from '../shared/http/handler.ts';
import { etagOf } from '../shared/http/handler.ts';
import { commitIdempotently, type IdempotencyClaim } from '../shared/store/idempotency.ts';
import { retryOnConflict } from '../shared/store/retry.ts';
import { named, TransactionRefused } from '../shared/store/transaction.ts';
import { canSeeRequest } from './access.ts';
import type { RequestActor, ServiceRequest } from './domain/request.ts';
import { REQUEST_ITEM, requestWrite } from './request-write.ts';
import type { RequestNote } from './schemas/request-responses.ts';
import { findRequest, getRequest, newId, requestNotePut } from './store/request-store.ts';

/*
 * A note on a request, whoever writes it: POST /requests/{id}/notes and a requester's reply by
 * e-mail (operations.ts addRequestNote). Apart from operations.ts so that the notes function does
 * not bundle the ordering path (forms, the workflow client).
 */

/** How often a note is written again when the request moved between its read and the note's commit. */
const NOTE_ATTEMPTS = 3;

export interface AddRequestNoteInput {
  requestIdOrNumber: string;
  author: RequestActor;
  text: string;
  /** Only agents write work notes. */
  visibility: 'public' | 'work';
  source: RequestNote['source'];
  /** The caller's Idempotency-Key, claimed for the request's canonical address once its id is known. */
  idempotency?: (requestId: string) => IdempotencyClaim | undefined;
}

/**
 * Adds a note to a request the author may see (404 otherwise): the note, a `note_added` history
 * record and Request Note Added (which note, never its text), in one transaction that checks the
 * request is still at the version read (retried against a fresh read when it moved).
 */
export async function addRequestNoteResult(input: AddRequestNoteInput): Promise<{ result: ApiResult; note: RequestNote }> {
  const { author } = input;
  if (input.visibility === 'work' && !author.isAgent) throw forbidden('Only agents write work notes');
  const first = await findRequest(input.requestIdOrNumber);
  if (first === undefined || !canSeeRequest(first, author)) throw notFound(`Request ${input.requestIdOrNumber}`);
  const noteId = newId();
  const claim = input.idempotency?.(first.id);
  return retryOnConflict(
    async (attempt) => {
      const request = attempt === 1 ? first : await getRequest(first.id);
      if (request === undefined) throw notFound(`Request ${input.requestIdOrNumber}`);
      const now = new Date();
      const note: RequestNote = {
        id: noteId,
        requestId: request.id,
        visibility: input.visibility,
        text: input.text,
        author: author.userId,
        source: input.source,
        createdAt: now.toISOString(),
      };
      const items = requestWrite({
        before: request,
        after: request,
        actor: author.userId,
        changes: [],
        now,
        action: 'note_added',
        noteVisibility: note.visibility,
        event: { type: 'Request Note Added', note: { id: note.id, visibility: note.visibility, author: note.author }, ...noteRecipients(request, note) },
      });
      items.push(named('request-note', requestNotePut(note)));
      const result = await commitIdempotently(items, claim, { status: 201, body: note, headers: { etag: etagOf(request.version) } }, now);
      return { result, note: result.body as RequestNote };
    },
    { attempts: NOTE_ATTEMPTS, isConflict: (error) => error instanceof TransactionRefused && error.has(REQUEST_ITEM) },
  );
}

/** A public note by an agent tells the requester; a note by the requester (or a work note) tells nobody in particular. */
function noteRecipients(request: ServiceRequest, note: RequestNote): { recipients?: { users: string[]; groups: string[] } } {
  if (note.visibility === 'public' && note.author !== request.requester) return { recipients: { users: [request.requester], groups: [] } };
  return { recipients: { users: [], groups: [] } };
}
