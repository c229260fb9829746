import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { FUNCTIONS, type FunctionDefinition, type FunctionId, ROUTES, type RouteDefinition } from '../functions/routes.ts';
import type { Verification } from './identity.ts';

/** API Gateway's own payload limit; the functions enforce their tighter 64 KB themselves. */
const API_GATEWAY_MAX_BODY = 10 * 1024 * 1024;
const REPO_ROOT = join(import.meta.dirname, '..');

type LambdaHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;

export interface LocalApiOptions {
  readonly verify: (authorization: string | undefined) => Promise<Verification>;
  /** Until this says yes, GET /health answers 503: the stack is still starting (or seeding). */
  readonly isReady?: () => boolean;
  readonly routes?: readonly RouteDefinition[];
  /** Local-only endpoints (inspection, emulated AWS APIs) tried before the route table. */
  readonly extraHandler?: (request: IncomingMessage, response: ServerResponse, body: Buffer) => Promise<boolean>;
  /** Called once each response is sent (`npm start` prints a line per request). */
  readonly onRequest?: (request: ApiRequestLog) => void;
  /** Called after every invocation; the benchmark uses it. */
  readonly onInvoke?: (functionId: FunctionId, durationMs: number) => void;
  /** Called when the authorizer refuses a token (`npm start` prints why); the token itself is not passed. */
  readonly onTokenRejected?: (rejection: TokenRejection) => void;
  /** Multiplies each function's timeout (default 1): see LocalStackOptions.functionTimeoutScale. */
  readonly functionTimeoutScale?: number;
}

export interface TokenRejection {
  /** Missing, malformed, expired, bad signature, wrong audience or issuer... (local/identity.ts). */
  readonly reason: string;
  readonly method: string;
  readonly path: string;
  readonly requestId: string;
}

export interface ApiRequestLog {
  readonly method: string;
  /** With the query string, as requested. */
  readonly path: string;
  readonly status: number;
  readonly ms: number;
  /** The `apigw-requestid` the response carries. */
  readonly requestId: string;
}

interface CompiledRoute {
  readonly route: RouteDefinition;
  readonly pattern: RegExp;
  readonly params: string[];
  readonly literalSegments: number;
}

function compile(route: RouteDefinition): CompiledRoute {
  const params: string[] = [];
  const segments = route.path.split('/').filter(Boolean);
  const source = segments
    .map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment);
      if (param === null) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      params.push(param[1] as string);
      return '([^/]+)';
    })
    .join('/');
  return { route, pattern: new RegExp(`^/${source}/?$`), params, literalSegments: segments.length - params.length };
}

/** API Gateway hands claims to the function as strings; arrays become `[a b]`. Reproduce that. */
function flattenClaims(claims: Record<string, unknown>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(claims)) {
    if (Array.isArray(value)) flat[name] = `[${value.join(' ')}]`;
    else if (value !== null && typeof value === 'object') flat[name] = JSON.stringify(value);
    else flat[name] = String(value);
  }
  return flat;
}

const handlerCache = new Map<FunctionId, Promise<LambdaHandler>>();

/** The very module Lambda runs: `handler` exported by the route table's entry file. */
export function loadHandler(functionId: FunctionId): Promise<LambdaHandler> {
  let loaded = handlerCache.get(functionId);
  if (loaded === undefined) {
    const entry = pathToFileURL(join(REPO_ROOT, FUNCTIONS[functionId].entry)).href;
    loaded = import(entry).then((module: { handler: LambdaHandler }) => module.handler);
    handlerCache.set(functionId, loaded);
  }
  return loaded;
}

export function lambdaContext(functionId: FunctionId, requestId: string, timeoutScale = 1): Context {
  const definition: FunctionDefinition = FUNCTIONS[functionId];
  const deadline = Date.now() + (definition.timeoutSeconds ?? 10) * 1000 * timeoutScale;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `local-${functionId}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:local-${functionId}`,
    memoryLimitInMB: String(definition.memoryMb ?? 512),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/local-${functionId}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function send(response: ServerResponse, status: number, headers: Record<string, string>, body?: string | Buffer): void {
  response.writeHead(status, headers);
  response.end(body);
}

function gatewayError(response: ServerResponse, status: number, message: string, extra: Record<string, string> = {}): void {
  send(response, status, { 'content-type': 'application/json', ...extra }, JSON.stringify({ message }));
}

async function readBody(request: IncomingMessage): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > API_GATEWAY_MAX_BODY) return 'too-large';
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function toEvent(
  request: IncomingMessage,
  url: URL,
  route: RouteDefinition,
  pathParameters: Record<string, string>,
  body: Buffer,
  claims: Record<string, string> | undefined,
  requestId: string,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    const name = (request.rawHeaders[i] as string).toLowerCase();
    const value = request.rawHeaders[i + 1] as string;
    if (name === 'cookie') cookies.push(...value.split(/;\s*/));
    else headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = query[name] === undefined ? value : `${query[name]},${value}`;
  const contentType = headers['content-type'] ?? '';
  const textual = body.length === 0 || /json|text|xml|x-www-form-urlencoded/i.test(contentType) || contentType === '';
  const now = new Date();
  const routeKey = `${route.method} ${route.path}`;
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    headers,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: 'local',
      http: {
        method: route.method,
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: !textual,
  };
  if (cookies.length > 0) event.cookies = cookies;
  if (Object.keys(query).length > 0) event.queryStringParameters = query;
  if (Object.keys(pathParameters).length > 0) event.pathParameters = pathParameters;
  if (body.length > 0) event.body = textual ? body.toString('utf8') : body.toString('base64');
  if (claims !== undefined) {
    (event.requestContext as unknown as { authorizer: unknown }).authorizer = { jwt: { claims, scopes: null } };
  }
  return event;
}

/** Payload format 2.0 responses: a structured result, or any other value serialized as JSON. */
function writeResult(response: ServerResponse, result: unknown, requestId: string): void {
  const base = { 'apigw-requestid': requestId };
  if (result === null || typeof result !== 'object' || !('statusCode' in result)) {
    send(response, 200, { ...base, 'content-type': 'application/json' }, JSON.stringify(result));
    return;
  }
  const structured = result as APIGatewayProxyStructuredResultV2;
  const headers: Record<string, string> = { ...base };
  for (const [name, value] of Object.entries(structured.headers ?? {})) headers[name.toLowerCase()] = String(value);
  if (structured.cookies !== undefined && structured.cookies.length > 0) response.setHeader('set-cookie', structured.cookies);
  const body = structured.body === undefined ? undefined : structured.isBase64Encoded ? Buffer.from(structured.body, 'base64') : structured.body;
  send(response, structured.statusCode ?? 200, headers, body);
}

/**
 * An HTTP server that behaves like the deployed HTTP API: route table matching, the JWT authorizer's
 * 401s, payload format 2.0 events, and API Gateway's own error bodies for what never reaches a function.
 */
export function createLocalApi(options: LocalApiOptions): Server {
  const compiled = (options.routes ?? ROUTES).map(compile).sort((a, b) => b.literalSegments - a.literalSegments);
  return createServer((request, response) => {
    void (async () => {
      const requestId = randomUUID();
      const receivedAt = performance.now();
      // API Gateway names every response's request, its own errors (401, 404, 413) included.
      response.setHeader('apigw-requestid', requestId);
      if (options.onRequest !== undefined) {
        const onRequest = options.onRequest;
        response.once('finish', () =>
          onRequest({ method: request.method ?? '', path: request.url ?? '/', status: response.statusCode, ms: performance.now() - receivedAt, requestId }),
        );
      }
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      const body = await readBody(request);
      if (body === 'too-large') return gatewayError(response, 413, 'Request Entity Too Large');
      if (options.extraHandler !== undefined && (await options.extraHandler(request, response, body))) return;
      if (url.pathname === '/health' && options.isReady !== undefined && !options.isReady()) {
        return gatewayError(response, 503, 'Service Unavailable', { 'retry-after': '1' });
      }
      const candidates = compiled.filter((c) => c.pattern.test(url.pathname));
      const match = candidates.find((c) => c.route.method === request.method);
      if (match === undefined) return gatewayError(response, 404, 'Not Found');
      const values = match.pattern.exec(url.pathname)?.slice(1) ?? [];
      const pathParameters = Object.fromEntries(match.params.map((name, i) => [name, values[i] as string]));

      let claims: Record<string, string> | undefined;
      if (match.route.auth === 'jwt') {
        const verification = await options.verify(request.headers.authorization);
        if (!verification.ok) {
          options.onTokenRejected?.({ reason: verification.reason, method: request.method ?? '', path: url.pathname, requestId });
          return gatewayError(response, 401, 'Unauthorized', {
            'www-authenticate': `Bearer error="invalid_token" error_description="${verification.reason.replaceAll('"', "'")}"`,
          });
        }
        claims = flattenClaims(verification.claims as Record<string, unknown>);
      }

      const event = toEvent(request, url, match.route, pathParameters, body, claims, requestId);
      const started = performance.now();
      // Like Lambda's, distinct from API Gateway's: the function logs both (functions/shared/log.ts).
      const lambdaRequestId = randomUUID();
      try {
        const handler = await loadHandler(match.route.functionId);
        const result = await handler(event, lambdaContext(match.route.functionId, lambdaRequestId, options.functionTimeoutScale));
        writeResult(response, result, requestId);
      } catch (error) {
        // What API Gateway answers when the function itself fails.
        console.error(
          JSON.stringify({
            level: 'error',
            message: 'function failed',
            functionId: match.route.functionId,
            correlation_id: requestId,
            function_request_id: lambdaRequestId,
            error: String(error),
          }),
        );
        gatewayError(response, 500, 'Internal Server Error');
      } finally {
        options.onInvoke?.(match.route.functionId, performance.now() - started);
      }
    })().catch((error: unknown) => {
      console.error(error);
      if (!response.headersSent) gatewayError(response, 500, 'Internal Server Error');
    });
  });
}
