import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { ExecutionAbortedError, ExecutionError, ExecutionTimeoutError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { AwsError, type AwsJsonService } from './aws-endpoint.ts';

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

// aws-local-stepfunctions declares Node 22: its Tasks use Promise.withResolvers (Node 20 lacks it).
const promiseStatics = Promise as unknown as { withResolvers?: unknown };
promiseStatics.withResolvers ??= () => {
  let resolvePromise: unknown;
  let rejectPromise: unknown;
  const promise = new Promise((a, b) => {
    resolvePromise = a;
    rejectPromise = b;
  });
  return { promise, resolve: resolvePromise, reject: rejectPromise };
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = Record<string, unknown>;

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
const STATUSES: readonly string[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'];

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

const DEFAULT_REGION = 'us-east-1';
const DEFAULT_ACCOUNT = '000000000000';
/** setTimeout's ceiling (2^31-1 ms) in whole seconds: the library's timer on a Task, never reached first. */
const LIBRARY_TASK_TIMEOUT_SECONDS = 2_147_483;
/** Our own timers stop here, below the library's, so they always fire first. */
const MAX_TIMER_SECONDS = 24 * 24 * 60 * 60;
const FINISHED_KEPT = 1000;
const STATE_VERSION = 1;
const MAX_NAME_LENGTH = 80;
const MAX_TOKEN_LENGTH = 2048;
const MAX_PAYLOAD_BYTES = 256 * 1024;
const MAX_ERROR_LENGTH = 256;
const MAX_CAUSE_LENGTH = 32_768;
/** Characters AWS refuses in execution names (whitespace, brackets, wildcards, punctuation, controls). */
const BAD_NAME = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;
const LAMBDA_ARN = /^arn:aws[\w-]*:lambda:[^:]*:[^:]*:function:([^:]+)(?::[^:]+)?$/;
const LAMBDA_INVOKE = /^arn:aws[\w-]*:states:::lambda:(invoke(?:\.waitForTaskToken)?)$/;
const STATE_MACHINE_ARN = /^arn:aws[\w-]*:states:[^:]+:\d{12}:stateMachine:[^:]+$/;
const EXECUTION_ARN = /^arn:aws[\w-]*:states:[^:]+:\d{12}:execution:[^:]+:[^:]+$/;

const require = createRequire(import.meta.url);

// ---------------------------------------------------------------------------------------------
// The library, adapted

/**
 * The library's own timeout error class (not exported): a task timeout must be one, because its
 * Catch handling lets `States.TaskFailed` match every error but instances of it.
 */
const StatesTimeoutError: new () => Error = await (async () => {
  const probe = new StateMachine(
    {
      StartAt: 'Probe',
      States: { Probe: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:000000000000:function:probe', TimeoutSeconds: 0.001, End: true } },
    } as StateMachineDefinition,
    { validationOptions: { noValidate: true } },
  );
  const error: unknown = await probe
    .run(null, { overrides: { taskResourceLocalHandlers: { Probe: () => new Promise(() => {}) } } })
    .result.then(
      () => undefined,
      (thrown: unknown) => (thrown as { cause?: unknown }).cause,
    );
  if (!(error instanceof Error) || error.name !== 'States.Timeout') {
    throw new Error('aws-local-stepfunctions changed: a Task timeout no longer throws States.Timeout; local/step-functions.ts needs updating');
  }
  return error.constructor as new () => Error;
})();

interface LibraryEvent {
  readonly type: string;
  readonly state?: { readonly name: string; readonly type: string; readonly input?: unknown; readonly output?: unknown };
}
type EventHook = (machineDefinition: object, iteration: number, event: LibraryEvent) => void;

/** On the context object given to run(): hidden from `$$` paths, seen by the wrapped execute. */
const EVENT_HOOK = Symbol('local-step-functions.event-hook');
const WRAPPED = Symbol('local-step-functions.wrapped');

/** Runs of one StateMachine instance: a Map state makes one instance and runs it per item, in order. */
const runsPerMachine = new WeakMap<object, number>();

function wrapLibraryExecute(): void {
  const proto = StateMachine.prototype as unknown as Record<PropertyKey, unknown>;
  if (proto[WRAPPED] === true) return;
  const original = proto.execute;
  if (typeof original !== 'function') {
    throw new Error('aws-local-stepfunctions changed: StateMachine.prototype.execute is gone; local/step-functions.ts needs updating');
  }
  proto.execute = function (this: { definition: object }, input: unknown, options: Record<string, unknown>, cleanup: unknown) {
    const runOptions = options?.runOptions as { context?: Record<PropertyKey, unknown> } | undefined;
    const hook = runOptions?.context?.[EVENT_HOOK] as EventHook | undefined;
    const logger = options?.eventLogger as { dispatch?: (event: LibraryEvent) => void; isLoggerClosed?: boolean } | undefined;
    if (hook !== undefined && logger !== undefined && typeof logger.dispatch === 'function') {
      const iteration = runsPerMachine.get(this) ?? 0;
      runsPerMachine.set(this, iteration + 1);
      const dispatch = logger.dispatch;
      const definition = this.definition;
      logger.dispatch = function (this: typeof logger, event: LibraryEvent) {
        if (this?.isLoggerClosed !== true) hook(definition, iteration, event);
        return dispatch.call(this, event);
      };
    }
    return (original as (...args: unknown[]) => unknown).call(this, input, options, cleanup);
  };
  proto[WRAPPED] = true;
}
wrapLibraryExecute();

/** A JSONPath (`$.a.b`, `$$.Execution.Input.x`) evaluated as the library does, through a Pass state. */
async function evaluatePath(path: string, input: Json, context: JsonObject): Promise<unknown> {
  const machine = new StateMachine({ StartAt: 'Path', States: { Path: { Type: 'Pass', Parameters: { 'value.$': path }, End: true } } } as StateMachineDefinition, {
    validationOptions: { noValidate: true },
  });
  try {
    const result = (await machine.run(input, { context: context as never }).result) as { value: unknown };
    return result.value;
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause;
    throw runtimeError(cause?.message ?? `path ${path} could not be evaluated`);
  }
}

// ---------------------------------------------------------------------------------------------
// Errors the states see

/** A Task failure as the library matches it: Retry/Catch compare `name`, the output's Cause is `message`. */
class TaskError extends Error {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }
}

/** States.Runtime: neither retried nor caught, as in AWS. */
function runtimeError(message: string): Error {
  const error = new TaskError('States.Runtime', message);
  Object.defineProperties(error, { isRetryable: { value: false }, isCatchable: { value: false } });
  return error;
}

/** Unwinds a Task of an execution that ended (stopped, timed out, runner stopped): nothing may catch it. */
class ExecutionEnded extends Error {
  override readonly name = 'Local.ExecutionEnded';
  get isRetryable() {
    return false;
  }
  get isCatchable() {
    return false;
  }
}

function timeoutError(cause: string): Error {
  const error = new StatesTimeoutError();
  error.message = cause;
  return error;
}

/** How Lambda reports a function error: errorType is the error's name. */
function functionError(thrown: unknown): TaskError {
  const errorType = thrown instanceof Error ? thrown.name || 'Error' : 'Error';
  const errorMessage = thrown instanceof Error ? thrown.message : String(thrown);
  const trace = thrown instanceof Error && thrown.stack !== undefined ? thrown.stack.split('\n') : [];
  return new TaskError(errorType, JSON.stringify({ errorType, errorMessage, trace }));
}

// ---------------------------------------------------------------------------------------------
// Definitions

type TaskSpec =
  | { readonly kind: 'lambda'; readonly resource: string; readonly functionId: string }
  | { readonly kind: 'invoke'; readonly resource: 'invoke' | 'invoke.waitForTaskToken'; readonly waitForToken: boolean; readonly functionId?: string };

interface StateInfo {
  readonly name: string;
  readonly type: string;
  readonly definition: JsonObject;
  readonly task?: TaskSpec;
  /** The Parallel and Map states it is nested in, innermost last. */
  readonly ancestors: readonly string[];
}

interface Retrier {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds?: number;
  readonly MaxAttempts?: number;
  readonly BackoffRate?: number;
  readonly MaxDelaySeconds?: number;
  readonly JitterStrategy?: string;
}

interface Workflow {
  readonly id: string;
  readonly name: string;
  readonly arn: string;
  readonly roleArn: string;
  readonly definitionText: string;
  readonly machine: StateMachine;
  readonly states: ReadonlyMap<string, StateInfo>;
  /** Branch and iterator definitions (the library's copies) -> the Parallel or Map state holding them. */
  readonly nested: WeakMap<object, { readonly state: string; readonly kind: 'Parallel' | 'Map' }>;
  readonly functionIds: ReadonlySet<string>;
}

const kebab = (id: string) => id.replace(/([a-z0-9])([A-Z])/g, '$1-$2').replace(/_/g, '-').toLowerCase();

/** `name`, `name:alias`, `123456789012:function:name`, or a full function ARN -> `name`. */
function functionIdOf(functionName: string): string {
  const parts = functionName.split(':');
  const at = parts.indexOf('function');
  return (at >= 0 ? parts[at + 1] : parts[0]) ?? functionName;
}

const asObject = (value: unknown): JsonObject | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : undefined;

/** Each distinct definition is validated once per process: asl-validator compiles its schemas on every call. */
const validated = new Map<string, string | null>();

function validateDefinition(text: string, definition: unknown): string | null {
  const known = validated.get(text);
  if (known !== undefined) return known;
  const validator = require('asl-validator') as (definition: unknown) => { isValid: boolean; errorsText: (separator?: string) => string };
  // asl-validator writes QueryLanguage into the object it checks.
  const result = validator(structuredClone(definition));
  const errors = result.isValid ? null : result.errorsText('\n');
  validated.set(text, errors);
  return errors;
}

interface CompileContext {
  readonly workflowId: string;
  readonly file: string;
  readonly functionIds: ReadonlySet<string>;
  readonly region: string;
  readonly accountId: string;
  readonly timeScale: number;
  readonly warn: (message: string, fields: JsonObject) => void;
}

function classifyTask(name: string, state: JsonObject, context: CompileContext): TaskSpec {
  const resource = state.Resource;
  const where = `${context.file}: state "${name}"`;
  if (typeof resource !== 'string') throw new Error(`${where} has no Resource`);
  const known = (functionId: string) => {
    if (!context.functionIds.has(functionId)) {
      throw new Error(`${where} calls function "${functionId}", which is not one of workflow ${context.workflowId}'s functions (${[...context.functionIds].join(', ')})`);
    }
    return functionId;
  };
  const lambda = LAMBDA_ARN.exec(resource);
  if (lambda !== null) return { kind: 'lambda', resource, functionId: known(lambda[1] as string) };
  const integration = LAMBDA_INVOKE.exec(resource);
  if (integration === null) {
    throw new Error(
      `${where} uses resource ${resource}: the local Step Functions runs Lambda functions only (a function ARN, arn:aws:states:::lambda:invoke, or arn:aws:states:::lambda:invoke.waitForTaskToken)`,
    );
  }
  const parameters = asObject(state.Parameters);
  if (parameters === undefined || (parameters.FunctionName === undefined && parameters['FunctionName.$'] === undefined)) {
    throw new Error(`${where}: ${resource} needs Parameters with FunctionName`);
  }
  const waitForToken = integration[1] === 'invoke.waitForTaskToken';
  if (waitForToken && !JSON.stringify(parameters).includes('$$.Task.Token')) {
    throw new Error(`${where} waits for a task token but its Parameters never pass $$.Task.Token: nothing could ever complete it`);
  }
  const functionName = parameters.FunctionName;
  return {
    kind: 'invoke',
    resource: integration[1] as 'invoke' | 'invoke.waitForTaskToken',
    waitForToken,
    ...(typeof functionName === 'string' ? { functionId: known(functionIdOf(functionName)) } : {}),
  };
}

/** Retriers of Parallel and Map states stay with the library: bounded and scaled. */
function libraryRetriers(retry: unknown, scale: number): unknown {
  if (!Array.isArray(retry)) return retry;
  return retry.map((retrier: JsonObject) => ({
    ...retrier,
    IntervalSeconds: ((retrier.IntervalSeconds as number | undefined) ?? 1) * scale,
    MaxDelaySeconds: Math.min((retrier.MaxDelaySeconds as number | undefined) ?? MAX_TIMER_SECONDS, MAX_TIMER_SECONDS) * scale,
  }));
}

/**
 * Indexes every state (nested ones too: names are unique in a state machine) and returns the copy
 * the library runs: Tasks without Retry and timeouts (run here), Waits as Tasks (run here).
 */
function libraryMachine(
  machine: JsonObject,
  context: CompileContext,
  states: Map<string, StateInfo>,
  nested: Workflow['nested'],
  parent?: { state: string; kind: 'Parallel' | 'Map' },
  ancestors: readonly string[] = [],
): JsonObject {
  const copies: JsonObject = {};
  for (const [name, value] of Object.entries(asObject(machine.States) ?? {})) {
    const state = asObject(value) ?? {};
    const type = String(state.Type);
    if (states.has(name)) throw new Error(`${context.file}: two states are named "${name}"`);
    if (state.QueryLanguage === 'JSONata') throw new Error(`${context.file}: state "${name}" uses JSONata, which the local runner ignores: keep ASL in JSONPath`);
    if (state.Assign !== undefined) throw new Error(`${context.file}: state "${name}" uses Assign (variables), which the local runner cannot run`);
    const copy: JsonObject = { ...state };
    let task: TaskSpec | undefined;
    if (type === 'Task') {
      task = classifyTask(name, state, context);
      for (const field of ['Retry', 'TimeoutSeconds', 'TimeoutSecondsPath', 'HeartbeatSeconds', 'HeartbeatSecondsPath', 'Credentials']) delete copy[field];
      copy.TimeoutSeconds = LIBRARY_TASK_TIMEOUT_SECONDS;
      for (const field of ['TimeoutSeconds', 'HeartbeatSeconds']) {
        if (typeof state[field] === 'number' && (state[field] as number) > MAX_TIMER_SECONDS) {
          context.warn(`${field} above what local timers hold: counts as ${MAX_TIMER_SECONDS} s (24 days)`, { workflow: context.workflowId, state: name, [field]: state[field] as number });
        }
      }
    } else if (type === 'Wait') {
      for (const field of ['Seconds', 'Timestamp', 'SecondsPath', 'TimestampPath']) delete copy[field];
      Object.assign(copy, {
        Type: 'Task',
        Resource: `arn:aws:lambda:${context.region}:${context.accountId}:function:local-wait`,
        TimeoutSeconds: LIBRARY_TASK_TIMEOUT_SECONDS,
      });
    } else if (type === 'Parallel') {
      copy.Branches = (Array.isArray(state.Branches) ? state.Branches : []).map((branch: JsonObject) =>
        libraryMachine(branch, context, states, nested, { state: name, kind: 'Parallel' }, [...ancestors, name]),
      );
      copy.Retry = libraryRetriers(state.Retry, context.timeScale);
    } else if (type === 'Map') {
      const field = state.ItemProcessor !== undefined ? 'ItemProcessor' : 'Iterator';
      copy[field] = libraryMachine(asObject(state[field]) ?? {}, context, states, nested, { state: name, kind: 'Map' }, [...ancestors, name]);
      copy.Retry = libraryRetriers(state.Retry, context.timeScale);
    }
    if (copy.Retry === undefined) delete copy.Retry;
    states.set(name, { name, type, definition: state, ancestors, ...(task === undefined ? {} : { task }) });
    copies[name] = copy;
  }
  const result: JsonObject = { ...machine, States: copies };
  if (parent !== undefined) nested.set(result, parent);
  return result;
}

function compileWorkflow(id: string, source: WorkflowSource, options: Required<Pick<StepFunctionsOptions, 'rootDir' | 'region' | 'accountId' | 'timeScale' | 'validate'>>, warn: CompileContext['warn']): Workflow {
  const file = resolve(options.rootDir, source.definitionFile);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`workflow ${id}: cannot read its definition ${file}: ${String(error)}`);
  }
  const unknown = new Set<string>();
  const definitionText = text.replace(/\$\{([^}]*)\}/g, (_match, placeholder: string) => {
    const functionId = source.functions[placeholder];
    if (functionId === undefined) {
      unknown.add(placeholder);
      return '';
    }
    return `arn:aws:lambda:${options.region}:${options.accountId}:function:${functionId}`;
  });
  if (unknown.size > 0) {
    const names = [...unknown].map((name) => `\${${name}}`).join(', ');
    throw new Error(`${source.definitionFile}: unknown placeholder(s) ${names}; workflow ${id} maps only ${Object.keys(source.functions).map((name) => `\${${name}}`).join(', ') || 'none'}`);
  }
  let definition: JsonObject;
  try {
    definition = asObject(JSON.parse(definitionText)) ?? {};
  } catch (error) {
    throw new Error(`${source.definitionFile}: not JSON: ${String(error)}`);
  }
  if (definition.QueryLanguage === 'JSONata') throw new Error(`${source.definitionFile}: JSONata is ignored by the local runner: keep ASL in JSONPath`);
  if (options.validate) {
    const errors = validateDefinition(definitionText, definition);
    if (errors !== null) throw new Error(`${source.definitionFile} is not valid ASL:\n${errors}`);
  }
  const states = new Map<string, StateInfo>();
  const nested: Workflow['nested'] = new WeakMap();
  const context: CompileContext = {
    workflowId: id,
    file: source.definitionFile,
    functionIds: new Set(Object.values(source.functions)),
    region: options.region,
    accountId: options.accountId,
    timeScale: options.timeScale,
    warn,
  };
  const copy = libraryMachine(definition, context, states, nested);
  if (typeof definition.TimeoutSeconds === 'number') copy.TimeoutSeconds = Math.min(definition.TimeoutSeconds, MAX_TIMER_SECONDS) * options.timeScale;
  delete copy.QueryLanguage;
  const name = kebab(id);
  return {
    id,
    name,
    arn: `arn:aws:states:${options.region}:${options.accountId}:stateMachine:${name}`,
    roleArn: `arn:aws:iam::${options.accountId}:role/${name}-local`,
    definitionText,
    machine: new StateMachine(copy as unknown as StateMachineDefinition, { validationOptions: { noValidate: true } }),
    states,
    nested,
    functionIds: context.functionIds,
  };
}

// ---------------------------------------------------------------------------------------------
// Executions

interface HistoryEvent {
  readonly id: number;
  readonly previousEventId: number;
  readonly timestamp: number;
  readonly type: string;
  readonly details?: JsonObject;
}

/** Something a running execution waits on: cancelled when the execution ends. */
interface Activity {
  readonly stateName: string;
  phase: 'busy' | 'blocked' | 'idle';
  cancel(): void;
}

interface Live {
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

interface PendingToken {
  readonly executionArn: string;
  readonly stateName: string;
  succeed(output: Json): void;
  fail(error: string | undefined, cause: string | undefined): void;
  heartbeat(): void;
}

interface Execution {
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

type StoredExecution = Omit<Execution, 'history' | 'live'>;

const detailsKey = (type: string) =>
  type.endsWith('StateEntered') ? 'stateEnteredEventDetails' : type.endsWith('StateExited') ? 'stateExitedEventDetails' : `${type[0]?.toLowerCase()}${type.slice(1)}EventDetails`;

const epochSeconds = (ms: number) => ms / 1000;
const json = (value: unknown) => JSON.stringify(value ?? null);
const clone = (value: unknown): Json => JSON.parse(JSON.stringify(value ?? null)) as Json;
/** JSON with object keys sorted: inputs equal as values compare equal as text. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner as JsonObject).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
const truncate = (text: string | undefined, length = 300) => (text === undefined || text.length <= length ? text : `${text.slice(0, length)}...`);

function requireString(input: JsonObject, field: string): string {
  const value = input[field];
  if (typeof value !== 'string' || value === '') {
    throw new AwsError('ValidationException', `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`);
  }
  return value;
}

function optionalString(input: JsonObject, field: string, maxLength: number): string | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new AwsError('SerializationException', `${field} must be a string`);
  if (value.length > maxLength) {
    throw new AwsError('ValidationException', `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${maxLength}`);
  }
  return value;
}

function pageOf<T>(items: readonly T[], input: JsonObject, defaultSize: number): { page: T[]; nextToken?: string } {
  const maxResults = input.maxResults === undefined || input.maxResults === 0 ? defaultSize : Number(input.maxResults);
  if (!Number.isInteger(maxResults) || maxResults < 0 || maxResults > 1000) {
    throw new AwsError('ValidationException', "1 validation error detected: Value at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000");
  }
  let offset = 0;
  if (input.nextToken !== undefined && input.nextToken !== null) {
    offset = Number.parseInt(Buffer.from(String(input.nextToken), 'base64url').toString('utf8'), 10);
    if (!Number.isInteger(offset) || offset < 0) throw new AwsError('InvalidToken', 'Invalid Token: the nextToken is not one this endpoint gave');
  }
  const page = items.slice(offset, offset + maxResults);
  const next = offset + maxResults;
  return next < items.length ? { page, nextToken: Buffer.from(String(next)).toString('base64url') } : { page };
}

export function createStepFunctionsRunner(options: StepFunctionsOptions): StepFunctionsRunner {
  const region = options.region ?? DEFAULT_REGION;
  const accountId = options.accountId ?? DEFAULT_ACCOUNT;
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0)) throw new Error(`timeScale must be a positive number, not ${timeScale}`);
  const print = options.log ?? ((line: string) => console.log(line));
  const log = (level: 'info' | 'warn' | 'error', message: string, fields: JsonObject = {}) =>
    print(JSON.stringify({ level, message: `local Step Functions: ${message}`, ...fields }));
  const invoke = options.invoke;

  const workflows = new Map<string, Workflow>();
  const byArn = new Map<string, Workflow>();
  for (const [id, source] of Object.entries(options.workflows)) {
    const workflow = compileWorkflow(
      id,
      source,
      { rootDir: options.rootDir, region, accountId, timeScale, validate: options.validate ?? true },
      (message, fields) => log('warn', message, fields),
    );
    workflows.set(id, workflow);
    byArn.set(workflow.arn, workflow);
  }
  const createdAt = Date.now();

  const executions = new Map<string, Execution>();
  const tokens = new Map<string, PendingToken>();
  const seenEvents = new WeakSet<object>();
  const waiters = new Set<() => void>();
  let stopped = false;
  let resumed = false;

  const notify = () => {
    for (const waiter of waiters) waiter();
    waiters.clear();
  };

  // --- persistence -----------------------------------------------------------------------

  const stateFile = options.stateFile;
  let pendingWrite: Promise<void> | undefined;

  function writeState(): void {
    if (stateFile === undefined) return;
    const stored: StoredExecution[] = [...executions.values()].map(({ history: _history, live: _live, ...record }) => record);
    try {
      mkdirSync(dirname(stateFile), { recursive: true });
      const temporary = `${stateFile}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify({ version: STATE_VERSION, executions: stored }));
      renameSync(temporary, stateFile);
    } catch (error) {
      log('error', 'cannot write the state file; executions will not survive a restart', { stateFile, error: String(error) });
    }
  }

  /** One write for every change of the same turn (a burst of StartExecution writes once). */
  function persist(): Promise<void> {
    if (stateFile === undefined || stopped) return Promise.resolve();
    pendingWrite ??= new Promise((resolveWrite) =>
      setImmediate(() => {
        pendingWrite = undefined;
        if (!stopped) writeState();
        resolveWrite();
      }),
    );
    return pendingWrite;
  }

  function loadState(): void {
    if (stateFile === undefined) return;
    let text: string;
    try {
      text = readFileSync(stateFile, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    let stored: StoredExecution[];
    try {
      const parsed = JSON.parse(text) as { version?: number; executions?: StoredExecution[] };
      if (parsed.version !== STATE_VERSION || !Array.isArray(parsed.executions)) throw new Error(`not a version ${STATE_VERSION} state file`);
      stored = parsed.executions;
    } catch (error) {
      const aside = `${stateFile}.unreadable-${Date.now()}`;
      renameSync(stateFile, aside);
      log('error', 'the state file is unreadable; moved aside, starting without executions', { stateFile, movedTo: aside, error: String(error) });
      return;
    }
    for (const record of stored) {
      const execution: Execution = { ...record };
      if (execution.status === 'RUNNING' && !byArn.has(execution.stateMachineArn)) {
        Object.assign(execution, { status: 'ABORTED', stopDate: Date.now(), error: 'States.Runtime', cause: 'its state machine is no longer defined' });
        log('warn', 'execution of a state machine no longer defined: aborted', { executionArn: execution.executionArn });
      }
      executions.set(execution.executionArn, execution);
    }
  }

  function trimFinished(): void {
    const finished = [...executions.values()].filter((e) => e.status !== 'RUNNING');
    if (finished.length <= FINISHED_KEPT) return;
    finished.sort((a, b) => (a.stopDate ?? 0) - (b.stopDate ?? 0));
    for (const execution of finished.slice(0, finished.length - FINISHED_KEPT)) executions.delete(execution.executionArn);
  }

  // --- history ---------------------------------------------------------------------------

  function record(execution: Execution, type: string, details?: JsonObject): void {
    const history = (execution.history ??= []);
    const id = history.length + 1;
    history.push({ id, previousEventId: id - 1, timestamp: Date.now(), type, ...(details === undefined ? {} : { details }) });
  }

  /** The library's state events, as AWS names them. */
  function onLibraryEvent(execution: Execution, workflow: Workflow, machineDefinition: object, iteration: number, event: LibraryEvent): void {
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

  function synthesizedHistory(execution: Execution): HistoryEvent[] {
    const events: HistoryEvent[] = [
      { id: 1, previousEventId: 0, timestamp: execution.startDate, type: 'ExecutionStarted', details: { input: execution.input, roleArn: byArn.get(execution.stateMachineArn)?.roleArn ?? '' } },
    ];
    if (execution.status !== 'RUNNING') events.push({ id: 2, previousEventId: 1, timestamp: execution.stopDate ?? execution.startDate, ...endEvent(execution) });
    return events;
  }

  function endEvent(execution: Execution): { type: string; details: JsonObject } {
    const failure = { ...(execution.error === undefined ? {} : { error: execution.error }), ...(execution.cause === undefined ? {} : { cause: execution.cause }) };
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

  // --- activities (what settled() counts) --------------------------------------------------

  function setPhase(live: Live, activity: Activity, phase: Activity['phase']): void {
    if (activity.phase === phase) return;
    if (activity.phase === 'busy') live.busy--;
    if (activity.phase === 'blocked') live.blocked--;
    activity.phase = phase;
    if (phase === 'busy') live.busy++;
    if (phase === 'blocked') live.blocked++;
    notify();
  }

  /** Sleeps as an activity of the execution: `blocked` for Waits, `busy` for retry intervals. */
  function pause(live: Live, stateName: string, ms: number, phase: 'busy' | 'blocked'): Promise<void> {
    return new Promise((resolvePause, rejectPause) => {
      if (live.ended) return rejectPause(new ExecutionEnded());
      const activity: Activity = {
        stateName,
        phase: 'idle',
        cancel: () => {
          clearTimeout(timer);
          live.activities.delete(activity);
          setPhase(live, activity, 'idle');
          rejectPause(new ExecutionEnded());
        },
      };
      const timer = setTimeout(
        () => {
          live.activities.delete(activity);
          setPhase(live, activity, 'idle');
          resolvePause();
        },
        Math.min(Math.max(0, ms), MAX_TIMER_SECONDS * 1000),
      );
      live.activities.add(activity);
      setPhase(live, activity, phase);
    });
  }

  // --- tokens ----------------------------------------------------------------------------

  function issueToken(executionArn: string): string {
    return Buffer.from(JSON.stringify({ v: 1, x: executionArn, n: randomBytes(16).toString('base64url') })).toString('base64url');
  }

  function pendingToken(input: JsonObject): PendingToken {
    const token = input.taskToken;
    if (typeof token !== 'string' || token === '') {
      throw new AwsError('ValidationException', "1 validation error detected: Value null at 'taskToken' failed to satisfy constraint: Member must not be null");
    }
    const pending = tokens.get(token);
    if (pending !== undefined) return pending;
    let executionArn: unknown;
    try {
      const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { v?: unknown; x?: unknown };
      executionArn = decoded.v === 1 ? decoded.x : undefined;
    } catch {
      executionArn = undefined;
    }
    if (token.length > MAX_TOKEN_LENGTH || typeof executionArn !== 'string') throw new AwsError('InvalidToken', 'Invalid Token: the task token is malformed');
    // A token of an execution this endpoint knows, no longer waited for: its task timed out, failed, or its execution ended.
    if (executions.has(executionArn)) throw new AwsError('TaskTimedOut', "Task Timed Out: 'Provided task does not exist anymore'");
    throw new AwsError('TaskDoesNotExist', 'Task Does Not Exist: no execution here handed out this token');
  }

  // --- states run here ---------------------------------------------------------------------

  function contextFor(execution: Execution, workflow: Workflow): JsonObject {
    return {
      Execution: { Id: execution.executionArn, Name: execution.name, RoleArn: workflow.roleArn, StartTime: new Date(execution.startDate).toISOString(), RedriveCount: 0 },
      StateMachine: { Id: workflow.arn, Name: workflow.name },
    };
  }

  async function seconds(
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

  /** Which retrier takes an error, as ASL says: the first whose ErrorEquals matches, while it has attempts left. */
  function retryDelaySeconds(retriers: readonly Retrier[], attempts: number[], error: unknown): number | undefined {
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

  async function runTask(
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
        return await runAttempt(execution, workflow, live, state, payload, stateInput, token);
      } catch (error) {
        if (live.ended || error instanceof ExecutionEnded) throw error;
        const delay = retryDelaySeconds(retriers, attempts, error);
        if (delay === undefined) throw error;
        await pause(live, state.name, delay * timeScale * 1000, 'busy');
        if (token !== undefined) {
          // Each attempt gets a token of its own, as in AWS.
          const next = issueToken(execution.executionArn);
          payload = JSON.parse(JSON.stringify(payload).replaceAll(token, next)) as Json;
          token = next;
        }
      }
    }
  }

  async function runAttempt(
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
    const timeoutSeconds = await seconds(state.definition, 'TimeoutSeconds', stateInput, context, state.name, execution);
    const heartbeatSeconds =
      spec.kind === 'invoke' && spec.waitForToken ? await seconds(state.definition, 'HeartbeatSeconds', stateInput, context, state.name, execution) : undefined;
    if (live.ended) throw new ExecutionEnded();

    const parameters = asObject(input) ?? {};
    const functionId = spec.kind === 'lambda' ? spec.functionId : (spec.functionId ?? functionIdOf(String(parameters.FunctionName ?? '')));
    const payload = spec.kind === 'lambda' ? input : ((parameters.Payload as Json | undefined) ?? {});
    const taskFields = spec.kind === 'invoke' ? { resourceType: 'lambda', resource: spec.resource } : {};
    const timeouts = { ...(timeoutSeconds === undefined ? {} : { timeoutInSeconds: timeoutSeconds }), ...(heartbeatSeconds === undefined ? {} : { heartbeatInSeconds: heartbeatSeconds }) };
    if (spec.kind === 'lambda') {
      record(execution, 'LambdaFunctionScheduled', { resource: spec.resource, input: json(input), inputDetails: { truncated: false }, ...timeouts });
      record(execution, 'LambdaFunctionStarted');
    } else {
      record(execution, 'TaskScheduled', { ...taskFields, region, parameters: json(input), ...timeouts });
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
        if (token !== undefined) tokens.delete(token);
        live.activities.delete(activity);
        setPhase(live, activity, 'idle');
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
          log('warn', timedOut ? 'task timed out' : 'task failed', {
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
          heartbeatSeconds * timeScale * 1000,
        );
      };

      live.activities.add(activity);
      setPhase(live, activity, 'busy');
      if (timeoutSeconds !== undefined) {
        timeoutTimer = setTimeout(() => fail(timeoutError(`the task did not finish within ${timeoutSeconds} seconds`), true), timeoutSeconds * timeScale * 1000);
      }
      if (token !== undefined) {
        // Registered before the call: the function may hand the token on and see it completed before it returns.
        tokens.set(token, {
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
        fail(new TaskError('Lambda.ResourceNotFoundException', `Function not found: arn:aws:lambda:${region}:${accountId}:function:${functionId}`), false);
        return;
      }
      Promise.resolve()
        .then(() => invoke(functionId, clone(payload)))
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
            setPhase(live, activity, 'blocked');
          },
          (error: unknown) => fail(functionError(error), false),
        );
    });
  }

  async function runWait(execution: Execution, workflow: Workflow, live: Live, state: StateInfo, input: Json): Promise<Json> {
    const wait = state.definition;
    const context = contextFor(execution, workflow);
    let ms = 0;
    if (typeof wait.Seconds === 'number') ms = wait.Seconds * 1000;
    else if (typeof wait.Timestamp === 'string') ms = Date.parse(wait.Timestamp) - Date.now();
    else if (typeof wait.SecondsPath === 'string') {
      const value = await evaluatePath(wait.SecondsPath, input, context);
      if (!Number.isInteger(value) || (value as number) < 0) throw runtimeError(`SecondsPath ${wait.SecondsPath} gave ${JSON.stringify(value)}, not a non-negative integer`);
      ms = (value as number) * 1000;
    } else if (typeof wait.TimestampPath === 'string') {
      const value = await evaluatePath(wait.TimestampPath, input, context);
      const at = typeof value === 'string' ? Date.parse(value) : Number.NaN;
      if (Number.isNaN(at)) throw runtimeError(`TimestampPath ${wait.TimestampPath} gave ${JSON.stringify(value)}, not a timestamp`);
      ms = at - Date.now();
    }
    ms = Math.max(0, ms) * timeScale;
    if (ms > MAX_TIMER_SECONDS * 1000) {
      log('warn', 'Wait longer than local timers hold: it ends after 24 days', { executionArn: execution.executionArn, state: state.name, seconds: Math.round(ms / 1000) });
    }
    await pause(live, state.name, ms, 'blocked');
    return input;
  }

  // --- running -----------------------------------------------------------------------------

  function run(execution: Execution): void {
    const workflow = byArn.get(execution.stateMachineArn) as Workflow;
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
          return runTask(execution, workflow, live, state, clone(input), stateInput, state.task?.kind === 'invoke' && state.task.waitForToken ? token : undefined);
        };
      } else if (state.type === 'Wait') {
        handlers[state.name] = (input) => {
          live.unclaimedToken = undefined;
          return runWait(execution, workflow, live, state, clone(input));
        };
      }
    }
    const context: JsonObject = contextFor(execution, workflow);
    const task = {};
    Object.defineProperty(task, 'Token', {
      enumerable: true,
      get: () => {
        live.unclaimedToken ??= issueToken(execution.executionArn);
        return live.unclaimedToken;
      },
    });
    context.Task = task;
    // `$$.State.Name` / `$$.State.EnteredTime`: the state whose Parameters are being evaluated is the one entered last.
    const stateInfo = {};
    Object.defineProperty(stateInfo, 'Name', { enumerable: true, get: () => live.lastEntered?.Name });
    Object.defineProperty(stateInfo, 'EnteredTime', { enumerable: true, get: () => live.lastEntered?.EnteredTime });
    context.State = stateInfo;
    const hook: EventHook = (definition, iteration, event) => onLibraryEvent(execution, workflow, definition, iteration, event);
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
      (output) => finish(execution, 'SUCCEEDED', { output: json(output) }),
      (error: unknown) => {
        if (error instanceof ExecutionAbortedError) return;
        if (error instanceof ExecutionTimeoutError) return finish(execution, 'TIMED_OUT', { error: 'States.Timeout', cause: 'The execution ran longer than its TimeoutSeconds' });
        const failure = error instanceof ExecutionError && error.cause instanceof Error ? error.cause : error instanceof Error ? error : new Error(String(error));
        let name: string | undefined = failure.name;
        let cause: string | undefined = (failure as { cause?: unknown }).cause !== undefined ? String((failure as { cause?: unknown }).cause) : failure.message;
        // A Fail state without Error/Cause: the library fills in its own words, AWS leaves them out.
        if (failure.constructor.name === 'FailStateError') {
          if (name === 'FailStateError') name = undefined;
          if (cause === 'Execution failed because of a Fail state') cause = undefined;
        }
        finish(execution, 'FAILED', { ...(name === undefined ? {} : { error: name }), ...(cause === undefined ? {} : { cause }) });
      },
    );
  }

  function endLive(execution: Execution): void {
    const live = execution.live;
    if (live === undefined || live.ended) return;
    live.ended = true;
    for (const activity of [...live.activities]) activity.cancel();
    // Tasks whose attempt never registered an activity (still evaluating paths) see `ended` and unwind.
    live.abort();
  }

  function finish(execution: Execution, status: Exclude<ExecutionStatus, 'RUNNING'>, fields: { output?: string; error?: string; cause?: string }): void {
    if (stopped || execution.status !== 'RUNNING') return;
    Object.assign(execution, { status, stopDate: Date.now() }, fields);
    const end = endEvent(execution);
    record(execution, end.type, end.details);
    endLive(execution);
    trimFinished();
    void persist();
    log(status === 'SUCCEEDED' ? 'info' : 'warn', `execution ${status.toLowerCase().replace('_', ' ')}`, {
      stateMachine: byArn.get(execution.stateMachineArn)?.name ?? execution.stateMachineArn,
      name: execution.name,
      executionArn: execution.executionArn,
      durationMs: (execution.stopDate as number) - execution.startDate,
      ...(execution.error === undefined ? {} : { error: execution.error }),
      ...(execution.cause === undefined ? {} : { cause: truncate(execution.cause) }),
    });
    notify();
  }

  // --- the API -----------------------------------------------------------------------------

  function workflowOf(stateMachineArn: string): Workflow {
    const workflow = byArn.get(stateMachineArn);
    if (workflow !== undefined) return workflow;
    if (!STATE_MACHINE_ARN.test(stateMachineArn)) throw new AwsError('InvalidArn', `Invalid Arn: '${stateMachineArn}'`);
    throw new AwsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
  }

  function executionOf(input: JsonObject): Execution {
    const arn = requireString(input, 'executionArn');
    const execution = executions.get(arn);
    if (execution !== undefined) return execution;
    if (!EXECUTION_ARN.test(arn)) throw new AwsError('InvalidArn', `Invalid Arn: '${arn}'`);
    throw new AwsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
  }

  async function startExecution(input: JsonObject): Promise<{ executionArn: string; startDate: number }> {
    if (stopped) throw new AwsError('ServiceUnavailable', 'the local Step Functions has stopped', 503);
    const workflow = workflowOf(requireString(input, 'stateMachineArn'));
    const name = input.name === undefined || input.name === null ? randomUUID() : input.name;
    if (typeof name !== 'string' || name.length < 1 || name.length > MAX_NAME_LENGTH || BAD_NAME.test(name)) {
      throw new AwsError('InvalidName', `Invalid Name: '${String(name)}'`);
    }
    const inputText = input.input === undefined || input.input === null ? '{}' : input.input;
    if (typeof inputText !== 'string') throw new AwsError('SerializationException', 'input must be a string');
    if (Buffer.byteLength(inputText) > MAX_PAYLOAD_BYTES) throw new AwsError('InvalidExecutionInput', `Invalid State Machine Execution Input: larger than ${MAX_PAYLOAD_BYTES} bytes`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(inputText);
    } catch (error) {
      throw new AwsError('InvalidExecutionInput', `Invalid State Machine Execution Input: '${(error as Error).message}'`);
    }
    const executionArn = `arn:aws:states:${region}:${accountId}:execution:${workflow.name}:${name}`;
    const existing = executions.get(executionArn);
    if (existing !== undefined) {
      // Same name and same input (as JSON values, key order aside) while running: the same execution (a retried call); anything else is a conflict.
      if (existing.status === 'RUNNING' && canonical(JSON.parse(existing.input)) === canonical(parsed)) return { executionArn, startDate: epochSeconds(existing.startDate) };
      throw new AwsError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const execution: Execution = { executionArn, stateMachineArn: workflow.arn, workflowId: workflow.id, name, input: inputText, status: 'RUNNING', startDate: Date.now() };
    executions.set(executionArn, execution);
    log('info', 'execution started', { stateMachine: workflow.name, name, executionArn });
    run(execution);
    notify();
    await persist();
    return { executionArn, startDate: epochSeconds(execution.startDate) };
  }

  function describe(execution: Execution): JsonObject {
    return {
      executionArn: execution.executionArn,
      stateMachineArn: execution.stateMachineArn,
      name: execution.name,
      status: execution.status,
      startDate: epochSeconds(execution.startDate),
      ...(execution.stopDate === undefined ? {} : { stopDate: epochSeconds(execution.stopDate) }),
      input: execution.input,
      inputDetails: { included: true },
      ...(execution.output === undefined ? {} : { output: execution.output, outputDetails: { included: true } }),
      ...(execution.error === undefined ? {} : { error: execution.error }),
      ...(execution.cause === undefined ? {} : { cause: execution.cause }),
      redriveCount: 0,
      redriveStatus: 'NOT_REDRIVABLE',
    };
  }

  const listItem = (execution: Execution): JsonObject => ({
    executionArn: execution.executionArn,
    stateMachineArn: execution.stateMachineArn,
    name: execution.name,
    status: execution.status,
    startDate: epochSeconds(execution.startDate),
    ...(execution.stopDate === undefined ? {} : { stopDate: epochSeconds(execution.stopDate) }),
  });

  function eventOut(event: HistoryEvent, includeData: boolean): JsonObject {
    let details = event.details;
    if (details !== undefined && !includeData) {
      const { input: _input, output: _output, inputDetails: _inputDetails, outputDetails: _outputDetails, ...rest } = details;
      details = rest;
    }
    return {
      timestamp: epochSeconds(event.timestamp),
      type: event.type,
      id: event.id,
      previousEventId: event.previousEventId,
      ...(details === undefined ? {} : { [detailsKey(event.type)]: details }),
    };
  }

  const operations: AwsJsonService['operations'] = {
    StartExecution: startExecution,

    DescribeExecution: async (input) => describe(executionOf(input)),

    StopExecution: async (input) => {
      const execution = executionOf(input);
      const error = optionalString(input, 'error', MAX_ERROR_LENGTH);
      const cause = optionalString(input, 'cause', MAX_CAUSE_LENGTH);
      if (execution.status === 'RUNNING') {
        Object.assign(execution, { status: 'ABORTED', stopDate: Date.now() }, error === undefined ? {} : { error }, cause === undefined ? {} : { cause });
        const end = endEvent(execution);
        record(execution, end.type, end.details);
        endLive(execution);
        trimFinished();
        log('warn', 'execution aborted (StopExecution)', { executionArn: execution.executionArn, ...(error === undefined ? {} : { error }) });
        notify();
        await persist();
      }
      return { stopDate: epochSeconds(execution.stopDate ?? Date.now()) };
    },

    ListExecutions: async (input) => {
      const workflow = workflowOf(requireString(input, 'stateMachineArn'));
      const statusFilter = input.statusFilter;
      if (statusFilter !== undefined && statusFilter !== null && !STATUSES.includes(String(statusFilter))) {
        throw new AwsError('ValidationException', `1 validation error detected: Value '${String(statusFilter)}' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [${STATUSES.join(', ')}]`);
      }
      const matching = [...executions.values()]
        .filter((e) => e.stateMachineArn === workflow.arn && (statusFilter === undefined || statusFilter === null || e.status === statusFilter))
        .sort((a, b) => b.startDate - a.startDate);
      const { page, nextToken } = pageOf(matching, input, 100);
      return { executions: page.map(listItem), ...(nextToken === undefined ? {} : { nextToken }) };
    },

    GetExecutionHistory: async (input) => {
      const execution = executionOf(input);
      const history = execution.history ?? synthesizedHistory(execution);
      const ordered = input.reverseOrder === true ? [...history].reverse() : history;
      const { page, nextToken } = pageOf(ordered, input, 100);
      const includeData = input.includeExecutionData !== false;
      return { events: page.map((event) => eventOut(event, includeData)), ...(nextToken === undefined ? {} : { nextToken }) };
    },

    SendTaskSuccess: async (input) => {
      const pending = pendingToken(input);
      const output = input.output;
      if (typeof output !== 'string') throw new AwsError('ValidationException', "1 validation error detected: Value null at 'output' failed to satisfy constraint: Member must not be null");
      if (Buffer.byteLength(output) > MAX_PAYLOAD_BYTES) throw new AwsError('InvalidOutput', `Invalid Output: larger than ${MAX_PAYLOAD_BYTES} bytes`);
      let parsed: Json;
      try {
        parsed = JSON.parse(output) as Json;
      } catch (error) {
        throw new AwsError('InvalidOutput', `Invalid Output: '${(error as Error).message}'`);
      }
      pending.succeed(parsed);
      return {};
    },

    SendTaskFailure: async (input) => {
      const pending = pendingToken(input);
      pending.fail(optionalString(input, 'error', MAX_ERROR_LENGTH), optionalString(input, 'cause', MAX_CAUSE_LENGTH));
      return {};
    },

    SendTaskHeartbeat: async (input) => {
      pendingToken(input).heartbeat();
      return {};
    },

    DescribeStateMachine: async (input) => {
      const workflow = workflowOf(requireString(input, 'stateMachineArn'));
      return {
        stateMachineArn: workflow.arn,
        name: workflow.name,
        status: 'ACTIVE',
        definition: workflow.definitionText,
        roleArn: workflow.roleArn,
        type: 'STANDARD',
        creationDate: epochSeconds(createdAt),
        loggingConfiguration: { level: 'OFF', includeExecutionData: false },
      };
    },

    ListStateMachines: async (input) => {
      const machines = [...workflows.values()].map((w) => ({ stateMachineArn: w.arn, name: w.name, type: 'STANDARD', creationDate: epochSeconds(createdAt) }));
      const { page, nextToken } = pageOf(machines, input, 100);
      return { stateMachines: page, ...(nextToken === undefined ? {} : { nextToken }) };
    },
  };

  loadState();

  function isSettled(): boolean {
    for (const execution of executions.values()) {
      const live = execution.live;
      if (execution.status !== 'RUNNING' || live === undefined || live.ended) continue;
      if (live.busy > 0 || live.blocked === 0) return false;
    }
    return true;
  }

  return {
    service: { targetPrefix: 'AWSStepFunctions', jsonVersion: '1.0', operations },

    stateMachineArn(workflowId) {
      const workflow = workflows.get(workflowId);
      if (workflow === undefined) throw new Error(`no workflow ${workflowId}; known: ${[...workflows.keys()].join(', ')}`);
      return workflow.arn;
    },

    async startExecution(request) {
      const started = await startExecution({ ...request });
      return { executionArn: started.executionArn, startDate: new Date(started.startDate * 1000) };
    },

    executions() {
      const pendingByExecution = new Map<string, { token: string; stateName: string }[]>();
      for (const [token, pending] of tokens) {
        const list = pendingByExecution.get(pending.executionArn) ?? [];
        list.push({ token, stateName: pending.stateName });
        pendingByExecution.set(pending.executionArn, list);
      }
      const parse = (text: string | undefined) => (text === undefined ? undefined : (JSON.parse(text) as unknown));
      return [...executions.values()]
        .sort((a, b) => a.startDate - b.startDate)
        .map((e) => ({
          executionArn: e.executionArn,
          stateMachineArn: e.stateMachineArn,
          workflowId: e.workflowId,
          name: e.name,
          status: e.status,
          input: parse(e.input),
          ...(e.output === undefined ? {} : { output: parse(e.output) }),
          ...(e.error === undefined ? {} : { error: e.error }),
          ...(e.cause === undefined ? {} : { cause: e.cause }),
          startDate: new Date(e.startDate),
          ...(e.stopDate === undefined ? {} : { stopDate: new Date(e.stopDate) }),
          taskTokens: pendingByExecution.get(e.executionArn) ?? [],
        }));
    },

    resume() {
      if (resumed || stopped) return 0;
      resumed = true;
      let count = 0;
      for (const execution of executions.values()) {
        if (execution.status !== 'RUNNING' || execution.live !== undefined) continue;
        log('info', 'execution replayed from the start (it was running when the process stopped)', {
          stateMachine: byArn.get(execution.stateMachineArn)?.name ?? execution.stateMachineArn,
          name: execution.name,
          executionArn: execution.executionArn,
        });
        run(execution);
        count++;
      }
      notify();
      return count;
    },

    async settled() {
      for (;;) {
        // Counted at a turn of the event loop: between two, the library moves from state to state in promise jobs only.
        await new Promise((resolveTurn) => setImmediate(resolveTurn));
        if (stopped || isSettled()) return;
        await new Promise<void>((wake) => waiters.add(wake));
      }
    },

    stop() {
      if (stopped) return;
      if (pendingWrite !== undefined) writeState();
      stopped = true;
      for (const execution of executions.values()) endLive(execution);
      tokens.clear();
      notify();
    },
  };
}
