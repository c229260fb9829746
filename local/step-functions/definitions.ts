import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { asObject, type JsonObject } from './json.ts';
import { LAMBDA_ARN, LAMBDA_INVOKE, LIBRARY_TASK_TIMEOUT_SECONDS, MAX_TIMER_SECONDS } from './limits.ts';
import type { StepFunctionsOptions, WorkflowSource } from './types.ts';

/**
 * Definitions: an ASL file becomes a Workflow, with its placeholders filled, every state indexed,
 * and the copy the library runs (Tasks and Waits handed to this runner).
 */

const require = createRequire(import.meta.url);

export type TaskSpec =
  | { readonly kind: 'lambda'; readonly resource: string; readonly functionId: string }
  | { readonly kind: 'invoke'; readonly resource: 'invoke' | 'invoke.waitForTaskToken'; readonly waitForToken: boolean; readonly functionId?: string };

export interface StateInfo {
  readonly name: string;
  readonly type: string;
  readonly definition: JsonObject;
  readonly task?: TaskSpec;
  /** The Parallel and Map states it is nested in, innermost last. */
  readonly ancestors: readonly string[];
}

export interface Workflow {
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

export const kebab = (id: string) =>
  id
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/_/g, '-')
    .toLowerCase();

/** `name`, `name:alias`, `123456789012:function:name`, or a full function ARN -> `name`. */
export function functionIdOf(functionName: string): string {
  const parts = functionName.split(':');
  const at = parts.indexOf('function');
  return (at >= 0 ? parts[at + 1] : parts[0]) ?? functionName;
}

/** Each distinct definition is validated once per process: asl-validator compiles its schemas on every call. */
export const validated = new Map<string, string | null>();

export function validateDefinition(text: string, definition: unknown): string | null {
  const known = validated.get(text);
  if (known !== undefined) return known;
  const validator = require('asl-validator') as (definition: unknown) => { isValid: boolean; errorsText: (separator?: string) => string };
  // asl-validator writes QueryLanguage into the object it checks.
  const result = validator(structuredClone(definition));
  const errors = result.isValid ? null : result.errorsText('\n');
  validated.set(text, errors);
  return errors;
}

export interface CompileContext {
  readonly workflowId: string;
  readonly file: string;
  readonly functionIds: ReadonlySet<string>;
  readonly region: string;
  readonly accountId: string;
  readonly timeScale: number;
  readonly warn: (message: string, fields: JsonObject) => void;
}

export function classifyTask(name: string, state: JsonObject, context: CompileContext): TaskSpec {
  const resource = state.Resource;
  const where = `${context.file}: state "${name}"`;
  if (typeof resource !== 'string') throw new Error(`${where} has no Resource`);
  const known = (functionId: string) => {
    if (!context.functionIds.has(functionId)) {
      throw new Error(
        `${where} calls function "${functionId}", which is not one of workflow ${context.workflowId}'s functions (${[...context.functionIds].join(', ')})`,
      );
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
export function libraryRetriers(retry: unknown, scale: number): unknown {
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
export function libraryMachine(
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
    if (state.QueryLanguage === 'JSONata')
      throw new Error(`${context.file}: state "${name}" uses JSONata, which the local runner ignores: keep ASL in JSONPath`);
    if (state.Assign !== undefined) throw new Error(`${context.file}: state "${name}" uses Assign (variables), which the local runner cannot run`);
    const copy: JsonObject = { ...state };
    let task: TaskSpec | undefined;
    if (type === 'Task') {
      task = classifyTask(name, state, context);
      for (const field of ['Retry', 'TimeoutSeconds', 'TimeoutSecondsPath', 'HeartbeatSeconds', 'HeartbeatSecondsPath', 'Credentials']) delete copy[field];
      copy.TimeoutSeconds = LIBRARY_TASK_TIMEOUT_SECONDS;
      for (const field of ['TimeoutSeconds', 'HeartbeatSeconds']) {
        if (typeof state[field] === 'number' && (state[field] as number) > MAX_TIMER_SECONDS) {
          context.warn(`${field} above what local timers hold: counts as ${MAX_TIMER_SECONDS} s (24 days)`, {
            workflow: context.workflowId,
            state: name,
            [field]: state[field] as number,
          });
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

export function compileWorkflow(
  id: string,
  source: WorkflowSource,
  options: Required<Pick<StepFunctionsOptions, 'rootDir' | 'region' | 'accountId' | 'timeScale' | 'validate'>>,
  warn: CompileContext['warn'],
): Workflow {
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
    throw new Error(
      `${source.definitionFile}: unknown placeholder(s) ${names}; workflow ${id} maps only ${
        Object.keys(source.functions)
          .map((name) => `\${${name}}`)
          .join(', ') || 'none'
      }`,
    );
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
