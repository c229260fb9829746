import { pause } from './activities.ts';
import type { RunnerContext } from './context.ts';
import type { StateInfo, Workflow } from './definitions.ts';
import { ExecutionEnded } from './errors.ts';
import type { Json } from './json.ts';
import { MAX_TIMER_SECONDS } from './limits.ts';
import type { Execution, Live } from './records.ts';
import { issueToken } from './task-tokens.ts';
import { runAttempt } from './tasks.ts';

/**
 * Retry of Task states, run here because the Task's attempts are (tasks.ts): which retrier takes an
 * error, the backoff interval (scaled by timeScale, bounded by local timers), and a fresh task token
 * per attempt. Retry of Parallel and Map states stays with the library (definitions.ts libraryRetriers).
 */

export interface Retrier {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds?: number;
  readonly MaxAttempts?: number;
  readonly BackoffRate?: number;
  readonly MaxDelaySeconds?: number;
  readonly JitterStrategy?: string;
}

export function retryDelaySeconds(retriers: readonly Retrier[], attempts: number[], error: unknown): number | undefined {
  if ((error as { isRetryable?: boolean }).isRetryable === false) return undefined;
  const name = (error as { name?: string }).name ?? '';
  for (const [index, retrier] of retriers.entries()) {
    const names = retrier.ErrorEquals;
    const matches = names.includes(name) || names.includes('States.ALL') || (names.includes('States.TaskFailed') && name !== 'States.Timeout');
    if (!matches) continue;
    const done = attempts[index] ?? 0;
    if (done >= (retrier.MaxAttempts ?? 3)) return undefined;
    attempts[index] = done + 1;
    let delay = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** done;
    if (retrier.MaxDelaySeconds !== undefined) delay = Math.min(delay, retrier.MaxDelaySeconds);
    delay = Math.min(delay, MAX_TIMER_SECONDS);
    return retrier.JitterStrategy === 'FULL' ? Math.random() * delay : delay;
  }
  return undefined;
}

export async function runTask(
  runner: RunnerContext,
  execution: Execution,
  workflow: Workflow,
  live: Live,
  state: StateInfo,
  input: Json,
  stateInput: Json,
  firstToken: string | undefined,
): Promise<Json> {
  const retriers = (state.definition.Retry as Retrier[] | undefined) ?? [];
  const attempts = retriers.map(() => 0);
  let payload = input;
  let token = firstToken;
  for (;;) {
    try {
      return await runAttempt(runner, execution, workflow, live, state, payload, stateInput, token);
    } catch (error) {
      if (live.ended || error instanceof ExecutionEnded) throw error;
      const delay = retryDelaySeconds(retriers, attempts, error);
      if (delay === undefined) throw error;
      await pause(runner.notify, live, state.name, delay * runner.timeScale * 1000, 'busy');
      if (token !== undefined) {
        // Each attempt gets a token of its own, as in AWS.
        const next = issueToken(execution.executionArn);
        payload = JSON.parse(JSON.stringify(payload).replaceAll(token, next)) as Json;
        token = next;
      }
    }
  }
}
