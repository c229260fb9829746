import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { HttpError } from '../errors.ts';
import { log } from '../log.ts';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function httpErrorResponse(error: HttpError, instance?: string): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: error.status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...error.headers },
    body: JSON.stringify({
      type: error.type,
      title: error.title,
      status: error.status,
      detail: error.detail,
      ...(instance === undefined ? {} : { instance }),
      ...error.extensions,
    }),
  };
}

/** The body of every unexpected failure: it names the request id and nothing internal. */
export function internalErrorResponse(requestId: string): APIGatewayProxyStructuredResultV2 {
  return httpErrorResponse(
    new HttpError(500, 'internal-error', 'Internal error', `The request could not be completed. Quote request id ${requestId} when reporting it.`, {
      requestId,
    }),
  );
}

export function toErrorResponse(error: unknown, requestId: string, instance?: string): APIGatewayProxyStructuredResultV2 {
  if (error instanceof HttpError) return httpErrorResponse(error, instance);
  log.error('unhandled error', { requestId, error });
  return internalErrorResponse(requestId);
}
