import { priorityMatrixInForce } from '../../incidents/reads.ts';
import { conflict, notFound, validationFailed } from '../../shared/errors.ts';
import { type ApiResult, byRoute, etagOf, httpHandler } from '../../shared/http/handler.ts';
import { fieldCheckErrors, fieldCheckItems } from '../../shared/store/field-checks.ts';
import { claimIdempotencyKey, commitIdempotently, previousResponse } from '../../shared/store/idempotency.ts';
import { retryOnConflict } from '../../shared/store/retry.ts';
import { TransactionRefused, transactWrite } from '../../shared/store/transaction.ts';
import { assertProblemAgent } from '../access.ts';
import {
  acceptCandidate,
  CANDIDATE_ACCEPTED,
  CANDIDATE_DISMISSED,
  CandidateNotOpen,
  dismissCandidate,
  type ProblemCandidate,
  problemFromCandidate,
} from '../domain/candidate.ts';
import { openProblem, type Problem, problemCreationChanges } from '../domain/problem.ts';
import { linkIncidentsToProblem } from '../links/link-incidents.ts';
import { problemReferenceChecks, problemWrite } from '../problem-write.ts';
import { problemResponse } from '../responses.ts';
import { dismissProblemCandidateBody, listProblemCandidatesQuery } from '../schemas/recurrence.ts';
import { CANDIDATE_ITEM, candidateDecisionEntries, candidateReplace, getCandidate, listCandidates } from '../store/candidate-store.ts';
import { allocateProblemNumber, getProblemById, newId } from '../store/problem-store.ts';
import { candidateReportEntry } from '../store/report-store.ts';

/*
 * Problem candidates (recorded by handlers/detect-recurring-incidents.ts): agents list them, accept
 * one (a problem opens with its incidents linked) or dismiss it with a reason. Requesters get 404,
 * as on every problem route.
 */

const present = (candidate: ProblemCandidate): ApiResult => ({
  status: 200,
  body: candidate,
  headers: { etag: etagOf(candidate.version), location: `/problem-candidates/${candidate.id}` },
});

const notOpen = (candidate: ProblemCandidate) =>
  conflict(
    'invalid-transition',
    'Transition not allowed',
    `Candidate ${candidate.number} is ${candidate.status}; only an open candidate can be accepted or dismissed`,
    {
      from: candidate.status,
      allowedTransitions: [],
    },
  );

async function readCandidate(id: string): Promise<ProblemCandidate> {
  const candidate = await getCandidate(id);
  if (candidate === undefined) throw notFound(`Problem candidate ${id}`);
  return candidate;
}

/** Another agent accepted or dismissed it in between: read it again and decide again. */
const CANDIDATE_ATTEMPTS = 3;
const candidateMoved = (error: unknown): boolean => error instanceof TransactionRefused && error.has(CANDIDATE_ITEM);

/**
 * Opens the candidate's problem, through the problem's write unit, in ONE transaction with the
 * candidate marked accepted (naming the problem), its history record and event, and the report's
 * counter: of two accepts, one commits, and the other reads the candidate again and answers the
 * same problem.
 */
async function openCandidateProblem(id: string, actor: { userId: string }): Promise<{ problem: Problem; created: boolean }> {
  return retryOnConflict(
    async () => {
      const candidate = await readCandidate(id);
      if (candidate.status === 'dismissed') throw notOpen(candidate);
      if (candidate.status === 'accepted' && candidate.acceptance !== undefined) {
        const { problem: named } = candidate.acceptance;
        const problem = await getProblemById(named.id);
        if (problem === undefined) throw new Error(`Candidate ${candidate.number} names problem ${named.number}, which does not exist`);
        return { problem, created: false };
      }
      const now = new Date();
      const [sequence, matrix] = await Promise.all([allocateProblemNumber(), priorityMatrixInForce()]);
      const problem = openProblem(problemFromCandidate(candidate), { id: newId(), sequence, actor, now, matrix });
      const accepted = acceptCandidate(candidate, { id: problem.id, number: problem.number }, actor.userId, now.toISOString());
      const references = problemReferenceChecks(undefined, problem);
      try {
        await transactWrite([
          ...problemWrite({ after: problem, actor: actor.userId, changes: problemCreationChanges(problem), now }),
          candidateReplace(accepted),
          ...candidateDecisionEntries(candidate, accepted, actor.userId, CANDIDATE_ACCEPTED),
          ...candidateReportEntry('accepted'),
          ...fieldCheckItems(references),
        ]);
      } catch (error) {
        if (error instanceof TransactionRefused && !error.has(CANDIDATE_ITEM)) {
          // The service or its owner group went since the candidate was found.
          const errors = fieldCheckErrors(error, references);
          if (errors.length > 0)
            throw validationFailed(errors, 'The service or group the candidate names no longer exists; open the problem with POST /problems');
        }
        throw error;
      }
      return { problem, created: true };
    },
    { attempts: CANDIDATE_ATTEMPTS, isConflict: candidateMoved },
  );
}

export const handler = httpHandler(
  byRoute({
    'GET /problem-candidates': async (request) => {
      assertProblemAgent(request.principal, 'Problem candidates');
      const { status, limit, cursor } = request.query(listProblemCandidatesQuery);
      return { status: 200, body: await listCandidates(status, limit, cursor) };
    },

    'GET /problem-candidates/{id}': async (request) => {
      assertProblemAgent(request.principal, 'Problem candidates');
      return present(await readCandidate(request.pathParam('id')));
    },

    'POST /problem-candidates/{id}/accept': async (request) => {
      assertProblemAgent(request.principal, 'Problem candidates');
      const id = request.pathParam('id');
      // Accepting is idempotent by itself (again: the same problem); a key replays the first answer, 201 included.
      const claim = claimIdempotencyKey(request, undefined);
      const replay = await previousResponse(claim);
      if (replay !== undefined) return replay;
      const { problem, created } = await openCandidateProblem(id, request.principal);
      // Linking is the link operation's, one incident at a time (each one transaction on both
      // records). An accept that stopped half way is completed by accepting again.
      const candidate = await readCandidate(id);
      const { problem: linked, notLinked } = await linkIncidentsToProblem(problem, candidate.incidents, request.principal.userId);
      const answer = problemResponse(created ? 201 : 200, linked);
      // The candidate's incidents linked to another problem stay there: the answer says which, and where.
      const response = { ...answer, body: { ...(answer.body as object), notLinked } };
      return claim === undefined ? response : commitIdempotently([], claim, response);
    },

    'POST /problem-candidates/{id}/dismiss': async (request) => {
      assertProblemAgent(request.principal, 'Problem candidates');
      const id = request.pathParam('id');
      const body = request.body(dismissProblemCandidateBody);
      const claim = claimIdempotencyKey(request, body);
      return retryOnConflict(
        async () => {
          const candidate = await readCandidate(id);
          let dismissed: ProblemCandidate;
          try {
            dismissed = dismissCandidate(candidate, body.reason, request.principal.userId, new Date().toISOString());
          } catch (error) {
            if (!(error instanceof CandidateNotOpen)) throw error;
            // Dismissed by a first attempt of this very request: its answer replays.
            const replay = await previousResponse(claim);
            if (replay !== undefined) return replay;
            throw notOpen(candidate);
          }
          return commitIdempotently(
            [
              candidateReplace(dismissed),
              ...candidateDecisionEntries(candidate, dismissed, request.principal.userId, CANDIDATE_DISMISSED),
              ...candidateReportEntry('dismissed'),
            ],
            claim,
            present(dismissed),
          );
        },
        { attempts: CANDIDATE_ATTEMPTS, isConflict: candidateMoved },
      );
    },
  }),
);
