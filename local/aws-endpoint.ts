import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * One loopback endpoint for the AWS APIs the local runtime emulates, reached by the same SDK
 * clients (and the AWS CLI) the functions use in AWS, through `AWS_ENDPOINT_URL_<SERVICE>` or
 * `--endpoint-url`. JSON-RPC services (EventBridge today; Step Functions, `AWSStepFunctions.*`,
 * later) are told apart by their `X-Amz-Target` prefix (`AWSEvents.PutEvents` -> service
 * `AWSEvents`, operation `PutEvents`); local inspection routes (`GET /local/...`) sit beside them.
 * Protocols without a target header go to `handlers`: Scheduler's REST JSON (`/schedules/{name}`)
 * and SNS's query protocol (a form body with `Action=Publish`) can be told apart by path and body.
 * Signatures are not checked: any credentials do.
 */

/** An error the caller should see, in the AWS JSON protocol's shape (`__type` + `message`). */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export interface AwsJsonService {
  /** The `X-Amz-Target` prefix, e.g. `AWSEvents`, `AWSStepFunctions`. */
  readonly targetPrefix: string;
  /** `1.0` or `1.1`: the protocol's content type (`application/x-amz-json-1.1`). */
  readonly jsonVersion: '1.0' | '1.1';
  readonly operations: Readonly<Record<string, (input: Record<string, unknown>) => Promise<unknown>>>;
}

/** Answers a request without `X-Amz-Target` if it is its own (true), or leaves it (false). */
export type RawHandler = (request: IncomingMessage, url: URL, body: Buffer, response: ServerResponse) => Promise<boolean>;

export interface AwsEndpointOptions {
  /** 0 picks a free port. */
  readonly port: number;
  readonly services: readonly AwsJsonService[];
  /** Local inspection routes by `METHOD /path`, answering JSON, e.g. `GET /local/dead-letters`. */
  readonly routes?: Readonly<Record<string, () => unknown>>;
  /** Services whose protocol has no `X-Amz-Target` (REST JSON, query), tried in order. */
  readonly handlers?: readonly RawHandler[];
}

export interface AwsEndpoint {
  readonly url: string;
  readonly server: Server;
  stop(): Promise<void>;
}

/** Real requests stay far below (PutEvents: 256 KB of entries); anything bigger is a mistake. */
const MAX_BODY = 10 * 1024 * 1024;

async function readBody(request: IncomingMessage): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return 'too-large';
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function reply(response: ServerResponse, status: number, contentType: string, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': contentType, 'content-length': String(Buffer.byteLength(text)), ...extra });
  response.end(text);
}

function replyError(response: ServerResponse, contentType: string, requestId: string, error: AwsError): void {
  reply(response, error.status, contentType, { __type: error.code, message: error.message }, { 'x-amzn-requestid': requestId, 'x-amzn-errortype': error.code });
}

export function createAwsEndpoint(options: Omit<AwsEndpointOptions, 'port'>): Server {
  const services = new Map(options.services.map((service) => [service.targetPrefix, service]));
  const routes = options.routes ?? {};
  return createServer((request, response) => {
    void (async () => {
      const requestId = randomUUID();
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      const body = await readBody(request);
      const route = routes[`${request.method} ${url.pathname}`];
      if (route !== undefined) return reply(response, 200, 'application/json', route());

      const target = request.headers['x-amz-target'];
      const json = 'application/x-amz-json-1.1';
      if (typeof target !== 'string' && body !== 'too-large') {
        for (const handler of options.handlers ?? []) if (await handler(request, url, body, response)) return;
      }
      if (request.method !== 'POST' || typeof target !== 'string') {
        return replyError(
          response,
          json,
          requestId,
          new AwsError('UnknownOperationException', `no local AWS API answers ${request.method} ${url.pathname} without X-Amz-Target`, 404),
        );
      }
      if (body === 'too-large') return replyError(response, json, requestId, new AwsError('SerializationException', 'request body too large', 413));
      const dot = target.lastIndexOf('.');
      const service = services.get(target.slice(0, dot));
      const contentType = service === undefined ? json : `application/x-amz-json-${service.jsonVersion}`;
      const operation = service?.operations[target.slice(dot + 1)];
      if (service === undefined || operation === undefined) {
        return replyError(response, contentType, requestId, new AwsError('UnknownOperationException', `the local AWS endpoint does not implement ${target}`));
      }
      let input: unknown;
      try {
        input = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
      } catch {
        return replyError(response, contentType, requestId, new AwsError('SerializationException', 'the request body is not JSON'));
      }
      if (input === null || typeof input !== 'object' || Array.isArray(input)) {
        return replyError(response, contentType, requestId, new AwsError('SerializationException', 'the request body is not a JSON object'));
      }
      try {
        const output = await operation(input as Record<string, unknown>);
        reply(response, 200, contentType, output ?? {}, { 'x-amzn-requestid': requestId });
      } catch (error) {
        if (error instanceof AwsError) return replyError(response, contentType, requestId, error);
        console.error(JSON.stringify({ level: 'error', message: 'local AWS endpoint failed', target, error: String(error) }));
        replyError(response, contentType, requestId, new AwsError('InternalException', 'the local AWS endpoint failed; see its console', 500));
      }
    })().catch((error: unknown) => {
      console.error(error);
      if (!response.headersSent) reply(response, 500, 'application/json', { __type: 'InternalException', message: String(error) });
    });
  });
}

/** Listens on loopback only: nothing here checks who is calling. */
export async function startAwsEndpoint(options: AwsEndpointOptions): Promise<AwsEndpoint> {
  const server = createAwsEndpoint(options);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
