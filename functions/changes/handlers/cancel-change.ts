import { SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { preconditionFailed } from '../../shared/errors.ts';
import { etagOf, httpHandler } from '../../shared/http/handler.ts';
import { log } from '../../shared/log.ts';
import { TransactionRefused, transactWrite } from '../../shared/store/db.ts';
import { assertChangeAgent, loadChange } from '../access.ts';
import { changeWrite } from '../change-write.ts';
import { type Change, cancelChange, diffChanges } from '../domain/change.ts';
import { changeResponse, mapChangeErrors } from '../problems.ts';
import { cancelChangeBody } from '../schemas/change.ts';

/**
 * Module scope on purpose: one client per container. The endpoint comes from the SDK's own
 * configuration (AWS_ENDPOINT_URL_SFN locally), never from code.
 */
const sfn = new SFNClient({});

/**
 * Stops the change's approval workflow, after the cancel committed: the change is what counts, and
 * a workflow step that still runs finds it canceled. An execution that already ended (or never
 * existed) is fine; any other failure is logged, not answered: the cancel itself happened.
 */
async function stopWorkflow(change: Change, actor: string): Promise<void> {
  const executionArn = change.workflow?.executionArn;
  if (executionArn === undefined) return;
  try {
    await sfn.send(new StopExecutionCommand({ executionArn, error: 'ChangeCanceled', cause: `${change.number} was canceled by ${actor}` }));
  } catch (error) {
    if ((error as Error).name === 'ExecutionDoesNotExist') return;
    log.error('could not stop the approval workflow of a canceled change', { changeId: change.id, executionArn, error });
  }
}

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
  try {
    await transactWrite(changeWrite({ before: change, after, actor: principal.userId, changes, now, event: { type: 'Change Canceled', recipients } }));
  } catch (error) {
    const current = error instanceof TransactionRefused ? error.failedAt(0) : undefined;
    if (current !== undefined) throw preconditionFailed(current.item === undefined ? undefined : etagOf(current.item.version as number));
    throw error;
  }
  await stopWorkflow(change, principal.userId);
  return changeResponse(200, after);
});
