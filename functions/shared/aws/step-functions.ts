import { type AwsJsonService, sendAwsJson } from './json-protocol.ts';

/*
 * Step Functions (AWS JSON 1.0, `AWSStepFunctions.<Operation>`), the operations the workflows'
 * callers use, with the SDK's member names. Refusals throw AwsServiceError named after the
 * service's code (ExecutionAlreadyExists, ExecutionDoesNotExist, TaskTimedOut, TaskDoesNotExist,
 * InvalidToken): callers tell them apart by `name`.
 */

const STEP_FUNCTIONS: AwsJsonService = { service: 'states', endpointEnv: 'SFN', targetPrefix: 'AWSStepFunctions', jsonVersion: '1.0' };

export interface StartExecutionInput {
  readonly stateMachineArn: string;
  readonly name?: string;
  /** The execution's input, JSON text. */
  readonly input?: string;
}

/** Starts an execution; a name already used with the same input answers that execution (ExecutionAlreadyExists otherwise). */
export async function startExecution(input: StartExecutionInput): Promise<{ executionArn: string; startDate: Date }> {
  const output = await sendAwsJson<{ executionArn: string; startDate: number }>(STEP_FUNCTIONS, 'StartExecution', input);
  return { executionArn: output.executionArn, startDate: new Date(output.startDate * 1000) };
}

export async function stopExecution(input: { readonly executionArn: string; readonly error?: string; readonly cause?: string }): Promise<void> {
  await sendAwsJson(STEP_FUNCTIONS, 'StopExecution', input);
}

/** Resumes the Task waiting on the token with its output (JSON text). */
export async function sendTaskSuccess(input: { readonly taskToken: string; readonly output: string }): Promise<void> {
  await sendAwsJson(STEP_FUNCTIONS, 'SendTaskSuccess', input);
}

/** Fails the Task waiting on the token with an error name its Catch can match. */
export async function sendTaskFailure(input: { readonly taskToken: string; readonly error?: string; readonly cause?: string }): Promise<void> {
  await sendAwsJson(STEP_FUNCTIONS, 'SendTaskFailure', input);
}
