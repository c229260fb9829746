import { type ApiRequest, byRoute, httpHandler } from '../../shared/http/handler.ts';
import { claimIdempotencyKey, commitIdempotently } from '../../shared/store/idempotency.ts';
import { retryOnConflict } from '../../shared/store/retry.ts';
import { TransactionRefused } from '../../shared/store/transaction.ts';
import { assertChangeAgent, loadChange, readOfChange } from '../access.ts';
import { CHANGE_ITEM, changeRequestWrite } from '../change-request-write.ts';
import { addChangeNoteBody, type ChangeNote, changePageQuery } from '../schemas/change.ts';
import { changeNotePut, listChangeHistory, listChangeNotes, newId } from '../store/change-store.ts';

/** A note on a change that moved meanwhile is simply added to its new version. */
const NOTE_ATTEMPTS = 3;

/**
 * Work notes: changes are agents' work, so every note is internal. The note, its history record and
 * the Change Note Added event (which note and who wrote it, never its body) commit together, and
 * leave the change and its ETag as they were.
 */
async function addNote(request: ApiRequest, target: { changeId?: string }) {
  const principal = request.principal;
  assertChangeAgent(principal);
  const input = request.body(addChangeNoteBody);
  // A retry reads by id: strongly consistent, where the number's index may still show the old version.
  const change = await loadChange(target.changeId ?? request.pathParam('id'));
  target.changeId = change.id;
  const claim = claimIdempotencyKey(request, input, `/changes/${change.id}/notes`);

  const now = new Date();
  const note: ChangeNote = { id: newId(), changeId: change.id, body: input.body, author: principal.userId, createdAt: now.toISOString() };
  const reference = { id: note.id, visibility: 'work' as const, author: note.author };
  const group = change.assignmentGroup === undefined ? [] : [change.assignmentGroup];
  const items = changeRequestWrite({
    before: change,
    after: change,
    actor: principal.userId,
    changes: [],
    now,
    action: 'note_added',
    event: { type: 'Change Note Added', recipients: { users: [], groups: group }, note: reference },
  });
  return commitIdempotently([...items, changeNotePut(note)], claim, { status: 201, body: note }, now);
}

export const handler = httpHandler(
  byRoute({
    'POST /changes/{id}/notes': (request) => {
      const target: { changeId?: string } = {};
      return retryOnConflict(() => addNote(request, target), {
        attempts: NOTE_ATTEMPTS,
        isConflict: (error) => error instanceof TransactionRefused && error.has(CHANGE_ITEM),
      });
    },
    /** Oldest first, like a conversation; one round trip by id. */
    'GET /changes/{id}/notes': async (request) => {
      assertChangeAgent(request.principal);
      const { limit, cursor } = request.query(changePageQuery);
      const options = { limit, ...(cursor === undefined ? {} : { cursor }) };
      return { status: 200, body: await readOfChange(request.pathParam('id'), (changeId) => listChangeNotes(changeId, options)) };
    },
    /** The audit trail, oldest first; read-only: no route updates or deletes a record. */
    'GET /changes/{id}/history': async (request) => {
      assertChangeAgent(request.principal);
      const { limit, cursor } = request.query(changePageQuery);
      const options = { limit, ...(cursor === undefined ? {} : { cursor }) };
      return { status: 200, body: await readOfChange(request.pathParam('id'), (changeId) => listChangeHistory(changeId, options)) };
    },
  }),
);
