import { ExecutionAbortedError, ExecutionError, ExecutionTimeoutError } from 'aws-local-stepfunctions';
import type { RunnerContext } from './context.ts';
import { contextFor } from './context-object.ts';
import type { Workflow } from './definitions.ts';
import { endEvent, onLibraryEvent, record } from './history.ts';
import { clone, type Json, type JsonObject, json, truncate } from './json.ts';
import { EVENT_HOOK, type EventHook } from './library.ts';
import { trimFinished } from './persistence.ts';
import type { Execution, Live } from './records.ts';
import { runTask } from './retries.ts';
import { taskContext } from './task-tokens.ts';
import type { ExecutionStatus } from './types.ts';
import { runWait } from './waits.ts';

/**
 * Running an execution: the library runs the workflow's copy with this runner's handlers for Task
 * and Wait states, and `$$.Task` / `$$.State` filled in; its outcome becomes the execution's status.
 */

export function run(runner: RunnerContext, execution: Execution): void {
  const workflow = runner.byArn.get(execution.stateMachineArn) as Workflow;
  const handlers: Record<string, (input: unknown) => Promise<Json>> = {};
  // Exists before run(): the library calls the first Task's handler from within run().
  let abort = () => {};
  const live: Live = { abort: () => abort(), activities: new Set(), busy: 0, blocked: 0, ended: false, enteredInput: new Map(), failedContainers: new Set() };
  for (const state of workflow.states.values()) {
    if (state.type === 'Task') {
      handlers[state.name] = (input) => {
        // Taken before anything else runs: the library evaluated Parameters (and $$.Task.Token) just before calling.
        const token = live.unclaimedToken;
        live.unclaimedToken = undefined;
        const stateInput = clone(live.enteredInput.get(state.name) ?? input);
        return runTask(
          runner,
          execution,
          workflow,
          live,
          state,
          clone(input),
          stateInput,
          state.task?.kind === 'invoke' && state.task.waitForToken ? token : undefined,
        );
      };
    } else if (state.type === 'Wait') {
      handlers[state.name] = (input) => {
        live.unclaimedToken = undefined;
        return runWait(runner, execution, workflow, live, state, clone(input));
      };
    }
  }
  const context: JsonObject = contextFor(execution, workflow);
  context.Task = taskContext(execution, live);
  // `$$.State.Name` / `$$.State.EnteredTime`: the state whose Parameters are being evaluated is the one entered last.
  const stateInfo = {};
  Object.defineProperty(stateInfo, 'Name', { enumerable: true, get: () => live.lastEntered?.Name });
  Object.defineProperty(stateInfo, 'EnteredTime', { enumerable: true, get: () => live.lastEntered?.EnteredTime });
  context.State = stateInfo;
  const hook: EventHook = (definition, iteration, event) => onLibraryEvent(runner.seenEvents, execution, workflow, definition, iteration, event);
  Object.defineProperty(context, EVENT_HOOK, { value: hook, enumerable: false });

  let input: unknown;
  try {
    input = JSON.parse(execution.input);
  } catch {
    input = {};
  }
  execution.history = [];
  record(execution, 'ExecutionStarted', { input: execution.input, inputDetails: { truncated: false }, roleArn: workflow.roleArn });
  execution.live = live;
  const handle = workflow.machine.run(input as never, { context: context as never, overrides: { taskResourceLocalHandlers: handlers as never } });
  abort = handle.abort;
  // Nothing reads the library's own log (events come through the wrapped dispatch); draining it frees them.
  void (async () => {
    for await (const _event of handle.eventLogs);
  })().catch(() => {});
  handle.result.then(
    (output) => finish(runner, execution, 'SUCCEEDED', { output: json(output) }),
    (error: unknown) => {
      if (error instanceof ExecutionAbortedError) return;
      if (error instanceof ExecutionTimeoutError)
        return finish(runner, execution, 'TIMED_OUT', { error: 'States.Timeout', cause: 'The execution ran longer than its TimeoutSeconds' });
      const failure = error instanceof ExecutionError && error.cause instanceof Error ? error.cause : error instanceof Error ? error : new Error(String(error));
      let name: string | undefined = failure.name;
      let cause: string | undefined = (failure as { cause?: unknown }).cause !== undefined ? String((failure as { cause?: unknown }).cause) : failure.message;
      // A Fail state without Error/Cause: the library fills in its own words, AWS leaves them out.
      if (failure.constructor.name === 'FailStateError') {
        if (name === 'FailStateError') name = undefined;
        if (cause === 'Execution failed because of a Fail state') cause = undefined;
      }
      finish(runner, execution, 'FAILED', { ...(name === undefined ? {} : { error: name }), ...(cause === undefined ? {} : { cause }) });
    },
  );
}

export function endLive(execution: Execution): void {
  const live = execution.live;
  if (live === undefined || live.ended) return;
  live.ended = true;
  for (const activity of [...live.activities]) activity.cancel();
  // Tasks whose attempt never registered an activity (still evaluating paths) see `ended` and unwind.
  live.abort();
}

export function finish(
  runner: RunnerContext,
  execution: Execution,
  status: Exclude<ExecutionStatus, 'RUNNING'>,
  fields: { output?: string; error?: string; cause?: string },
): void {
  if (runner.isStopped() || execution.status !== 'RUNNING') return;
  Object.assign(execution, { status, stopDate: Date.now() }, fields);
  const end = endEvent(execution);
  record(execution, end.type, end.details);
  endLive(execution);
  trimFinished(runner.executions);
  void runner.persist();
  runner.log(status === 'SUCCEEDED' ? 'info' : 'warn', `execution ${status.toLowerCase().replace('_', ' ')}`, {
    stateMachine: runner.byArn.get(execution.stateMachineArn)?.name ?? execution.stateMachineArn,
    name: execution.name,
    executionArn: execution.executionArn,
    durationMs: (execution.stopDate as number) - execution.startDate,
    ...(execution.error === undefined ? {} : { error: execution.error }),
    ...(execution.cause === undefined ? {} : { cause: truncate(execution.cause) }),
  });
  runner.notify();
}
