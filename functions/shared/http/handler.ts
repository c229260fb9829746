import type { MiddlewareObj } from '@middy/core';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type * as z from 'zod';
import { fieldError, preconditionFailed, preconditionRequired, validationFailed } from '../errors.ts';
import { withLogContext } from '../log.ts';
import { toErrorResponse } from './error-response.ts';
import { type Principal, principalFrom } from './principal.ts';
import { header, parseJsonBody, parseWith, rawBody } from './request.ts';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;

export interface ApiResult {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /**
   * A body already serialized, sent as it is instead of `body` as JSON; base64 for bytes (API
   * Gateway decodes it). For a large fixed document kept compressed (GET /openapi.json).
   */
  readonly serializedBody?: { readonly text: string; readonly isBase64Encoded: boolean };
}

export interface ApiRequest {
  readonly event: HttpEvent;
  /** API Gateway's request id (see apiRequestId). */
  readonly requestId: string;
  /** `METHOD /path/{template}`, as API Gateway names the matched route. */
  readonly routeKey: string;
  readonly principal: Principal;
  pathParam(name: string): string;
  header(name: string): string | undefined;
  /** The raw JSON text of the body (bounded to 64 KB), for idempotency fingerprints. */
  rawBody(): string | undefined;
  body<S extends z.ZodType>(schema: S): z.output<S>;
  query<S extends z.ZodType>(schema: S): z.output<S>;
  /** What If-Match asks for: 428 without it, 412 when it names nothing we ever issued. */
  ifMatch(): IfMatch;
}

/**
 * The id a caller can quote: API Gateway's request id, which its `apigw-requestid` response header
 * and the access log's `requestId` carry too, and which every log line of the invocation carries
 * as `correlation_id`. The Lambda request id only when the function is invoked without API
 * Gateway (a test, a direct Invoke).
 */
export const apiRequestId = (event: HttpEvent, context: Context): string => event.requestContext?.requestId ?? context.awsRequestId;

/** Turns any thrown error into problem+json; only HttpErrors say what went wrong. */
const errorResponses = (): MiddlewareObj<HttpEvent, HttpResult> => ({
  onError: (request) => {
    request.response = toErrorResponse(request.error, apiRequestId(request.event, request.context), request.event.rawPath);
  },
});

export const etagOf = (version: number): string => `"${version}"`;

/**
 * An If-Match precondition: one version we issued as an ETag, or `*`, which RFC 9110 §13.1.1 makes
 * true for any current version of a resource that exists.
 */
export class IfMatch {
  private constructor(
    /** The version named; undefined for `*`. */
    readonly version: number | undefined,
  ) {}

  static parse(value: string | undefined): IfMatch {
    if (value === undefined || value.trim() === '') throw preconditionRequired();
    if (value.trim() === '*') return new IfMatch(undefined);
    const match = /^\s*(?:W\/)?"?(\d+)"?\s*$/.exec(value);
    if (match === null) throw preconditionFailed();
    return new IfMatch(Number(match[1]));
  }

  get isAny(): boolean {
    return this.version === undefined;
  }

  /**
   * The version to condition the write on: `current` when the precondition holds for it, else 412
   * naming the current ETag. With `*` the write is still conditioned on the version just read, so a
   * writer committing in between gives 412 rather than being overwritten unseen.
   */
  check(current: number): number {
    if (this.version !== undefined && this.version !== current) throw preconditionFailed(etagOf(current));
    return current;
  }
}

/** HTTP APIs hand path parameters over still percent-encoded; a broken escape is the caller's error. */
function decodePathParam(name: string, raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw validationFailed([fieldError('path', [name], 'Not a valid percent-encoded path segment')]);
  }
}

function buildRequest(event: HttpEvent, context: Context, authenticated: boolean): ApiRequest {
  let principal: Principal | undefined;
  if (authenticated) principal = principalFrom(event);
  return {
    event,
    requestId: apiRequestId(event, context),
    routeKey: event.routeKey,
    get principal(): Principal {
      if (principal === undefined) throw new Error('This route is public and has no principal');
      return principal;
    },
    pathParam: (name) => decodePathParam(name, event.pathParameters?.[name] ?? ''),
    header: (name) => header(event, name),
    rawBody: () => rawBody(event),
    body: (schema) => parseWith(schema, parseJsonBody(event), 'body'),
    query: (schema) => parseWith(schema, event.queryStringParameters ?? {}, 'query'),
    ifMatch: () => IfMatch.parse(header(event, 'if-match')),
  };
}

function toHttpResult(result: ApiResult): HttpResult {
  const headers: Record<string, string> = { ...result.headers };
  if (result.serializedBody !== undefined) {
    headers['content-type'] ??= 'application/json';
    return { statusCode: result.status, headers, body: result.serializedBody.text, isBase64Encoded: result.serializedBody.isBase64Encoded };
  }
  if (result.body === undefined) return { statusCode: result.status, headers };
  headers['content-type'] ??= 'application/json';
  return { statusCode: result.status, headers, body: JSON.stringify(result.body) };
}

/**
 * The pipeline every HTTP function shares: parse, authenticate, run the use case, answer JSON or
 * problem+json. Handlers stay one call deep. The log context wraps the whole pipeline, so the
 * error middleware's line carries the request's ids too.
 */
export function httpHandler(
  handle: (request: ApiRequest) => Promise<ApiResult>,
  options: { authenticated?: boolean } = {},
): (event: HttpEvent, context: Context) => Promise<HttpResult> {
  const authenticated = options.authenticated ?? true;
  const pipeline = middy<HttpEvent, HttpResult>()
    .use(errorResponses())
    .handler(async (event, context) => toHttpResult(await handle(buildRequest(event, context, authenticated))));
  return withLogContext(
    (event, context) => pipeline(event, context),
    (event) => ({ correlation_id: event.requestContext?.requestId }),
  );
}

/** For functions that serve several routes: pick the use case by API Gateway's route key. */
export function byRoute(routes: Record<string, (request: ApiRequest) => Promise<ApiResult>>) {
  return (request: ApiRequest): Promise<ApiResult> => {
    const handle = routes[request.routeKey];
    if (handle === undefined) throw new Error(`No use case for route ${request.routeKey}`);
    return handle(request);
  };
}
