import type { Workflow } from './definitions.ts';
import type { JsonObject } from './json.ts';
import type { Execution, PendingToken } from './records.ts';
import type { StepFunctionsOptions } from './types.ts';

export type Log = (level: 'info' | 'warn' | 'error', message: string, fields?: JsonObject) => void;

/**
 * One runner's shared state, handed to each of its files: one object instead of a closure, so the
 * task, token, wait and retry code can live in files of their own and still see the same executions.
 */
export interface RunnerContext {
  readonly region: string;
  readonly accountId: string;
  readonly timeScale: number;
  readonly log: Log;
  readonly invoke: StepFunctionsOptions['invoke'];
  readonly workflows: ReadonlyMap<string, Workflow>;
  readonly byArn: ReadonlyMap<string, Workflow>;
  readonly createdAt: number;
  readonly executions: Map<string, Execution>;
  /** Task tokens waited for right now -> how to complete their task. */
  readonly tokens: Map<string, PendingToken>;
  /** Library events already recorded: nested events reach the parent's log again. */
  readonly seenEvents: WeakSet<object>;
  /** Wakes settled() to count again. */
  notify(): void;
  /** Writes the state file at the end of this turn (see persistence.ts). */
  persist(): Promise<void>;
  isStopped(): boolean;
}
