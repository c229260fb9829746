import { forbidden, notFound, preconditionFailed } from '../../shared/errors.ts';
import { type ApiRequest, byRoute, etagOf, httpHandler } from '../../shared/http/handler.ts';
import { log } from '../../shared/log.ts';
import { type TransactionEntry, TransactionRefused, transactWrite } from '../../shared/store/transaction.ts';
import { assertChangeAgent, findChange } from '../access.ts';
import { CHANGE_ITEM, changeRequestWrite } from '../change-request-write.ts';
import { type Change, completeReview, overrideStart, reportImplementation } from '../domain/change.ts';
import { requesterAndGroup } from '../domain/events.ts';
import { changeResponse, mapChangeErrors } from '../responses.ts';
import { implementationBody, reviewBody, startOverrideBody } from '../schemas/approval.ts';
import { readStartHold } from '../store/approval-store.ts';
import { changeStatsUpdates } from '../store/change-store.ts';
import { resumeHeldStart } from '../workflow.ts';

/*
 * After the workflow started implementation, the implementers report the outcome:
 *  - POST /changes/{id}/implementation { outcome, notes }: the change goes to review. A successful
 *    change that owes no review closes at once; an emergency, or any change that failed or was
 *    backed out, waits for its post-implementation review.
 *  - POST /changes/{id}/review { summary }: the review is recorded and the change closes.
 * Before that, a start held by a freeze declared after approval waits for an admin:
 *  - POST /changes/{id}/start-override { reason } (admins): recorded on the change, then the
 *    workflow's waiting AwaitStartOverride state is answered and the change starts. Should that
 *    token have died (the wait timed out in between), the re-check that follows finds the override.
 * The outcome also counts toward its services' failure history, which the risk rules read when the
 * next change on them is submitted (in the same transaction: a retry cannot count it twice).
 */

async function loadForWrite(request: ApiRequest): Promise<Change> {
  assertChangeAgent(request.principal);
  const idOrNumber = request.pathParam('id');
  const ifMatch = request.ifMatch();
  const change = await findChange(idOrNumber);
  if (change === undefined) throw notFound(`Change ${idOrNumber}`);
  ifMatch.check(change.version);
  return change;
}

async function commit(items: TransactionEntry[]): Promise<void> {
  try {
    await transactWrite(items);
  } catch (error) {
    if (error instanceof TransactionRefused && error.has(CHANGE_ITEM)) {
      const current = error.item(CHANGE_ITEM);
      throw preconditionFailed(current === undefined ? undefined : etagOf(current.version as number));
    }
    throw error;
  }
}

async function implementation(request: ApiRequest) {
  assertChangeAgent(request.principal);
  const input = request.body(implementationBody);
  const change = await loadForWrite(request);
  const now = new Date();
  const context = { actor: request.principal, now };
  const { next, changes } = await mapChangeErrors(() => reportImplementation(change, input, context));
  await commit([
    ...changeRequestWrite({
      before: change,
      after: next,
      actor: request.principal.userId,
      changes,
      now,
      event: { type: 'Change Implemented', recipients: requesterAndGroup(change) },
    }),
    ...changeStatsUpdates(change.services, input.outcome !== 'successful'),
  ]);
  return changeResponse(200, next);
}

async function review(request: ApiRequest) {
  assertChangeAgent(request.principal);
  const input = request.body(reviewBody);
  const change = await loadForWrite(request);
  const now = new Date();
  const { next, changes } = await mapChangeErrors(() => completeReview(change, input, { actor: request.principal, now }));
  await commit(changeRequestWrite({ before: change, after: next, actor: request.principal.userId, changes, now }));
  return changeResponse(200, next);
}

async function startOverride(request: ApiRequest) {
  assertChangeAgent(request.principal);
  if (!request.principal.isAdmin) throw forbidden('Only admins may let a change start during a freeze');
  const input = request.body(startOverrideBody);
  const change = await loadForWrite(request);
  const now = new Date();
  const { next, changes } = await mapChangeErrors(() => overrideStart(change, input, { actor: request.principal, now }));
  await commit(
    changeRequestWrite({
      before: change,
      after: next,
      actor: request.principal.userId,
      changes,
      now,
      event: { type: 'Change Start Overridden', recipients: requesterAndGroup(change) },
    }),
  );
  // Read after the commit: a hold written before it is found here; one written after it finds the override itself.
  const hold = await readStartHold(change.id);
  if (hold !== undefined && hold.round === change.submissions) {
    await resumeHeldStart(hold.taskToken, { by: request.principal.userId }).catch((error: unknown) => {
      // The override is committed: the workflow's next check finds it. Do not fail the admin.
      log.error('start override recorded but the workflow was not answered; its next check starts the change', { change: change.number, error });
    });
  }
  return changeResponse(200, next);
}

export const handler = httpHandler(
  byRoute({
    'POST /changes/{id}/implementation': implementation,
    'POST /changes/{id}/review': review,
    'POST /changes/{id}/start-override': startOverride,
  }),
);
