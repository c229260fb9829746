/**
 * AWS Step Functions, locally: the product's ASL files (functions/routes.ts WORKFLOWS) run on
 * aws-local-stepfunctions behind the Step Functions JSON API (`AWSStepFunctions.*`), so
 * @aws-sdk/client-sfn, the AWS CLI and the functions reach it through AWS_ENDPOINT_URL_SFN.
 *
 * What runs: each workflow's file with its `${Placeholders}` filled as CDK fills them (a function
 * placeholder becomes `arn:aws:lambda:<region>:<account>:function:<functionId>`); an unknown
 * placeholder, a Task calling anything but Lambda, JSONata or `Assign` (which the library ignores
 * or fails on) refuse to start, with a message saying which state. Tasks go to `invoke`, as:
 * - a function ARN (the legacy direct invoke): the function's result is the Task's result;
 * - `arn:aws:states:::lambda:invoke`: `{ Payload, StatusCode: 200, ExecutedVersion, ... }`;
 * - `arn:aws:states:::lambda:invoke.waitForTaskToken`: `$$.Task.Token` is a fresh token per
 *   attempt; the Task ends with SendTaskSuccess / SendTaskFailure, or States.Timeout
 *   (TimeoutSeconds), or States.HeartbeatTimeout (HeartbeatSeconds without SendTaskHeartbeat).
 * A function that throws fails its Task with the error's `name` (what Lambda reports as
 * errorType) and a Lambda-shaped cause, so Retry and Catch on `States.TaskFailed`,
 * `States.ALL` or the name itself behave as in AWS, nested in Parallel and Map states too.
 *
 * Why Tasks and Waits are not left to the library: it has no service integrations and no task
 * tokens, gives every Task a 60 s timeout, and overflows setTimeout on long waits. So Task
 * states run here (Retry, TimeoutSeconds, HeartbeatSeconds, tokens and the history events of each
 * attempt), Wait states become Tasks run here, and the library keeps the rest (paths, Choice,
 * Parallel, Map, Catch, Fail). The library's StateMachine.prototype.execute is wrapped to see the
 * events of every state, nested ones included, as they happen (its own event log forwards nested
 * events late and drops the last ones); the wrapper leaves machines not started here untouched.
 *
 * Timers: a timer can wait 2^31-1 ms (24.8 days) at most. A Wait longer than 24 days ends after 24
 * days (a line is logged); TimeoutSeconds and HeartbeatSeconds above 24 days count as 24 days, and
 * so does a retry interval; a Task state (all its attempts together) cannot last more than 24.8
 * days. AWS allows a year. `timeScale` multiplies every duration (Waits, timeouts, heartbeats,
 * retry intervals, the execution's TimeoutSeconds): tests run real definitions at 1/100th speed.
 *
 * Persistence (`stateFile`, JSON, replaced atomically after every status change): executions that
 * were RUNNING when the process stopped start again from the beginning, with the same name, ARN,
 * input and start date, when `resume()` is called (the runtime calls it once its AWS endpoint
 * listens). Replay works because the product's task handlers are idempotent: they reach the same
 * point again. Tokens handed out before the restart are dead (SendTaskSuccess: TaskTimedOut);
 * replay hands out new ones through the same tasks. A Wait starts over: `Seconds` waits its full
 * time again, a `Timestamp` only what is left. Finished executions (the most recent 1000) are kept
 * for DescribeExecution and ListExecutions; their history is not kept across a restart (a replayed
 * or reloaded execution's history starts at the restart).
 *
 * Other local differences: no IAM, signatures or quotas; the execution history has the events of
 * states and Lambda tasks, not EvaluationFailed, redrive or map-run events, and `previousEventId` is
 * the event before; `$$.State` is the state entered last (so inside Parallel branches it may name another branch's state), `$$.State` and `$$.Map` inside a Map iteration are not available, and
 * `$$.Execution.StartTime` is when this process (re)started the execution; TimeoutSecondsPath and
 * HeartbeatSecondsPath select from the state's raw input; StartExecution with a reused name is
 * idempotent when the inputs are equal as JSON values (key order aside); a Retry on a Parallel or
 * Map state waits without counting as work for settled() (see there). Importing this module takes a
 * few milliseconds of top-level await (the library's timeout error class is found by a probe run).
 */

// Where each part lives (local/step-functions/):
// - runner.ts: createStepFunctionsRunner: builds one runner, settled(), resume(), stop()
// - definitions.ts: an ASL file -> a Workflow (placeholders, checks, the copy the library runs)
// - executions.ts: running one execution on the library, and how it finishes
// - tasks.ts: one attempt of a Task state (Lambda call, TimeoutSeconds, HeartbeatSeconds)
// - retries.ts: Retry of Task states (which retrier, backoff, a new token per attempt)
// - task-tokens.ts: `$$.Task.Token`, SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat
// - waits.ts: Wait states
// - activities.ts: what settled() counts (busy or blocked), and the timers behind Waits and retries
// - history.ts: GetExecutionHistory's events
// - persistence.ts: the state file
// - service.ts, service-input.ts: the Step Functions JSON API and its request checks
// - library.ts, paths.ts, errors.ts: aws-local-stepfunctions adapted, JSONPath through it, the errors states see
// - context.ts, context-object.ts, records.ts, json.ts, limits.ts, types.ts: shared shapes and bounds

export { createStepFunctionsRunner } from './step-functions/runner.ts';
export type { ExecutionStatus, ExecutionSummary, StepFunctionsOptions, StepFunctionsRunner, WorkflowSource } from './step-functions/types.ts';
