import { conflict, fieldError, HttpError, validationFailed } from '../shared/errors.ts';
import { type ApiResult, etagOf } from '../shared/http/handler.ts';
import { ProblemRuleError } from './domain/errors.ts';
import type { Problem } from './domain/problem.ts';
import { presentProblem } from './present.ts';

/** Maps the problem domain's stable error codes to HTTP: the only place that knows both. */
export function toProblemHttpError(error: unknown): unknown {
  if (!(error instanceof ProblemRuleError)) return error;
  switch (error.code) {
    case 'INVALID_TRANSITION':
      return conflict('invalid-transition', 'Transition not allowed', error.message, error.details);
    case 'FIELD_REQUIRED':
    case 'FIELD_NOT_ALLOWED':
      return validationFailed([fieldError('body', error.field === undefined ? [] : [error.field], error.message)], error.message);
    case 'NOTHING_TO_CHANGE':
      return new HttpError(400, 'empty-patch', 'Nothing to change', error.message);
  }
}

export async function mapProblemErrors<T>(work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toProblemHttpError(error);
  }
}

export const problemHeaders = (problem: Problem): Record<string, string> => ({
  etag: etagOf(problem.version),
  location: `/problems/${problem.id}`,
});

/** Every problem response, whichever handler wrote it, lists its fields in the documented order. */
export const problemResponse = (status: number, problem: Problem): ApiResult => ({
  status,
  body: presentProblem(problem),
  headers: problemHeaders(problem),
});
