import { findIncidentForWrite } from '../../incidents/reads.ts';
import { fieldError, notFound, preconditionFailed, validationFailed } from '../../shared/errors.ts';
import { type ApiRequest, type ApiResult, byRoute, etagOf, httpHandler, type IfMatch } from '../../shared/http/handler.ts';
import { claimIdempotencyKey, commitIdempotently, previousResponse } from '../../shared/store/idempotency.ts';
import { retryOnConflict } from '../../shared/store/retry.ts';
import { TransactionRefused, transactWrite } from '../../shared/store/transaction.ts';
import { assertProblemAgent, findProblem, readOfProblem } from '../access.ts';
import {
  incidentAlreadyLinked,
  isLinkRace,
  LINK_ATTEMPTS,
  LINK_RETRY_WINDOW_MS,
  linkBackoff,
  linkContended,
  linkedIncidentView,
  linkRefusal,
  linkWrite,
  listLinkedIncidents,
  listProblemIncidentLinks,
  unlinkRefusal,
  unlinkWrite,
} from '../links/link-incidents.ts';
import { PROBLEM_ITEM } from '../problem-write.ts';
import { linkIncidentBody, listLinkedIncidentsQuery } from '../schemas/links.ts';

/*
 * POST /problems/{id}/incidents, GET /problems/{id}/incidents, DELETE /problems/{id}/incidents/{incident}
 * (agents; requesters 404). A link or an unlink is two round trips: the problem and the incident
 * read together, then one transaction on both (links/link-incidents.ts). If-Match is optional: a
 * link overwrites nothing the caller read, but a caller holding an ETag may still condition on it.
 */

function optionalIfMatch(request: ApiRequest): IfMatch | undefined {
  return request.header('if-match') === undefined ? undefined : request.ifMatch();
}

/** The problem (by id after a first attempt: strongly consistent, where the number's index may lag) and the incident, together. */
async function readBoth(target: { problemId?: string }, problemIdOrNumber: string, incidentIdOrNumber: string) {
  const [problem, incident] = await Promise.all([findProblem(target.problemId ?? problemIdOrNumber), findIncidentForWrite(incidentIdOrNumber)]);
  if (problem === undefined) throw notFound(`Problem ${problemIdOrNumber}`);
  target.problemId = problem.id;
  return { problem, incident };
}

/** A refused problem item is 412 when the caller named the version it expected; otherwise a race, read again. */
function problemMoved(error: TransactionRefused, ifMatch: IfMatch | undefined): TransactionRefused {
  if (error.has(PROBLEM_ITEM) && ifMatch !== undefined && !ifMatch.isAny) {
    const current = error.item(PROBLEM_ITEM);
    throw preconditionFailed(current === undefined ? undefined : etagOf(current.version as number));
  }
  return error;
}

async function link(request: ApiRequest, target: { problemId?: string }): Promise<ApiResult> {
  const input = request.body(linkIncidentBody);
  const ifMatch = optionalIfMatch(request);
  const { problem, incident } = await readBoth(target, request.pathParam('id'), input.incident);
  if (incident === undefined) throw validationFailed([fieldError('body', ['incident'], `There is no incident ${input.incident}`)]);
  ifMatch?.check(problem.version);
  const claim = claimIdempotencyKey(request, input, `/problems/${problem.id}/incidents`);
  if (incident.problem !== undefined) {
    // Linked to this problem by a first attempt of this very request: its stored answer replays.
    const replay = incident.problem.id === problem.id ? await previousResponse(claim) : undefined;
    if (replay !== undefined) return replay;
    throw incidentAlreadyLinked(incident, incident.problem);
  }
  const now = new Date();
  const write = linkWrite(problem, incident, request.principal.userId, now);
  const body = {
    problem: { id: problem.id, number: problem.number, version: write.problem.version, linkedIncidentCount: write.problem.linkedIncidentCount },
    incident: linkedIncidentView(write.link, write.incident),
  };
  try {
    return await commitIdempotently(
      write.items,
      claim,
      { status: 201, body, headers: { etag: etagOf(write.problem.version), location: `/problems/${problem.id}/incidents` } },
      now,
    );
  } catch (error) {
    if (!(error instanceof TransactionRefused)) throw error;
    const meaning = linkRefusal(error, problem, incident);
    throw meaning instanceof TransactionRefused ? problemMoved(meaning, ifMatch) : meaning;
  }
}

async function unlink(request: ApiRequest, target: { problemId?: string }): Promise<ApiResult> {
  const ifMatch = optionalIfMatch(request);
  const asked = request.pathParam('incident');
  const { problem, incident } = await readBoth(target, request.pathParam('id'), asked);
  ifMatch?.check(problem.version);
  if (incident === undefined) throw notFound(`A link from problem ${problem.number} to incident ${asked}`);
  const write = unlinkWrite(problem, incident, asked, request.principal.userId, new Date());
  try {
    await transactWrite(write.items);
  } catch (error) {
    if (!(error instanceof TransactionRefused)) throw error;
    const meaning = unlinkRefusal(error, problem, asked);
    throw meaning instanceof TransactionRefused ? problemMoved(meaning, ifMatch) : meaning;
  }
  return { status: 204, headers: { etag: etagOf(write.problem.version) } };
}

/**
 * Races are read again and retried with backoff, up to LINK_ATTEMPTS within LINK_RETRY_WINDOW_MS;
 * one still lost then is 409 link-contended (send it again), never a 500 or a timeout.
 */
const withRetries = (work: (request: ApiRequest, target: { problemId?: string }) => Promise<ApiResult>) => async (request: ApiRequest) => {
  assertProblemAgent(request.principal, `Problem ${request.pathParam('id')}`);
  const target: { problemId?: string } = {};
  const deadline = Date.now() + LINK_RETRY_WINDOW_MS;
  let attempts = 0;
  try {
    return await retryOnConflict(
      (attempt) => {
        attempts = attempt;
        return work(request, target);
      },
      { attempts: LINK_ATTEMPTS, isConflict: (error) => isLinkRace(error) && Date.now() < deadline, backoff: linkBackoff },
    );
  } catch (error) {
    if (isLinkRace(error)) throw linkContended(request.pathParam('id'), attempts);
    throw error;
  }
};

export const handler = httpHandler(
  byRoute({
    'POST /problems/{id}/incidents': withRetries(link),
    'DELETE /problems/{id}/incidents/{incident}': withRetries(unlink),
    'GET /problems/{id}/incidents': async (request) => {
      assertProblemAgent(request.principal, `Problem ${request.pathParam('id')}`);
      const { limit, cursor } = request.query(listLinkedIncidentsQuery);
      const page = await readOfProblem(request.pathParam('id'), (problemId) => listProblemIncidentLinks(problemId, limit, cursor));
      return { status: 200, body: await listLinkedIncidents(page) };
    },
  }),
);
