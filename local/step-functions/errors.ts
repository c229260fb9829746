import { StatesTimeoutError } from './library.ts';

// Errors the states see.

/** A Task failure as the library matches it: Retry/Catch compare `name`, the output's Cause is `message`. */
export class TaskError extends Error {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }
}

/** States.Runtime: neither retried nor caught, as in AWS. */
export function runtimeError(message: string): Error {
  const error = new TaskError('States.Runtime', message);
  Object.defineProperties(error, { isRetryable: { value: false }, isCatchable: { value: false } });
  return error;
}

/** Unwinds a Task of an execution that ended (stopped, timed out, runner stopped): nothing may catch it. */
export class ExecutionEnded extends Error {
  override readonly name = 'Local.ExecutionEnded';
  get isRetryable() {
    return false;
  }
  get isCatchable() {
    return false;
  }
}

export function timeoutError(cause: string): Error {
  const error = new StatesTimeoutError();
  error.message = cause;
  return error;
}

/** How Lambda reports a function error: errorType is the error's name. */
export function functionError(thrown: unknown): TaskError {
  const errorType = thrown instanceof Error ? thrown.name || 'Error' : 'Error';
  const errorMessage = thrown instanceof Error ? thrown.message : String(thrown);
  const trace = thrown instanceof Error && thrown.stack !== undefined ? thrown.stack.split('\n') : [];
  return new TaskError(errorType, JSON.stringify({ errorType, errorMessage, trace }));
}
