import { pause } from './activities.ts';
import type { RunnerContext } from './context.ts';
import { contextFor } from './context-object.ts';
import type { StateInfo, Workflow } from './definitions.ts';
import { runtimeError } from './errors.ts';
import type { Json } from './json.ts';
import { MAX_TIMER_SECONDS } from './limits.ts';
import { evaluatePath } from './paths.ts';
import type { Execution, Live } from './records.ts';

/**
 * Wait states, run here (definitions.ts turns them into Tasks for the library) because the
 * library's own timer overflows past 24.8 days and cannot be scaled: Seconds, Timestamp and their
 * *Path forms, scaled by timeScale, longer than 24 days ending after 24 days. A Wait is `blocked`
 * for settled(): the execution waits, it does not work.
 */

export async function runWait(runner: RunnerContext, execution: Execution, workflow: Workflow, live: Live, state: StateInfo, input: Json): Promise<Json> {
  const wait = state.definition;
  const context = contextFor(execution, workflow);
  let ms = 0;
  if (typeof wait.Seconds === 'number') ms = wait.Seconds * 1000;
  else if (typeof wait.Timestamp === 'string') ms = Date.parse(wait.Timestamp) - Date.now();
  else if (typeof wait.SecondsPath === 'string') {
    const value = await evaluatePath(wait.SecondsPath, input, context);
    if (!Number.isInteger(value) || (value as number) < 0)
      throw runtimeError(`SecondsPath ${wait.SecondsPath} gave ${JSON.stringify(value)}, not a non-negative integer`);
    ms = (value as number) * 1000;
  } else if (typeof wait.TimestampPath === 'string') {
    const value = await evaluatePath(wait.TimestampPath, input, context);
    const at = typeof value === 'string' ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(at)) throw runtimeError(`TimestampPath ${wait.TimestampPath} gave ${JSON.stringify(value)}, not a timestamp`);
    ms = at - Date.now();
  }
  ms = Math.max(0, ms) * runner.timeScale;
  if (ms > MAX_TIMER_SECONDS * 1000) {
    runner.log('warn', 'Wait longer than local timers hold: it ends after 24 days', {
      executionArn: execution.executionArn,
      state: state.name,
      seconds: Math.round(ms / 1000),
    });
  }
  await pause(runner.notify, live, state.name, ms, 'blocked');
  return input;
}
