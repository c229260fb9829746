import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { type AwsErrorClasses, serviceError } from './errors.ts';
import { type AwsCredentials, canonicalQueryString, type QueryParameters, signRequest } from './sigv4.ts';

/*
 * One signed HTTP request to an AWS service, with the SDK's standard retry rules, on node:http(s)
 * with keep-alive. Functions use this instead of the AWS SDK: loading the SDK costs 100-200 ms of
 * every cold start (bench/README.md). Configuration comes from the environment the way the SDK
 * reads it, and is read on every request: the local runtime and the tests point the endpoints at
 * local servers, and one process may start several local stacks one after another.
 */

export interface AwsRequest {
  /** The signing name: dynamodb, s3, sns, ses, scheduler, states, events. */
  readonly service: string;
  /** The suffix of AWS_ENDPOINT_URL_<X> that overrides the endpoint: DYNAMODB, S3, SNS, SESV2, SCHEDULER, SFN, EVENTBRIDGE. */
  readonly endpointEnv: string;
  /** The host when no endpoint is configured; `<service>.<region>.amazonaws.com` if absent. */
  readonly defaultHost?: (region: string) => string;
  readonly method: string;
  /** As sent, already percent-encoded (sigv4.ts escapePath); appended to the endpoint's own path. '/' if absent. */
  readonly path?: string;
  readonly query?: QueryParameters;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
  /** S3: sign the path as sent (no second encoding) and send x-amz-content-sha256. */
  readonly s3Signing?: boolean;
  /** Milliseconds an attempt's connection may stay silent once it has a socket; REQUEST_TIMEOUT_MS if absent. */
  readonly timeoutMs?: number;
}

export interface AwsResponse {
  readonly statusCode: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** What a protocol reads from a refusal: the error's code, message and the service's other fields. */
export interface ParsedAwsError {
  readonly code: string;
  readonly message: string;
  readonly fields?: Readonly<Record<string, unknown>>;
}

export interface AwsRequestOptions {
  /** Reads a non-2xx response; the protocol's (awsJson, REST-XML, ...). */
  readonly parseError: (response: AwsResponse) => ParsedAwsError;
  /** The subclasses to throw by error code (`instanceof ConditionalCheckFailedException`). */
  readonly errorClasses?: AwsErrorClasses;
}

/** Requests sent in all for one call, the first included: the SDK's standard mode. */
export const MAX_ATTEMPTS = 3;
const BACKOFF_BASE_MS = 100;
const BACKOFF_CAP_MS = 20_000;
/** The SDK sets none; a silent connection would otherwise hold a Lambda until its own timeout. A timed-out attempt is retried. */
export const REQUEST_TIMEOUT_MS = 10_000;

/** The SDK's throttling codes (@smithy/service-error-classification): retried with backoff. */
const THROTTLING_CODES = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
]);
const TRANSIENT_CODES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const NETWORK_ERROR_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EAI_AGAIN']);

/** Whether a service's answer is worth sending again: throttling, a transient code, 429 or 5xx. Never a failed condition or TransactionConflict. */
export const isRetryableServiceError = (statusCode: number, code: string): boolean =>
  statusCode === 429 || statusCode >= 500 || THROTTLING_CODES.has(code) || TRANSIENT_CODES.has(code);

/** Whether a failure to get any answer is worth sending again: the connection broke or timed out. */
export function isRetryableNetworkError(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) || (typeof message === 'string' && message.includes('socket hang up'));
}

/** Full jitter: a random wait up to 100 ms * 2^attempt, at most 20 s (the SDK's standard strategy). */
export const retryDelay = (failedAttempt: number): number => Math.floor(Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** failedAttempt));

/** Credentials as Lambda provides them, read on every request (a local stack may set them late). */
export function credentialsFromEnv(): AwsCredentials {
  const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
  if (accessKeyId === undefined || accessKeyId === '' || secretAccessKey === undefined || secretAccessKey === '') {
    throw new Error('AWS credentials are not set: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be in the environment (Lambda sets them)');
  }
  const sessionToken = process.env.AWS_SESSION_TOKEN;
  return sessionToken === undefined || sessionToken === '' ? { accessKeyId, secretAccessKey } : { accessKeyId, secretAccessKey, sessionToken };
}

export function regionFromEnv(): string {
  const region = process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION;
  if (region === undefined || region === '') throw new Error('AWS_REGION is not set (Lambda sets it)');
  return region;
}

/**
 * Where credentials and the region come from when not from the environment: an operator's script
 * (scripts/migrate.ts) runs the store modules with a profile or SSO, which only the SDK's provider
 * chain reads. Functions never set it.
 */
export interface AwsConfigurationSource {
  readonly credentials?: () => Promise<AwsCredentials>;
  readonly region?: () => Promise<string>;
}

let configurationSource: AwsConfigurationSource = {};

export function useAwsConfigurationSource(source: AwsConfigurationSource): void {
  configurationSource = source;
}

/** AWS_ENDPOINT_URL_<X>, else AWS_ENDPOINT_URL, else the service's AWS endpoint in the region. */
export function endpointFor(request: Pick<AwsRequest, 'service' | 'endpointEnv' | 'defaultHost'>, region: string): URL {
  const configured = process.env[`AWS_ENDPOINT_URL_${request.endpointEnv}`] || process.env.AWS_ENDPOINT_URL;
  if (configured !== undefined && configured !== '') return new URL(configured);
  return new URL(`https://${request.defaultHost?.(region) ?? `${request.service}.${region}.amazonaws.com`}`);
}

// The SDK's node handler keeps connections alive with at most 50 sockets per host; so do these.
const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 50 });
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 50 });

interface Wire {
  readonly url: URL;
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string | Uint8Array | undefined;
  readonly timeoutMs: number;
}

function sendOnce(wire: Wire): Promise<AwsResponse> {
  const isHttps = wire.url.protocol === 'https:';
  const send = isHttps ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(
      {
        protocol: wire.url.protocol,
        hostname: wire.url.hostname.replace(/^\[|\]$/g, ''),
        port: wire.url.port === '' ? undefined : Number(wire.url.port),
        method: wire.method,
        path: wire.path,
        headers: wire.headers,
        agent: isHttps ? httpsAgent : httpAgent,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => resolve({ statusCode: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      },
    );
    request.setTimeout(wire.timeoutMs, () => {
      request.destroy(Object.assign(new Error(`AWS request timed out after ${wire.timeoutMs} ms`), { name: 'TimeoutError', code: 'ETIMEDOUT' }));
    });
    request.on('error', reject);
    request.end(wire.body);
  });
}

const requestIdOf = (headers: IncomingHttpHeaders): string | undefined => {
  const id = headers['x-amzn-requestid'] ?? headers['x-amz-request-id'];
  return typeof id === 'string' ? id : undefined;
};

/**
 * Sends `request`, signed with the environment's credentials, and answers the 2xx response.
 * Anything else throws: an AwsServiceError (or the declared subclass) for a refusal, the network
 * error for no answer, after up to MAX_ATTEMPTS attempts for retryable ones.
 */
export async function sendAwsRequest(request: AwsRequest, options: AwsRequestOptions): Promise<AwsResponse> {
  const region = configurationSource.region === undefined ? regionFromEnv() : await configurationSource.region();
  const url = endpointFor(request, region);
  const basePath = url.pathname.replace(/\/+$/, '');
  const path = `${basePath}${request.path ?? '/'}`;
  const query = canonicalQueryString(request.query);
  const baseHeaders: Record<string, string> = { ...request.headers };
  if (request.body !== undefined) baseHeaders['content-length'] = String(Buffer.byteLength(request.body));
  let totalRetryDelay = 0;
  for (let attempt = 1; ; attempt++) {
    // Signed per attempt: a retry after a long backoff must not carry a stale x-amz-date.
    const credentials = configurationSource.credentials === undefined ? credentialsFromEnv() : await configurationSource.credentials();
    const headers = signRequest(
      { method: request.method, host: url.host, path, query: request.query, headers: baseHeaders, body: request.body },
      {
        service: request.service,
        region,
        credentials,
        uriEscapePath: request.s3Signing !== true,
        contentSha256Header: request.s3Signing === true,
      },
    );
    let failure: unknown;
    let retryable: boolean;
    try {
      const response = await sendOnce({
        url,
        method: request.method.toUpperCase(),
        path: query === '' ? path : `${path}?${query}`,
        headers,
        body: request.body,
        timeoutMs: request.timeoutMs ?? REQUEST_TIMEOUT_MS,
      });
      if (response.statusCode >= 200 && response.statusCode < 300) return response;
      const parsed = parseSafely(options.parseError, response);
      failure = serviceError(options.errorClasses, {
        ...parsed,
        $metadata: { httpStatusCode: response.statusCode, requestId: requestIdOf(response.headers), attempts: attempt, totalRetryDelay },
      });
      retryable = isRetryableServiceError(response.statusCode, parsed.code);
    } catch (error) {
      failure = error;
      retryable = isRetryableNetworkError(error);
    }
    if (!retryable || attempt >= MAX_ATTEMPTS) throw failure;
    const wait = retryDelay(attempt);
    totalRetryDelay += wait;
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

/** A refusal whose body the protocol cannot read is still an error with the HTTP status. */
function parseSafely(parseError: AwsRequestOptions['parseError'], response: AwsResponse): ParsedAwsError {
  try {
    return parseError(response);
  } catch {
    return { code: `Http${response.statusCode}`, message: response.body.toString('utf8').slice(0, 500) };
  }
}
