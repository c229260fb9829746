import { preconditionFailed } from '../../shared/errors.ts';
import { etagOf, httpHandler } from '../../shared/http/handler.ts';
import { TransactionRefused, transactWrite } from '../../shared/store/db.ts';
import { assertChangeAgent, loadChange } from '../access.ts';
import { changeWrite } from '../change-write.ts';
import { type Change, cancelChange, diffChanges } from '../domain/change.ts';
import { changeResponse, mapChangeErrors } from '../problems.ts';
import { cancelChangeBody } from '../schemas/change.ts';
import { roundWithdrawal } from '../store/approval-store.ts';
import { stopApproval } from '../workflow.ts';

/** Where the change has an approval round that may still be undecided. */
const WITH_ROUND = new Set(['assess', 'authorize']);

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
  const changes = diffChanges(change, after);
  // The group that would have implemented it, and whoever raised it (unless they canceled it themselves).
  const recipients = {
    users: change.createdBy === principal.userId ? [] : [change.createdBy],
    groups: change.assignmentGroup === undefined ? [] : [change.assignmentGroup],
  };
  // A round still waiting for votes takes none any more; a decided one (a scheduled change's) stays as decided.
  const round = WITH_ROUND.has(change.status) ? await roundWithdrawal(change, now, (r) => r.status === 'pending') : [];
  try {
    await transactWrite([...changeWrite({ before: change, after, actor: principal.userId, changes, now, event: { type: 'Change Canceled', recipients } }), ...round]);
  } catch (error) {
    const current = error instanceof TransactionRefused ? error.failedAt(0) : undefined;
    if (current !== undefined) throw preconditionFailed(current.item === undefined ? undefined : etagOf(current.item.version as number));
    throw error;
  }
  await stopApproval(change, 'ChangeCanceled', principal.userId);
  return changeResponse(200, after);
});
