import { sendTaskFailure, sendTaskSuccess, startExecution, stopExecution } from '../shared/aws/step-functions.ts';
import { optionalEnv } from '../shared/env.ts';
import { log } from '../shared/log.ts';
import type { Change } from './domain/change.ts';
import type { ChangeConfig } from './store/change-config-store.ts';

/*
 * The change approval workflow (statemachines/change-approval.asl.json) as the functions reach it:
 * starting it on submission, and answering the task token its AwaitApproval state waits on. The
 * endpoint comes from the environment (AWS_ENDPOINT_URL_SFN locally), never from code.
 */

/** A step that finds its change canceled (or submitted again) fails with this: the workflow ends quietly. */
export class ChangeWithdrawn extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChangeWithdrawn';
  }
}

/** The approval decision the AwaitApproval state receives; its error name is caught by the workflow. */
export const REJECTED_ERROR = 'ChangeRejected';

const stateMachineArn = (): string => {
  const arn = optionalEnv('CHANGE_APPROVAL_STATE_MACHINE_ARN', '');
  if (arn === '') throw new Error('CHANGE_APPROVAL_STATE_MACHINE_ARN is not set: this function lacks the runChangeApprovals capability');
  return arn;
};

/**
 * One execution per submission, named after the change and its round, so its ARN is known before it
 * starts (it is written with the submission) and a retried start is the same execution.
 */
export function approvalExecution(change: Pick<Change, 'number'>, round: number): { name: string; executionArn: string } {
  const name = `${change.number}-${round}`;
  const executionArn = `${stateMachineArn().replace(':stateMachine:', ':execution:')}:${name}`;
  return { name, executionArn };
}

/**
 * How long a start held by a freeze waits before the workflow checks the freezes again (the
 * Settings state of the ASL may override it): a freeze lifted or moved lets the change start then.
 */
export const BLOCKED_RECHECK_SECONDS = 3600;

/** What the workflow starts from: the change's routing facts and the configuration in force at submission. */
export function approvalInput(change: Change, config: ChangeConfig): Record<string, unknown> {
  return {
    changeId: change.id,
    number: change.number,
    type: change.type,
    risk: change.risk?.level ?? 'low',
    round: change.submissions,
    plannedStart: change.plannedStart,
    config: {
      cabQuorum: config.cabQuorum,
      approvalTimeoutSeconds: config.approvalTimeoutSeconds,
      reminders: config.reminders,
      blockedRecheckSeconds: BLOCKED_RECHECK_SECONDS,
    },
  };
}

/** Starts the submission's execution; an execution of that name already there is this one, started before. */
export async function startApproval(change: Change, config: ChangeConfig): Promise<void> {
  const { name } = approvalExecution(change, change.submissions);
  try {
    await startExecution({ stateMachineArn: stateMachineArn(), name, input: JSON.stringify(approvalInput(change, config)) });
  } catch (error) {
    if ((error as Error).name === 'ExecutionAlreadyExists') return;
    throw error;
  }
}

/**
 * Stops the change's approval workflow after a write that took the change out of its hands (a
 * cancel, an edit back to draft) committed: the change is what counts, and a step that still runs
 * finds it withdrawn. An execution that already ended (or never existed) is fine; any other failure
 * is logged, not answered: the write itself happened. `reason` is a stable error name, never free text.
 */
export async function stopApproval(
  change: Pick<Change, 'id' | 'number' | 'workflow'>,
  reason: 'ChangeCanceled' | 'ChangeEdited',
  actor: string,
): Promise<void> {
  const executionArn = change.workflow?.executionArn;
  if (executionArn === undefined) return;
  try {
    await stopExecution({ executionArn, error: reason, cause: `${change.number}: ${reason} by ${actor}` });
  } catch (error) {
    if ((error as Error).name === 'ExecutionDoesNotExist') return;
    log.error('could not stop the approval workflow of a change', { changeId: change.id, executionArn, reason, error });
  }
}

/** Tokens die when a wait times out (a reminder then hands out a new one): the next attempt settles the decision. */
const STALE_TOKEN_ERRORS = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

/**
 * Resumes the waiting AwaitApproval state with the round's decision. Returns false when the token was
 * no longer waited for; the workflow's next attempt finds the round decided and settles it itself.
 */
export async function answerApproval(
  taskToken: string,
  decision: { approved: true; approvers: string[] } | { approved: false; by: string; comment?: string },
): Promise<boolean> {
  try {
    if (decision.approved) {
      await sendTaskSuccess({ taskToken, output: JSON.stringify({ decision: 'approved', approvers: decision.approvers }) });
    } else {
      const cause = JSON.stringify({ by: decision.by, ...(decision.comment === undefined ? {} : { comment: decision.comment }) });
      await sendTaskFailure({ taskToken, error: REJECTED_ERROR, cause: cause.slice(0, 32_768) });
    }
    return true;
  } catch (error) {
    if (!STALE_TOKEN_ERRORS.has((error as Error).name)) throw error;
    log.info('approval token no longer waited for; the next attempt settles the decision', { error: (error as Error).name });
    return false;
  }
}

/**
 * Resumes the AwaitStartOverride state: an admin let the held change start. False when the token
 * was no longer waited for (the wait timed out); the re-check that follows finds the override.
 */
export async function resumeHeldStart(taskToken: string, override: { by: string }): Promise<boolean> {
  try {
    await sendTaskSuccess({ taskToken, output: JSON.stringify({ overriddenBy: override.by }) });
    return true;
  } catch (error) {
    if (!STALE_TOKEN_ERRORS.has((error as Error).name)) throw error;
    log.info('held start no longer waited for; the next check finds the override', { error: (error as Error).name });
    return false;
  }
}
