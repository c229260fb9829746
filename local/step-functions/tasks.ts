import { randomUUID } from 'node:crypto';
import { setPhase } from './activities.ts';
import type { Log, RunnerContext } from './context.ts';
import { contextFor } from './context-object.ts';
import { functionIdOf, type StateInfo, type TaskSpec, type Workflow } from './definitions.ts';
import { ExecutionEnded, functionError, runtimeError, TaskError, timeoutError } from './errors.ts';
import { record } from './history.ts';
import { asObject, clone, type Json, type JsonObject, json, truncate } from './json.ts';
import { MAX_TIMER_SECONDS } from './limits.ts';
import { evaluatePath } from './paths.ts';
import type { Activity, Execution, Live } from './records.ts';

/**
 * One attempt of a Task state, run here rather than by the library (which has no service
 * integrations and a fixed 60 s timeout): the Lambda call in its ARN or `lambda:invoke` shape,
 * TimeoutSeconds, HeartbeatSeconds, the token of a `.waitForTaskToken` Task, and the history
 * events of the attempt. Retries around attempts are in retries.ts.
 */

/** TimeoutSeconds or HeartbeatSeconds (or their *Path), bounded by what a local timer holds. */
async function seconds(
  log: Log,
  state: JsonObject,
  field: 'TimeoutSeconds' | 'HeartbeatSeconds',
  input: Json,
  context: JsonObject,
  stateName: string,
  execution: Execution,
): Promise<number | undefined> {
  let value: unknown = state[field];
  const path = state[`${field}Path`];
  if (typeof path === 'string') {
    value = await evaluatePath(path, input, context);
    if (!Number.isInteger(value) || (value as number) < 1) throw runtimeError(`${field}Path ${path} gave ${JSON.stringify(value)}, not a positive integer`);
  }
  if (typeof value !== 'number') return undefined;
  if (value > MAX_TIMER_SECONDS && typeof path === 'string') {
    log('warn', `${field} above what local timers hold: counts as 24 days`, { executionArn: execution.executionArn, state: stateName, [field]: value });
  }
  return Math.min(value, MAX_TIMER_SECONDS);
}

export async function runAttempt(
  runner: RunnerContext,
  execution: Execution,
  workflow: Workflow,
  live: Live,
  state: StateInfo,
  input: Json,
  stateInput: Json,
  token: string | undefined,
): Promise<Json> {
  const spec = state.task as TaskSpec;
  const context = contextFor(execution, workflow);
  // The *Path forms select from the state's input, as ASL says, not from the Parameters built from it.
  const timeoutSeconds = await seconds(runner.log, state.definition, 'TimeoutSeconds', stateInput, context, state.name, execution);
  const heartbeatSeconds =
    spec.kind === 'invoke' && spec.waitForToken
      ? await seconds(runner.log, state.definition, 'HeartbeatSeconds', stateInput, context, state.name, execution)
      : undefined;
  if (live.ended) throw new ExecutionEnded();

  const parameters = asObject(input) ?? {};
  const functionId = spec.kind === 'lambda' ? spec.functionId : (spec.functionId ?? functionIdOf(String(parameters.FunctionName ?? '')));
  const payload = spec.kind === 'lambda' ? input : ((parameters.Payload as Json | undefined) ?? {});
  const taskFields = spec.kind === 'invoke' ? { resourceType: 'lambda', resource: spec.resource } : {};
  const timeouts = {
    ...(timeoutSeconds === undefined ? {} : { timeoutInSeconds: timeoutSeconds }),
    ...(heartbeatSeconds === undefined ? {} : { heartbeatInSeconds: heartbeatSeconds }),
  };
  if (spec.kind === 'lambda') {
    record(execution, 'LambdaFunctionScheduled', { resource: spec.resource, input: json(input), inputDetails: { truncated: false }, ...timeouts });
    record(execution, 'LambdaFunctionStarted');
  } else {
    record(execution, 'TaskScheduled', { ...taskFields, region: runner.region, parameters: json(input), ...timeouts });
    record(execution, 'TaskStarted', taskFields);
  }

  return new Promise<Json>((resolveTask, rejectTask) => {
    let done = false;
    let timeoutTimer: NodeJS.Timeout | undefined;
    let heartbeatTimer: NodeJS.Timeout | undefined;
    const activity: Activity = { stateName: state.name, phase: 'idle', cancel: () => end(() => rejectTask(new ExecutionEnded())) };

    function end(settle: () => void): void {
      if (done) return;
      done = true;
      clearTimeout(timeoutTimer);
      clearTimeout(heartbeatTimer);
      if (token !== undefined) runner.tokens.delete(token);
      live.activities.delete(activity);
      setPhase(runner.notify, live, activity, 'idle');
      settle();
    }
    const succeed = (result: Json) =>
      end(() => {
        if (spec.kind === 'lambda') record(execution, 'LambdaFunctionSucceeded', { output: json(result), outputDetails: { truncated: false } });
        else record(execution, 'TaskSucceeded', { ...taskFields, output: json(result), outputDetails: { truncated: false } });
        resolveTask(result);
      });
    const fail = (error: Error, timedOut: boolean) =>
      end(() => {
        const details = { error: error.name, cause: error.message };
        if (spec.kind === 'lambda') record(execution, timedOut ? 'LambdaFunctionTimedOut' : 'LambdaFunctionFailed', details);
        else record(execution, timedOut ? 'TaskTimedOut' : 'TaskFailed', { ...taskFields, ...details });
        runner.log('warn', timedOut ? 'task timed out' : 'task failed', {
          executionArn: execution.executionArn,
          state: state.name,
          functionId,
          error: error.name,
          cause: truncate(error.message) ?? '',
        });
        rejectTask(error);
      });
    const armHeartbeat = () => {
      if (heartbeatSeconds === undefined || done) return;
      clearTimeout(heartbeatTimer);
      heartbeatTimer = setTimeout(
        () => fail(new TaskError('States.HeartbeatTimeout', `no heartbeat for ${heartbeatSeconds} seconds`), true),
        heartbeatSeconds * runner.timeScale * 1000,
      );
    };

    live.activities.add(activity);
    setPhase(runner.notify, live, activity, 'busy');
    if (timeoutSeconds !== undefined) {
      timeoutTimer = setTimeout(
        () => fail(timeoutError(`the task did not finish within ${timeoutSeconds} seconds`), true),
        timeoutSeconds * runner.timeScale * 1000,
      );
    }
    if (token !== undefined) {
      // Registered before the call: the function may hand the token on and see it completed before it returns.
      runner.tokens.set(token, {
        executionArn: execution.executionArn,
        stateName: state.name,
        succeed,
        fail: (error, cause) => fail(new TaskError(error ?? '', cause ?? ''), false),
        heartbeat: armHeartbeat,
      });
      armHeartbeat();
    } else if (spec.kind === 'invoke' && spec.waitForToken) {
      fail(runtimeError('$$.Task.Token was not evaluated for this attempt'), false);
      return;
    }
    if (!workflow.functionIds.has(functionId)) {
      fail(
        new TaskError('Lambda.ResourceNotFoundException', `Function not found: arn:aws:lambda:${runner.region}:${runner.accountId}:function:${functionId}`),
        false,
      );
      return;
    }
    Promise.resolve()
      .then(() => runner.invoke(functionId, clone(payload)))
      .then(
        (result) => {
          if (done) return;
          const returned = clone(result);
          if (spec.kind === 'lambda') return succeed(returned);
          const response: Json = {
            ExecutedVersion: '$LATEST',
            Payload: returned,
            SdkHttpMetadata: { HttpStatusCode: 200 },
            SdkResponseMetadata: { RequestId: randomUUID() },
            StatusCode: 200,
          };
          if (!spec.waitForToken) return succeed(response);
          record(execution, 'TaskSubmitted', { ...taskFields, output: json(response), outputDetails: { truncated: false } });
          setPhase(runner.notify, live, activity, 'blocked');
        },
        (error: unknown) => fail(functionError(error), false),
      );
  });
}
