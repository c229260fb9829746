import { sendTaskFailure, sendTaskSuccess, startExecution, stopExecution } from '../shared/aws/step-functions.ts';
import { optionalEnv } from '../shared/env.ts';
import { log } from '../shared/log.ts';
import type { ServiceRequest } from './domain/request.ts';
import type { RequestConfig } from './store/request-config-store.ts';

/*
 * The request fulfilment workflow (statemachines/request-fulfilment.asl.json) as the functions
 * reach it: starting it once a request is submitted, stopping it when the request is canceled,
 * and answering the task tokens its approval stages wait on. The endpoint comes from the
 * environment (AWS_ENDPOINT_URL_SFN locally), never from code.
 */

const stateMachineArn = (): string => {
  const arn = optionalEnv('REQUEST_FULFILMENT_STATE_MACHINE_ARN', '');
  if (arn === '') throw new Error('REQUEST_FULFILMENT_STATE_MACHINE_ARN is not set: this function lacks the startRequestFulfilment capability');
  return arn;
};

/**
 * One execution per request, named after its number, so its ARN is known before it starts (it is
 * written with the request) and a retried start is the same execution.
 */
export function fulfilmentExecution(request: Pick<ServiceRequest, 'number'>): { name: string; executionArn: string } {
  const name = request.number;
  return { name, executionArn: `${stateMachineArn().replace(':stateMachine:', ':execution:')}:${name}` };
}

/** What the workflow starts from: the request, how many stages it asks, and the timing in force at submission. */
export function fulfilmentInput(request: ServiceRequest, config: Pick<RequestConfig, 'approvalTimeoutSeconds' | 'reminders'>): Record<string, unknown> {
  return {
    requestId: request.id,
    number: request.number,
    stageCount: request.stages.length,
    config: { approvalTimeoutSeconds: config.approvalTimeoutSeconds, reminders: config.reminders },
  };
}

/** Starts the request's execution; one of that name already there is this one, started before (a retry). */
export async function startFulfilment(request: ServiceRequest, config: Pick<RequestConfig, 'approvalTimeoutSeconds' | 'reminders'>): Promise<void> {
  const { name } = fulfilmentExecution(request);
  try {
    await startExecution({ stateMachineArn: stateMachineArn(), name, input: JSON.stringify(fulfilmentInput(request, config)) });
  } catch (error) {
    if ((error as Error).name === 'ExecutionAlreadyExists') return;
    throw error;
  }
}

/**
 * Starts the workflow of a request whose transaction just committed. A failure is logged, never
 * answered: the request is placed (the caller gets it, 201), and its Request Submitted event,
 * committed with it, reaches ensureFulfilmentStarted (handlers/ensure-fulfilment-started.ts),
 * which starts the same execution by name within seconds. Failing the call instead would leave
 * the request placed all the same, and invite a retry that places it twice.
 */
export async function startFulfilmentAfterCommit(request: ServiceRequest, config: Pick<RequestConfig, 'approvalTimeoutSeconds' | 'reminders'>): Promise<void> {
  try {
    await startFulfilment(request, config);
  } catch (error) {
    log.error('could not start the fulfilment workflow of a placed request; its Request Submitted event starts it', {
      requestId: request.id,
      number: request.number,
      error: (error as Error).name,
    });
  }
}

/**
 * Stops the request's workflow after a write that took the request out of its hands (a cancel)
 * committed: the request is what counts, and a step that still runs finds it withdrawn. An
 * execution that already ended (or never existed) is fine; any other failure is logged, not
 * answered: the write itself happened. `reason` is a stable error name, never free text.
 */
export async function stopFulfilment(request: Pick<ServiceRequest, 'id' | 'number' | 'workflow'>, reason: 'RequestCanceled', actor: string): Promise<void> {
  const executionArn = request.workflow?.executionArn;
  if (executionArn === undefined) return;
  try {
    await stopExecution({ executionArn, error: reason, cause: `${request.number}: ${reason} by ${actor}` });
  } catch (error) {
    if ((error as Error).name === 'ExecutionDoesNotExist') return;
    log.error('could not stop the fulfilment workflow of a request', { requestId: request.id, executionArn, reason, error });
  }
}

// Slice C: the task-token answers of the approval stages (AwaitDecision).

/** A step that finds its request canceled (or gone) fails with this: the workflow ends quietly in Withdrawn. */
export class RequestWithdrawn extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RequestWithdrawn';
  }
}

/** The error name a rejected stage answers its AwaitDecision state with; the workflow ends in Rejected. */
export const REQUEST_REJECTED_ERROR = 'RequestRejected';

/** A step that finds its request rejected (the rejection is recorded already) fails with this: the workflow ends in Rejected. */
export class RequestRejected extends Error {
  constructor(message: string) {
    super(message);
    this.name = REQUEST_REJECTED_ERROR;
  }
}

/** Tokens die when a wait times out (a reminder then hands out a new one): the next ask settles the decision. */
const STALE_TOKEN_ERRORS = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

/**
 * Resumes the waiting AwaitDecision state with the stage's decision: SendTaskSuccess when it is
 * approved, SendTaskFailure RequestRejected when it is rejected (the rejection is already recorded
 * on the request). Returns false when the token was no longer waited for: the workflow's next ask
 * (after its reminder) finds the stage decided and settles it itself.
 */
export async function answerStage(
  taskToken: string,
  decision: { approved: true; stage: number } | { approved: false; stage: number; by: string },
): Promise<boolean> {
  try {
    if (decision.approved) {
      await sendTaskSuccess({ taskToken, output: JSON.stringify({ decision: 'approved', stage: decision.stage }) });
    } else {
      // No free text in the workflow's history: who rejected, and which stage (the comment stays on the vote).
      await sendTaskFailure({ taskToken, error: REQUEST_REJECTED_ERROR, cause: JSON.stringify({ stage: decision.stage, by: decision.by }) });
    }
    return true;
  } catch (error) {
    if (!STALE_TOKEN_ERRORS.has((error as Error).name)) throw error;
    log.info('stage token no longer waited for; the next ask settles the decision', { error: (error as Error).name });
    return false;
  }
}
