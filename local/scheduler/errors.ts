/** An error Scheduler answers with: its type goes in `x-amzn-errortype`, the HTTP status follows from it. */
export class SchedulerError extends Error {
  constructor(
    readonly code: 'ValidationException' | 'ConflictException' | 'ResourceNotFoundException' | 'InternalServerException',
    message: string,
  ) {
    super(message);
  }
  get status(): number {
    return { ValidationException: 400, ConflictException: 409, ResourceNotFoundException: 404, InternalServerException: 500 }[this.code];
  }
}

export const validation = (message: string) => new SchedulerError('ValidationException', message);
export const notNull = (path: string) =>
  validation(`1 validation error detected: Value null at '${path}' failed to satisfy constraint: Member must not be null`);
export const notFound = (name: string) => new SchedulerError('ResourceNotFoundException', `Schedule ${name} does not exist.`);
