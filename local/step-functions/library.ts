import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';

/**
 * aws-local-stepfunctions, adapted: Node 20 support, its hidden timeout error class, and a wrapper
 * that shows the runner every state event as it happens. Importing this file runs both fixes once.
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

/**
 * The library's own timeout error class (not exported): a task timeout must be one, because its
 * Catch handling lets `States.TaskFailed` match every error but instances of it.
 */
export const StatesTimeoutError: new () => Error = await (async () => {
  const probe = new StateMachine(
    {
      StartAt: 'Probe',
      States: { Probe: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:000000000000:function:probe', TimeoutSeconds: 0.001, End: true } },
    } as StateMachineDefinition,
    { validationOptions: { noValidate: true } },
  );
  const error: unknown = await probe.run(null, { overrides: { taskResourceLocalHandlers: { Probe: () => new Promise(() => {}) } } }).result.then(
    () => undefined,
    (thrown: unknown) => (thrown as { cause?: unknown }).cause,
  );
  if (!(error instanceof Error) || error.name !== 'States.Timeout') {
    throw new Error('aws-local-stepfunctions changed: a Task timeout no longer throws States.Timeout; local/step-functions/library.ts needs updating');
  }
  return error.constructor as new () => Error;
})();

export interface LibraryEvent {
  readonly type: string;
  readonly state?: { readonly name: string; readonly type: string; readonly input?: unknown; readonly output?: unknown };
}
export type EventHook = (machineDefinition: object, iteration: number, event: LibraryEvent) => void;

/** On the context object given to run(): hidden from `$$` paths, seen by the wrapped execute. */
export const EVENT_HOOK = Symbol('local-step-functions.event-hook');
export const WRAPPED = Symbol('local-step-functions.wrapped');

/** Runs of one StateMachine instance: a Map state makes one instance and runs it per item, in order. */
export const runsPerMachine = new WeakMap<object, number>();

export function wrapLibraryExecute(): void {
  const proto = StateMachine.prototype as unknown as Record<PropertyKey, unknown>;
  if (proto[WRAPPED] === true) return;
  const original = proto.execute;
  if (typeof original !== 'function') {
    throw new Error('aws-local-stepfunctions changed: StateMachine.prototype.execute is gone; local/step-functions/library.ts needs updating');
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
