import { conflict, fieldError, forbidden, type HttpError, notFound, validationFailed } from '../../shared/errors.ts';
import { type ApiRequest, type ApiResult, byRoute, httpHandler } from '../../shared/http/handler.ts';
import { log } from '../../shared/log.ts';
import { newId } from '../../shared/store/audit.ts';
import { claimIdempotencyKey, commitIdempotently, previousResponse } from '../../shared/store/idempotency.ts';
import { retryOnConflict } from '../../shared/store/retry.ts';
import { named, TransactionRefused } from '../../shared/store/transaction.ts';
import { assertChangeAgent, findChange, isChangeId } from '../access.ts';
import { ApprovalRefusal, castVote, eligibleVoters, votingGroups } from '../domain/approval.ts';
import type { Change } from '../domain/change.ts';
import { changeOutboxRecord } from '../domain/events.ts';
import { approvalVoteBody } from '../schemas/approval.ts';
import { type ChangeApprovals, currentRound, presentRound, readApprovals, readDirectory, roundReplace, votePut } from '../store/approval-store.ts';
import { loadChangeConfig } from '../store/change-config-store.ts';
import { changeOutboxPut } from '../store/change-outbox.ts';
import { changeHistoryPut, changeUnchanged, getChangeById } from '../store/change-store.ts';
import { answerApproval } from '../workflow.ts';

/*
 * POST /changes/{id}/approvals: a vote on the change's current approval round; GET: every round,
 * who was asked, who answered and when.
 *
 * A vote is one transaction: the vote item (its key makes a second vote by the same person fail),
 * the round with its new tally (conditional on the version read, so two voters at once cannot both
 * count from the same tally; the loser reads again), a history record and an outbox record on the
 * change. When the vote decides the round, the workflow's waiting task is answered after the commit.
 * If that answer is lost, the workflow's next attempt (after its timeout) finds the round decided;
 * a round decided before the workflow first asked (no token yet) is settled by that first ask.
 */

const ATTEMPTS = 4;
/** The vote's item: refused when this person already voted in the round. */
const VOTE_ITEM = 'vote';

const REFUSALS: Record<ApprovalRefusal['code'], (message: string) => HttpError> = {
  NOT_AWAITING_APPROVAL: (message) => conflict('not-awaiting-approval', 'Not awaiting approval', message),
  NOT_ELIGIBLE: (message) => forbidden(message),
  OWN_CHANGE: (message) => forbidden(message),
  ALREADY_VOTED: (message) => conflict('already-voted', 'Already voted', message),
};

async function load(idOrNumber: string): Promise<{ change: Change; approvals: ChangeApprovals }> {
  if (isChangeId(idOrNumber)) {
    const [change, approvals] = await Promise.all([getChangeById(idOrNumber), readApprovals(idOrNumber)]);
    if (change === undefined) throw notFound(`Change ${idOrNumber}`);
    return { change, approvals };
  }
  const change = await findChange(idOrNumber);
  if (change === undefined) throw notFound(`Change ${idOrNumber}`);
  return { change, approvals: await readApprovals(change.id) };
}

function presentApprovals(change: Change, approvals: ChangeApprovals) {
  return {
    changeId: change.id,
    number: change.number,
    status: change.status,
    rounds: approvals.rounds.map((round) => ({
      ...presentRound(round),
      responses: approvals.votes
        .filter((vote) => vote.round === round.round)
        .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
        .map(({ userId, decision, comment, at }) => ({ userId, decision, ...(comment === undefined ? {} : { comment }), at })),
    })),
  };
}

async function vote(request: ApiRequest) {
  const principal = request.principal;
  assertChangeAgent(principal);
  const input = request.body(approvalVoteBody);
  if (input.decision === 'reject' && input.comment === undefined) {
    throw validationFailed([fieldError('body', ['comment'], 'Say why the change is rejected')]);
  }
  const idOrNumber = request.pathParam('id');

  // A vote that lost a race (another vote or the workflow moved the round or the change) counts again from what is there now.
  return retryOnConflict(
    async (attempt) => {
      const [{ change, approvals }, config] = await Promise.all([load(idOrNumber), loadChangeConfig()]);
      // Scoped to the change's id, whichever address the request used, so a retry by number replays too.
      const claim = claimIdempotencyKey(request, input, `/changes/${change.id}/approvals`);
      // A retried vote would be refused below as a second vote: it answers as the first did instead.
      const replay = attempt === 1 ? await previousResponse(claim) : undefined;
      if (replay !== undefined) return replay;
      // From submission on: the round is recorded with it, and a vote cast before the workflow asks
      // (the change still `assess`) counts; the workflow's first ask finds it and settles a decided round.
      const round = change.status === 'authorize' || change.status === 'assess' ? currentRound(approvals, change.submissions) : undefined;
      if (round === undefined) {
        throw conflict('not-awaiting-approval', 'Not awaiting approval', `${change.number} is ${change.status}: it is not waiting for approvals`);
      }
      const { members } = await readDirectory(votingGroups(round, config.changeManagersGroup));
      const now = new Date();
      let cast: ReturnType<typeof castVote>;
      try {
        cast = castVote(
          round,
          { userId: principal.userId, decision: input.decision, ...(input.comment === undefined ? {} : { comment: input.comment }) },
          {
            requester: change.createdBy,
            eligible: eligibleVoters(round, members, config.changeManagersGroup),
            alreadyVoted: approvals.votes.some((v) => v.round === round.round && v.userId === principal.userId),
            now,
          },
        );
      } catch (error) {
        if (error instanceof ApprovalRefusal) throw REFUSALS[error.code](error.message);
        throw error;
      }
      const next = { ...cast.round, ...(round.taskToken === undefined ? {} : { taskToken: round.taskToken }) };
      const decision = next.status === 'approved' ? ('approved' as const) : next.status === 'rejected' ? ('rejected' as const) : undefined;
      const approval = {
        round: next.round,
        board: next.board,
        quorum: next.quorum,
        approvals: next.approvals,
        rejections: next.rejections,
        ...(decision === undefined ? {} : { decision }),
        vote: { by: principal.userId, decision: input.decision },
      };
      const record = changeOutboxRecord({
        eventId: newId(),
        type: 'Change Vote Recorded',
        change,
        actor: principal.userId,
        occurredAt: now.toISOString(),
        recipients: { users: [change.createdBy], groups: [] },
        approval,
      });
      const items = [
        named(VOTE_ITEM, votePut(cast.vote)),
        roundReplace(next, round.version),
        changeUnchanged(change),
        changeHistoryPut(change.id, {
          at: now.toISOString(),
          actor: principal.userId,
          action: 'updated',
          version: change.version,
          changes: [
            { field: `approval.round${next.round}.${principal.userId}`, from: null, to: input.decision },
            ...(decision === undefined ? [] : [{ field: `approval.round${next.round}.status`, from: 'pending', to: decision }]),
          ],
        }),
        changeOutboxPut(record, now),
      ];
      const response = { status: 201, body: { ...cast.vote, approval: { ...presentRound(next) } } };
      let result: ApiResult;
      try {
        result = await commitIdempotently(items, claim, response, now);
      } catch (error) {
        if (error instanceof TransactionRefused && error.has(VOTE_ITEM)) {
          throw conflict('already-voted', 'Already voted', `You already voted in round ${round.round} of this change`);
        }
        throw error;
      }
      if (result.headers?.['idempotent-replayed'] === undefined && decision !== undefined && next.taskToken !== undefined) {
        const approvers = [
          ...approvals.votes.filter((v) => v.round === round.round && v.decision === 'approve').map((v) => v.userId),
          ...(input.decision === 'approve' ? [principal.userId] : []),
        ].sort();
        const answered = await answerApproval(
          next.taskToken,
          decision === 'approved'
            ? { approved: true, approvers }
            : { approved: false, by: principal.userId, ...(input.comment === undefined ? {} : { comment: input.comment }) },
        ).catch((error: unknown) => {
          // The vote is committed: the workflow's next attempt settles the decision. Do not fail the voter.
          log.error('vote decided the round but the workflow was not answered; its next attempt will settle it', { change: change.number, error });
          return false;
        });
        if (!answered) log.warn('workflow not answered at once', { change: change.number, round: round.round });
      }
      return result;
    },
    { attempts: ATTEMPTS, isConflict: (error) => error instanceof TransactionRefused },
  );
}

async function list(request: ApiRequest) {
  assertChangeAgent(request.principal);
  const { change, approvals } = await load(request.pathParam('id'));
  return { status: 200, body: presentApprovals(change, approvals) };
}

export const handler = httpHandler(
  byRoute({
    'POST /changes/{id}/approvals': vote,
    'GET /changes/{id}/approvals': list,
  }),
);
