import { preconditionFailed } from '../../shared/errors.ts';
import { etagOf, httpHandler } from '../../shared/http/handler.ts';
import { TransactionRefused, transactWrite } from '../../shared/store/transaction.ts';
import { assertChangeAgent, loadChange } from '../access.ts';
import { CHANGE_ITEM, changeRequestWrite } from '../change-request-write.ts';
import type { ApprovalRound } from '../domain/approval.ts';
import { type Change, cancelChange, fieldDiffs } from '../domain/change.ts';
import { changeResponse, mapChangeErrors } from '../responses.ts';
import { cancelChangeBody } from '../schemas/change.ts';
import { roundWithdrawal } from '../store/approval-store.ts';
import { stopApproval } from '../workflow.ts';

/**
 * Which round a cancel withdraws, by where the change is. In `assess` the workflow has not asked
 * yet, so even a round voted through (votes count from submission) was never acted on: withdrawn,
 * as an edit back to draft does. In `authorize` a round still waiting for votes takes none any
 * more; a decided one (answered to the workflow, a scheduled change's) stays as decided.
 */
const ROUND_WITHDRAWN: Partial<Record<Change['status'], (round: ApprovalRound) => boolean>> = {
  assess: () => true,
  authorize: (round) => round.status === 'pending',
};

/** Withdraws a change that has not started (domain: draft, assess, authorize, scheduled), with its reason. */
export const handler = httpHandler(async (request) => {
  const principal = request.principal;
  assertChangeAgent(principal);
  const idOrNumber = request.pathParam('id');
  const ifMatch = request.ifMatch();
  const { reason } = request.body(cancelChangeBody);

  const change = await loadChange(idOrNumber);
  ifMatch.check(change.version);
  const now = new Date();
  const { next } = await mapChangeErrors(() => cancelChange(change, { actor: principal, now }));
  const after: Change = { ...next, cancelReason: reason };
  const changes = fieldDiffs(change, after);
  // The group that would have implemented it, and whoever raised it (unless they canceled it themselves).
  const recipients = {
    users: change.createdBy === principal.userId ? [] : [change.createdBy],
    groups: change.assignmentGroup === undefined ? [] : [change.assignmentGroup],
  };
  const ends = ROUND_WITHDRAWN[change.status];
  const round = ends === undefined ? [] : await roundWithdrawal(change, now, ends);
  try {
    await transactWrite([
      ...changeRequestWrite({ before: change, after, actor: principal.userId, changes, now, event: { type: 'Change Canceled', recipients } }),
      ...round,
    ]);
  } catch (error) {
    if (error instanceof TransactionRefused && error.has(CHANGE_ITEM)) {
      const current = error.item(CHANGE_ITEM);
      throw preconditionFailed(current === undefined ? undefined : etagOf(current.version as number));
    }
    throw error;
  }
  await stopApproval(change, 'ChangeCanceled', principal.userId);
  return changeResponse(200, after);
});
