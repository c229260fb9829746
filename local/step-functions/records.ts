import type { Json, JsonObject } from './json.ts';
import type { ExecutionStatus } from './types.ts';

/** What the runner keeps of each execution while it runs and after. */

export interface HistoryEvent {
  readonly id: number;
  readonly previousEventId: number;
  readonly timestamp: number;
  readonly type: string;
  readonly details?: JsonObject;
}

/** Something a running execution waits on: cancelled when the execution ends. */
export interface Activity {
  readonly stateName: string;
  phase: 'busy' | 'blocked' | 'idle';
  cancel(): void;
}

export interface Live {
  readonly abort: () => void;
  readonly activities: Set<Activity>;
  busy: number;
  blocked: number;
  ended: boolean;
  /** Issued by `$$.Task.Token` while the Task's Parameters are evaluated, taken by its handler right after. */
  unclaimedToken?: string;
  /** Each state's input as it entered, for TimeoutSecondsPath (the handler sees the input after Parameters). */
  readonly enteredInput: Map<string, unknown>;
  /** Parallel and Map states that failed and were caught: they exit without having succeeded. */
  readonly failedContainers: Set<string>;
  /** The state entered last, for `$$.State` (which the library does not provide). */
  lastEntered?: { readonly Name: string; readonly EnteredTime: string };
}

export interface PendingToken {
  readonly executionArn: string;
  readonly stateName: string;
  succeed(output: Json): void;
  fail(error: string | undefined, cause: string | undefined): void;
  heartbeat(): void;
}

export interface Execution {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly workflowId: string;
  readonly name: string;
  /** As given to StartExecution. */
  readonly input: string;
  status: ExecutionStatus;
  readonly startDate: number;
  stopDate?: number;
  output?: string;
  error?: string;
  cause?: string;
  /** Absent for executions loaded from the state file (synthesized on request). */
  history?: HistoryEvent[];
  live?: Live;
}

export type StoredExecution = Omit<Execution, 'history' | 'live'>;
