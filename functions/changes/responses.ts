import { conflict, fieldError, HttpError, validationFailed } from '../shared/errors.ts';
import { type ApiResult, etagOf } from '../shared/http/handler.ts';
import type { Change } from './domain/change.ts';
import { ChangeRuleError } from './domain/errors.ts';
import { presentChange } from './present.ts';

/** Maps the change domain's stable error codes to HTTP: the only place that knows both. */
export function toChangeHttpError(error: unknown): unknown {
  if (!(error instanceof ChangeRuleError)) return error;
  switch (error.code) {
    case 'INVALID_TRANSITION':
      return conflict('invalid-transition', 'Transition not allowed', error.message, error.details);
    case 'NOT_EDITABLE': {
      // `status` is the problem's own member (the HTTP status): the change's is `changeStatus`.
      const { status, ...details } = error.details;
      return conflict('not-editable', 'Not editable', error.message, { changeStatus: status, ...details });
    }
    case 'INVALID_WINDOW':
    case 'FIELD_REQUIRED':
    case 'FIELD_NOT_ALLOWED':
      return validationFailed([fieldError('body', error.field === undefined ? [] : [error.field], error.message)], error.message);
    case 'NOTHING_TO_CHANGE':
      return new HttpError(400, 'empty-patch', 'Nothing to change', error.message);
    case 'NOT_BLOCKED': {
      const { status, ...details } = error.details;
      return conflict('not-blocked', 'Start not held', error.message, { changeStatus: status, ...details });
    }
  }
}

export async function mapChangeErrors<T>(work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toChangeHttpError(error);
  }
}

export const changeHeaders = (change: Change): Record<string, string> => ({
  etag: etagOf(change.version),
  location: `/changes/${change.id}`,
});

/** Every change response, whichever handler wrote it, lists its fields in the documented order. */
export const changeResponse = (status: number, change: Change): ApiResult => ({
  status,
  body: presentChange(change),
  headers: changeHeaders(change),
});
