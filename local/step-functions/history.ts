import type { Workflow } from './definitions.ts';
import { type JsonObject, json } from './json.ts';
import type { LibraryEvent } from './library.ts';
import type { Execution, HistoryEvent } from './records.ts';

/** The execution history (GetExecutionHistory): events recorded as they happen, named as AWS names them. */

export function record(execution: Execution, type: string, details?: JsonObject): void {
  execution.history ??= [];
  const history = execution.history;
  const id = history.length + 1;
  history.push({ id, previousEventId: id - 1, timestamp: Date.now(), type, ...(details === undefined ? {} : { details }) });
}

/** The library's state events, as AWS names them. */
export function onLibraryEvent(
  seenEvents: WeakSet<object>,
  execution: Execution,
  workflow: Workflow,
  machineDefinition: object,
  iteration: number,
  event: LibraryEvent,
): void {
  // The library forwards nested events to the parent's log: the same objects, or copies renamed MapIteration*/ParallelBranch*.
  if (seenEvents.has(event)) return;
  seenEvents.add(event);
  if (execution.live === undefined || execution.live.ended) return;
  const parent = workflow.nested.get(machineDefinition);
  switch (event.type) {
    case 'ExecutionStarted':
    case 'ExecutionSucceeded':
    case 'ExecutionFailed':
    case 'ExecutionAborted': {
      if (parent?.kind !== 'Map') return;
      const outcome = event.type.slice('Execution'.length);
      record(execution, `MapIteration${outcome}`, { name: parent.state, index: iteration });
      return;
    }
    case 'StateEntered':
    case 'StateExited':
    case 'StateFailed': {
      const state = event.state;
      if (state === undefined) return;
      const type = workflow.states.get(state.name)?.type ?? state.type;
      if (event.type === 'StateEntered') {
        execution.live.enteredInput.set(state.name, state.input);
        execution.live.failedContainers.delete(state.name);
        execution.live.lastEntered = { Name: state.name, EnteredTime: new Date().toISOString() };
        record(execution, `${type}StateEntered`, { name: state.name, input: json(state.input), inputDetails: { truncated: false } });
        if (type === 'Parallel' || type === 'Map') record(execution, `${type}StateStarted`, type === 'Map' ? {} : undefined);
      } else if (event.type === 'StateExited') {
        if ((type === 'Parallel' || type === 'Map') && !execution.live.failedContainers.delete(state.name)) record(execution, `${type}StateSucceeded`);
        record(execution, `${type}StateExited`, { name: state.name, output: json(state.output), outputDetails: { truncated: false } });
      } else if (type === 'Parallel' || type === 'Map') {
        record(execution, `${type}StateFailed`);
        execution.live.failedContainers.add(state.name);
        // The library stopped the other branches or iterations; what they waited on (tokens, Waits) goes with them.
        for (const activity of [...execution.live.activities]) {
          if (workflow.states.get(activity.stateName)?.ancestors.includes(state.name)) activity.cancel();
        }
      }
      return;
    }
    default:
      return;
  }
}

export function synthesizedHistory(byArn: ReadonlyMap<string, Workflow>, execution: Execution): HistoryEvent[] {
  const events: HistoryEvent[] = [
    {
      id: 1,
      previousEventId: 0,
      timestamp: execution.startDate,
      type: 'ExecutionStarted',
      details: { input: execution.input, roleArn: byArn.get(execution.stateMachineArn)?.roleArn ?? '' },
    },
  ];
  if (execution.status !== 'RUNNING') events.push({ id: 2, previousEventId: 1, timestamp: execution.stopDate ?? execution.startDate, ...endEvent(execution) });
  return events;
}

export function endEvent(execution: Execution): { type: string; details: JsonObject } {
  const failure = {
    ...(execution.error === undefined ? {} : { error: execution.error }),
    ...(execution.cause === undefined ? {} : { cause: execution.cause }),
  };
  switch (execution.status) {
    case 'SUCCEEDED':
      return { type: 'ExecutionSucceeded', details: { output: execution.output ?? 'null', outputDetails: { truncated: false } } };
    case 'FAILED':
      return { type: 'ExecutionFailed', details: failure };
    case 'TIMED_OUT':
      return { type: 'ExecutionTimedOut', details: failure };
    default:
      return { type: 'ExecutionAborted', details: failure };
  }
}
