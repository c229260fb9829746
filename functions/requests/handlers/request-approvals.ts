import { conflict, fieldError, forbidden, type HttpError, notFound, validationFailed } from '../../shared/errors.ts';
import { type ApiRequest, type ApiResult, byRoute, httpHandler } from '../../shared/http/handler.ts';
import { log } from '../../shared/log.ts';
import { newId } from '../../shared/store/audit.ts';
import { claimIdempotencyKey, commitIdempotently, previousResponse } from '../../shared/store/idempotency.ts';
import { retryOnConflict } from '../../shared/store/retry.ts';
import { named, TransactionRefused } from '../../shared/store/transaction.ts';
import { canSeeRequest, loadVisibleRequest } from '../access.ts';
import { castStageVote, recordStageVote, StageRefusal, type StageVote, stageSummary } from '../domain/approval.ts';
import { requestEventRecord, stageReference } from '../domain/events.ts';
import type { RequestActor, RequestStageSummary, ServiceRequest } from '../domain/request.ts';
import { requestWrite } from '../request-write.ts';
import { requestVoteBody } from '../schemas/approval.ts';
import {
  askedDelete,
  commitWithAsked,
  type RequestApprovals,
  readApprovals,
  type StoredStage,
  stageOf,
  stageReplace,
  votePut,
  votesOf,
} from '../store/approval-store.ts';
import { requestOutboxPut } from '../store/request-outbox.ts';
import { getRequest, isRequestId } from '../store/request-store.ts';
import { answerStage } from '../workflow.ts';

/*
 * POST /requests/{id}/approvals: a vote on the stage the request waits on; GET: every stage, who
 * was asked, who answered and when.
 *
 * A vote is one transaction: the vote item (its key makes a second vote by the same person fail),
 * the stage with its new tally (conditional on the version read, so two voters at once cannot both
 * count from the same tally; the loser reads again), the request with the stage's summary (and,
 * when the vote rejects, its rejection) with its history and outbox records, and the asked items
 * that no longer wait (the voter's; every one once the stage is decided). When the vote decides the
 * stage, the workflow's waiting task is answered after the commit. If that answer is lost (the wait
 * had just timed out), the workflow's next ask, after its reminder, finds the stage decided and
 * settles it itself.
 */

const ATTEMPTS = 4;
/** The vote's item: refused when this person already voted on the stage. */
const VOTE_ITEM = 'vote';
/** DynamoDB's limit on a transaction's items, less the idempotency record. */
const INLINE_LIMIT = 99;

const REFUSALS: Record<StageRefusal['code'], (message: string) => HttpError> = {
  NOT_AWAITING_APPROVAL: (message) => conflict('not-awaiting-approval', 'Not awaiting approval', message),
  NOT_ASKED: (message) => forbidden(message),
  OWN_REQUEST: (message) => forbidden(message),
  ALREADY_VOTED: (message) => conflict('already-voted', 'Already voted', message),
};

/** A stage as the API shows it: its summary on the request, who is still awaited, reminders, and the responses. */
function presentStage(summary: RequestStageSummary, stored: StoredStage | undefined, votes: readonly StageVote[]) {
  const voted = new Set(votes.map((v) => v.userId));
  return {
    index: summary.index,
    kind: summary.kind,
    ...(summary.group === undefined ? {} : { group: summary.group }),
    quorum: summary.quorum,
    status: summary.status,
    ...(summary.approvers === undefined ? {} : { approvers: summary.approvers }),
    awaiting: summary.status === 'pending' ? (summary.approvers ?? []).filter((user) => !voted.has(user)) : [],
    approvals: summary.approvals,
    rejections: summary.rejections,
    remindersSent: stored?.remindersSent ?? 0,
    ...(summary.askedAt === undefined ? {} : { askedAt: summary.askedAt }),
    ...(summary.decidedAt === undefined ? {} : { decidedAt: summary.decidedAt }),
    responses: votes.map(({ userId, decision, comment, at }) => ({ userId, decision, ...(comment === undefined ? {} : { comment }), at })),
  };
}

function presentApprovals(request: ServiceRequest, approvals: RequestApprovals) {
  return {
    requestId: request.id,
    number: request.number,
    status: request.status,
    ...(request.currentStage === undefined ? {} : { currentStage: request.currentStage }),
    stages: request.stages.map((summary) => presentStage(summary, stageOf(approvals, summary.index), votesOf(approvals, summary.index))),
  };
}

/**
 * The request, if the caller may see it (else 404), with its stages and votes: addressed by id, both
 * are read in one round trip (what was read is dropped unseen when the request is not the caller's).
 */
async function loadWithApprovals(actor: RequestActor, idOrNumber: string): Promise<{ found: ServiceRequest; approvals: RequestApprovals }> {
  if (!isRequestId(idOrNumber)) {
    const found = await loadVisibleRequest(actor, idOrNumber);
    return { found, approvals: await readApprovals(found.id) };
  }
  const [found, approvals] = await Promise.all([getRequest(idOrNumber), readApprovals(idOrNumber)]);
  if (found === undefined || !canSeeRequest(found, actor)) throw notFound(`Request ${idOrNumber}`);
  return { found, approvals };
}

async function vote(request: ApiRequest): Promise<ApiResult> {
  const principal = request.principal;
  const input = request.body(requestVoteBody);
  if (input.decision === 'reject' && input.comment === undefined) {
    throw validationFailed([fieldError('body', ['comment'], 'Say why the request is rejected')]);
  }
  const idOrNumber = request.pathParam('id');

  // A vote that lost a race (another vote, a reminder or the requester canceling) counts again from what is there now.
  return retryOnConflict(
    async (attempt) => {
      // Someone who may not see the request (not its requester, not asked, not an agent) finds nothing: 404.
      const { found, approvals } = await loadWithApprovals(principal, idOrNumber);
      // Scoped to the request's id, whichever address the call used, so a retry by number replays too.
      const claim = claimIdempotencyKey(request, input, `/requests/${found.id}/approvals`);
      // A retried vote would be refused below as a second vote: it answers as the first did instead.
      const replay = attempt === 1 ? await previousResponse(claim) : undefined;
      if (replay !== undefined) return replay;

      const stage = found.currentStage === undefined ? undefined : stageOf(approvals, found.currentStage);
      if (found.status !== 'awaiting_approval' || stage === undefined) {
        throw conflict('not-awaiting-approval', 'Not awaiting approval', `${found.number} is ${found.status}: it is not waiting for approvals`);
      }
      const now = new Date();
      let cast: ReturnType<typeof castStageVote>;
      try {
        cast = castStageVote(
          stage,
          { userId: principal.userId, decision: input.decision, ...(input.comment === undefined ? {} : { comment: input.comment }) },
          {
            requester: found.requester,
            alreadyVoted: approvals.votes.some((v) => v.stage === stage.index && v.userId === principal.userId),
            now,
          },
        );
      } catch (error) {
        if (error instanceof StageRefusal) throw REFUSALS[error.code](error.message);
        throw error;
      }
      const next: StoredStage = { ...cast.stage, ...(stage.taskToken === undefined ? {} : { taskToken: stage.taskToken }) };
      const moved = recordStageVote(found, next, cast.vote, now);
      const summary = stageSummary(next);
      const reference = stageReference(summary, { by: principal.userId, decision: input.decision });
      const decided = next.status !== 'pending';
      const rejected = next.status === 'rejected';

      const items = [
        named(VOTE_ITEM, votePut(cast.vote)),
        stageReplace(next, stage.version),
        ...requestWrite({
          before: found,
          after: moved.next,
          actor: principal.userId,
          changes: moved.changes,
          now,
          event: { type: 'Request Vote Recorded', stage: reference },
        }),
        // A rejection, or the approval of the last stage, is the requester's news (and the mail they get): an event of its own.
        ...(rejected || moved.next.status === 'approved'
          ? [
              requestOutboxPut(
                requestEventRecord(rejected ? 'Request Rejected' : 'Request Approved', moved.next, {
                  eventId: newId(),
                  actor: principal.userId,
                  occurredAt: now.toISOString(),
                  stage: reference,
                }),
                now,
              ),
            ]
          : []),
      ];
      // The voter no longer waits; once the stage is decided, nobody does.
      const voted = new Set([...votesOf(approvals, stage.index).map((v) => v.userId), principal.userId]);
      const done = [principal.userId, ...(decided ? stage.approvers.filter((user) => !voted.has(user)) : [])].map((user) =>
        askedDelete(found.id, stage.index, user),
      );
      const inline = items.length + done.length <= INLINE_LIMIT;

      const body = { ...cast.vote, stage: presentStage(summary, next, [...votesOf(approvals, stage.index), cast.vote]) };
      let result: ApiResult;
      try {
        result = await commitIdempotently(inline ? [...items, ...done] : items, claim, { status: 201, body }, now);
      } catch (error) {
        if (error instanceof TransactionRefused && error.has(VOTE_ITEM)) {
          throw conflict('already-voted', 'Already voted', `You already voted on stage ${stage.index + 1} of ${found.number}`);
        }
        throw error;
      }
      if (result.headers?.['idempotent-replayed'] !== undefined) return result;
      if (!inline) await commitWithAsked([], done);
      if (decided && next.taskToken !== undefined) {
        const answered = await answerStage(
          next.taskToken,
          rejected ? { approved: false, stage: next.index, by: principal.userId } : { approved: true, stage: next.index },
        ).catch((error: unknown) => {
          // The vote is committed: the workflow's next ask settles the decision. Do not fail the voter.
          log.error('vote decided the stage but the workflow was not answered; its next ask will settle it', { request: found.number, error });
          return false;
        });
        if (!answered) log.warn('workflow not answered at once', { request: found.number, stage: next.index });
      }
      return result;
    },
    { attempts: ATTEMPTS, isConflict: (error) => error instanceof TransactionRefused },
  );
}

async function list(request: ApiRequest): Promise<ApiResult> {
  const { found, approvals } = await loadWithApprovals(request.principal, request.pathParam('id'));
  return { status: 200, body: presentApprovals(found, approvals) };
}

export const handler = httpHandler(
  byRoute({
    'POST /requests/{id}/approvals': vote,
    'GET /requests/{id}/approvals': list,
  }),
);
