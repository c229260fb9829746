import { type ApiRequest, byRoute, httpHandler } from '../../shared/http/handler.ts';
import { claimIdempotencyKey, commitIdempotently } from '../../shared/store/idempotency.ts';
import { retryOnConflict } from '../../shared/store/retry.ts';
import { TransactionRefused } from '../../shared/store/transaction.ts';
import { assertProblemAgent, loadProblem, readOfProblem } from '../access.ts';
import { problemOwners } from '../domain/events.ts';
import { PROBLEM_ITEM, problemWrite } from '../problem-write.ts';
import { addProblemNoteBody, type ProblemNote, problemPageQuery } from '../schemas/problem.ts';
import { listProblemHistory, listProblemNotes, newId, problemNotePut } from '../store/problem-store.ts';

/** A note on a problem that moved meanwhile is simply added to its new version. */
const NOTE_ATTEMPTS = 3;

/**
 * Work notes: problems are agents' work, so every note is internal. The note, its history record
 * and the Problem Note Added event (which note and who wrote it, never its body) commit together,
 * and leave the problem and its ETag as they were.
 */
async function addNote(request: ApiRequest, target: { problemId?: string }) {
  const principal = request.principal;
  const input = request.body(addProblemNoteBody);
  // A retry reads by id: strongly consistent, where the number's index may still show the old version.
  const problem = await loadProblem(target.problemId ?? request.pathParam('id'));
  target.problemId = problem.id;
  const claim = claimIdempotencyKey(request, input, `/problems/${problem.id}/notes`);

  const now = new Date();
  const note: ProblemNote = { id: newId(), problemId: problem.id, body: input.body, author: principal.userId, createdAt: now.toISOString() };
  const items = problemWrite({
    before: problem,
    after: problem,
    actor: principal.userId,
    changes: [],
    now,
    action: 'note_added',
    event: { type: 'Problem Note Added', recipients: problemOwners(problem), note: { id: note.id, visibility: 'work', author: note.author } },
  });
  return commitIdempotently([...items, problemNotePut(note)], claim, { status: 201, body: note }, now);
}

const pageOptions = (request: ApiRequest) => {
  const { limit, cursor } = request.query(problemPageQuery);
  return { limit, ...(cursor === undefined ? {} : { cursor }) };
};

export const handler = httpHandler(
  byRoute({
    'POST /problems/{id}/notes': (request) => {
      assertProblemAgent(request.principal, `Problem ${request.pathParam('id')}`);
      const target: { problemId?: string } = {};
      return retryOnConflict(() => addNote(request, target), {
        attempts: NOTE_ATTEMPTS,
        isConflict: (error) => error instanceof TransactionRefused && error.has(PROBLEM_ITEM),
      });
    },
    /** Oldest first, like a conversation; one round trip by id. */
    'GET /problems/{id}/notes': async (request) => {
      assertProblemAgent(request.principal, `Problem ${request.pathParam('id')}`);
      const options = pageOptions(request);
      return { status: 200, body: await readOfProblem(request.pathParam('id'), (problemId) => listProblemNotes(problemId, options)) };
    },
    /** The audit trail, oldest first; read-only: no route updates or deletes a record. */
    'GET /problems/{id}/history': async (request) => {
      assertProblemAgent(request.principal, `Problem ${request.pathParam('id')}`);
      const options = pageOptions(request);
      return { status: 200, body: await readOfProblem(request.pathParam('id'), (problemId) => listProblemHistory(problemId, options)) };
    },
  }),
);
