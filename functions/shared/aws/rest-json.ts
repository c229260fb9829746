import type { AwsErrorClasses } from './errors.ts';
import { parseJsonError } from './json-protocol.ts';
import { type AwsRequest, sendAwsRequest } from './request.ts';
import type { QueryParameters } from './sigv4.ts';

/*
 * AWS's REST-JSON protocol (EventBridge Scheduler, SESv2): the operation is the method and path,
 * labels sit in the path, some members in the query string, the rest is a JSON body; a refusal
 * names its code in x-amzn-ErrorType (as AWS JSON does), so parseJsonError reads it.
 */

export interface RestJsonService {
  /** The signing name: scheduler, ses. */
  readonly service: string;
  /** The suffix of AWS_ENDPOINT_URL_<X>: SCHEDULER, SESV2. */
  readonly endpointEnv: string;
  readonly defaultHost?: AwsRequest['defaultHost'];
  readonly errorClasses?: AwsErrorClasses;
}

export interface RestJsonRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** As sent: labels already escaped (sigv4.ts escapeUri). */
  readonly path: string;
  readonly query?: QueryParameters;
  /** Serialized as JSON; absent for operations without a body. */
  readonly body?: unknown;
}

/** Sends one operation and answers its JSON output ({} for an empty body). */
export async function sendRestJson<Output>(service: RestJsonService, request: RestJsonRequest): Promise<Output> {
  const response = await sendAwsRequest(
    {
      service: service.service,
      endpointEnv: service.endpointEnv,
      ...(service.defaultHost === undefined ? {} : { defaultHost: service.defaultHost }),
      method: request.method,
      path: request.path,
      ...(request.query === undefined ? {} : { query: request.query }),
      ...(request.body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(request.body) }),
    },
    { parseError: parseJsonError, ...(service.errorClasses === undefined ? {} : { errorClasses: service.errorClasses }) },
  );
  const text = response.body.toString('utf8');
  return (text === '' ? {} : JSON.parse(text)) as Output;
}
