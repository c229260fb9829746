import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { HttpError } from '../errors.ts';
import { log } from '../log.ts';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** `requestId` is added to a 5xx: every server failure names the request, for the caller to quote. */
export function httpErrorResponse(error: HttpError, instance?: string, requestId?: string): APIGatewayProxyStructuredResultV2 {
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
      ...(error.status >= 500 && requestId !== undefined ? { requestId } : {}),
    }),
  };
}

/**
 * The body of every unexpected failure: it names the request id and nothing internal. The id is
 * API Gateway's (handler.ts apiRequestId): the one in the `apigw-requestid` header, the access log
 * and every log line of the request (`correlation_id`), so a quoted id finds all of them.
 */
export function internalErrorResponse(requestId: string): APIGatewayProxyStructuredResultV2 {
  return httpErrorResponse(
    new HttpError(500, 'internal-error', 'Internal error', `The request could not be completed. Quote request id ${requestId} when reporting it.`),
    undefined,
    requestId,
  );
}

export function toErrorResponse(error: unknown, requestId: string, instance?: string): APIGatewayProxyStructuredResultV2 {
  if (error instanceof HttpError) return httpErrorResponse(error, instance, requestId);
  // The request's ids are on the line already (log.ts withLogContext).
  log.error('unhandled error', { error });
  return internalErrorResponse(requestId);
}
