import { conflict, forbidden } from '../shared/errors.ts';
import { type ApiResult, etagOf } from '../shared/http/handler.ts';
import { RequestRuleError } from './domain/lifecycle.ts';
import type { ServiceRequest } from './domain/request.ts';
import { presentRequest } from './present.ts';

/** Maps the request lifecycle's stable error codes to HTTP: the only place that knows both. */
export function toRequestHttpError(error: unknown): unknown {
  if (!(error instanceof RequestRuleError)) return error;
  switch (error.code) {
    case 'INVALID_TRANSITION':
      return conflict('invalid-transition', 'Transition not allowed', error.message, error.details);
    case 'NOT_ALLOWED':
      return forbidden(error.message);
  }
}

export async function mapRequestErrors<T>(work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toRequestHttpError(error);
  }
}

export const requestHeaders = (request: ServiceRequest): Record<string, string> => ({
  etag: etagOf(request.version),
  location: `/requests/${request.id}`,
});

/** Every request response, whichever handler wrote it, lists its fields in the documented order, with its version as ETag. */
export const requestResponse = (status: number, request: ServiceRequest): ApiResult => ({
  status,
  body: presentRequest(request),
  headers: requestHeaders(request),
});
