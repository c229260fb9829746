import type { AwsJsonService } from '../aws-endpoint.ts';

/** The runner's public contract (re-exported by local/step-functions.ts). */

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** What the runner needs of a functions/routes.ts WorkflowDefinition. */
export interface WorkflowSource {
  /** The ASL file, relative to rootDir. */
  readonly definitionFile: string;
  /** `${Placeholder}` -> function id. */
  readonly functions: Readonly<Record<string, string>>;
}

export interface StepFunctionsOptions {
  readonly workflows: Readonly<Record<string, WorkflowSource>>;
  /** Where definitionFile paths start (the repository). */
  readonly rootDir: string;
  /** Runs a function with a payload and returns its result (local/invoke.ts invokeFunction). */
  readonly invoke: (functionId: string, payload: unknown) => Promise<unknown>;
  readonly region?: string;
  readonly accountId?: string;
  /** Keeps executions across restarts (see the file header); without it, they live in memory. */
  readonly stateFile?: string;
  /** One line per execution start and finish, replays and warnings; console.log by default. */
  readonly log?: (line: string) => void;
  /** Multiplies Waits, timeouts, heartbeats and retry intervals (0.01: 100 times faster). Default 1. */
  readonly timeScale?: number;
  /** Validates each definition with asl-validator (~0.3 s a definition, once per process). Default true. */
  readonly validate?: boolean;
}

export interface ExecutionSummary {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly workflowId: string;
  readonly name: string;
  readonly status: ExecutionStatus;
  readonly input: unknown;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  readonly startDate: Date;
  readonly stopDate?: Date;
  /** Tokens of the tasks waiting for SendTaskSuccess/SendTaskFailure right now. */
  readonly taskTokens: readonly { readonly token: string; readonly stateName: string }[];
}

export interface StepFunctionsRunner {
  /** The JSON API (`AWSStepFunctions.*`) for local/aws-endpoint.ts. */
  readonly service: AwsJsonService;
  stateMachineArn(workflowId: string): string;
  /** StartExecution for callers in this process (the local Scheduler's targets); AwsErrors as the API. */
  startExecution(request: { stateMachineArn: string; name?: string; input?: string }): Promise<{ executionArn: string; startDate: Date }>;
  /** Every execution known, oldest first: for tests and inspection. */
  executions(): ExecutionSummary[];
  /** Starts again the executions the state file has as RUNNING; returns how many. Once. */
  resume(): number;
  /**
   * Resolves when no execution is doing work: each running one is blocked in a Wait or waiting for
   * a task token, with no function call in flight and no Task retry pending. "Start, then wait
   * until it waits for a person." Does not resolve while any execution still works (a loop
   * without Waits never settles). A Retry on a Parallel or Map state (the library's own wait) is
   * not seen as work when another branch of that execution is blocked.
   */
  settled(): Promise<void>;
  /** Cancels every timer so the process can exit; running executions stay RUNNING in the state file. */
  stop(): void;
}
