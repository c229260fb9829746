import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createIncidentBody, listIncidentsQuery, priorityMatrixBody } from '../../functions/incidents/schemas/incident.ts';
import { badRequest, fieldError, HttpError, validationFailed } from '../../functions/shared/errors.ts';
import { httpErrorResponse, internalErrorResponse, PROBLEM_CONTENT_TYPE, toErrorResponse } from '../../functions/shared/http/error-response.ts';
import { type ApiRequest, type ApiResult, httpHandler } from '../../functions/shared/http/handler.ts';
import { header, MAX_BODY_BYTES, parseJsonBody, parseWith, rawBody, zodFieldErrors } from '../../functions/shared/http/request.ts';
import { textViolations } from '../../functions/shared/schemas/common.ts';
import { type CapturedLogs, captureLogLines } from '../support/logs.ts';

// ---------------------------------------------------------------------------------------------
// API Gateway HTTP API payload 2.0 events, built as local/http-server.ts builds them.

interface EventOptions {
  method?: string;
  path?: string;
  routeKey?: string;
  headers?: Record<string, string>;
  body?: string;
  base64?: boolean;
  query?: Record<string, string>;
  pathParameters?: Record<string, string>;
  /** Already flattened as API Gateway does; `null` for a public route. */
  claims?: Record<string, string> | null;
}

function event(options: EventOptions = {}): APIGatewayProxyEventV2 {
  const method = options.method ?? 'POST';
  const path = options.path ?? '/incidents';
  const routeKey = options.routeKey ?? `${method} ${path}`;
  const headers = { ...(options.body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers };
  const built: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    headers,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: '127.0.0.1',
      domainPrefix: 'local',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: 'gw-request',
      routeKey,
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    isBase64Encoded: options.base64 ?? false,
  };
  if (options.query !== undefined) built.queryStringParameters = options.query;
  if (options.pathParameters !== undefined) built.pathParameters = options.pathParameters;
  if (options.body !== undefined) built.body = options.base64 ? Buffer.from(options.body).toString('base64') : options.body;
  const claims = options.claims === undefined ? { sub: 'alice', 'cognito:groups': '[agent]' } : options.claims;
  if (claims !== null) (built.requestContext as unknown as { authorizer: unknown }).authorizer = { jwt: { claims, scopes: null } };
  return built;
}

const context = { awsRequestId: 'req-12345', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

interface Reply {
  status: number;
  headers: Record<string, string>;
  text: string;
  body: any;
}

async function invoke(
  handle: (request: ApiRequest) => Promise<ApiResult>,
  options: EventOptions = {},
  handlerOptions?: { authenticated?: boolean },
): Promise<Reply> {
  const handler = httpHandler(handle, handlerOptions);
  const result = await handler(event(options), context);
  const text = result.body ?? '';
  return {
    status: result.statusCode ?? 200,
    headers: (result.headers ?? {}) as Record<string, string>,
    text,
    body: text === '' ? undefined : JSON.parse(text),
  };
}

const createIncident = (request: ApiRequest) => Promise.resolve({ status: 201, body: request.body(createIncidentBody) });

let logs: CapturedLogs;
beforeEach(() => {
  // Unexpected errors are logged (to stderr, with their stack): keep the test output quiet.
  logs = captureLogLines();
});
afterEach(() => {
  logs.restore();
});

// ---------------------------------------------------------------------------------------------

describe('field errors (errors.ts)', () => {
  it('gives a dotted path and an RFC 6901 pointer', () => {
    expect(fieldError('body', ['members', 2], 'bad')).toEqual({ location: 'body', path: 'members.2', pointer: '#/members/2', message: 'bad' });
    expect(fieldError('body', ['a/b', 'c~d'], 'bad').pointer).toBe('#/a~1b/c~0d');
  });

  it('points at the whole document with an empty path', () => {
    // RFC 6901: "" is the whole document, "/" is the member named "" — as a fragment "#" vs "#/".
    expect(fieldError('body', [], 'Expected an object')).toMatchObject({ path: '', pointer: '#' });
  });

  it('summarises the invalid fields in the detail', () => {
    const error = validationFailed([fieldError('body', ['title'], 'Required'), fieldError('query', ['limit'], 'Too big')]);
    expect(error).toMatchObject({ status: 400, slug: 'validation-error', detail: '2 fields are invalid: title, limit' });
    expect(validationFailed([fieldError('body', ['title'], 'Required')]).detail).toBe('1 field is invalid: title');
  });
});

describe('zod issues -> field errors (request.ts)', () => {
  it('maps each issue to its path and pointer', () => {
    const result = createIncidentBody.safeParse({ title: '', impact: 7, service: 'Not A Slug' });
    expect(result.success).toBe(false);
    const errors = zodFieldErrors(result.error!, 'body');
    expect(errors.map((e) => [e.location, e.path, e.pointer])).toEqual([
      ['body', 'title', '#/title'],
      ['body', 'impact', '#/impact'],
      ['body', 'service', '#/service'],
    ]);
    for (const error of errors) expect(error.message).not.toBe('');
  });

  it('reports every unknown key on its own, nested ones with their full path', () => {
    const result = createIncidentBody.safeParse({ title: 'x', foo: 1, 'we/ird': 2 });
    expect(zodFieldErrors(result.error!, 'body')).toEqual([
      { location: 'body', path: 'foo', pointer: '#/foo', message: "Unknown field 'foo'" },
      { location: 'body', path: 'we/ird', pointer: '#/we~1ird', message: "Unknown field 'we/ird'" },
    ]);
    const nested = priorityMatrixBody.safeParse({
      matrix: { '1': { '1': 'P1', '2': 'P1', '3': 'P1', '4': 'P1' }, '2': { '1': 'P1', '2': 'P1', '3': 'P1' }, '3': { '1': 'P1', '2': 'P1', '3': 'P9' } },
    });
    expect(zodFieldErrors(nested.error!, 'body').map((e) => [e.path, e.pointer])).toEqual([
      ['matrix.1.4', '#/matrix/1/4'],
      ['matrix.3.3', '#/matrix/3/3'],
    ]);
  });

  it('parseWith throws a 400 validation error carrying the errors', () => {
    let error: unknown;
    try {
      parseWith(listIncidentsQuery, { limit: '1000', status: 'open' }, 'query');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HttpError);
    const httpError = error as HttpError;
    expect(httpError.status).toBe(400);
    expect((httpError.extensions.errors as { path: string; location: string }[]).map((e) => `${e.location}:${e.path}`).sort()).toEqual([
      'query:limit',
      'query:status',
    ]);
    expect(parseWith(listIncidentsQuery, { limit: '5' }, 'query')).toEqual({ limit: 5, count: false });
  });
});

describe('bodies (request.ts)', () => {
  it('reads plain and base64-encoded bodies', () => {
    expect(rawBody(event({ body: '{"a":1}' }))).toBe('{"a":1}');
    expect(rawBody(event({ body: '{"a":"é"}', base64: true }))).toBe('{"a":"é"}');
    expect(rawBody(event())).toBeUndefined();
    expect(rawBody(event({ body: '' }))).toBeUndefined();
  });

  it('accepts exactly 64 KB and refuses one byte more with 413', () => {
    expect(MAX_BODY_BYTES).toBe(65_536);
    const fits = JSON.stringify({ title: 'x'.repeat(MAX_BODY_BYTES - 12) });
    expect(Buffer.byteLength(fits)).toBe(MAX_BODY_BYTES);
    expect(rawBody(event({ body: fits }))).toBe(fits);
    const tooBig = JSON.stringify({ title: 'x'.repeat(MAX_BODY_BYTES - 11) });
    expect(() => rawBody(event({ body: tooBig }))).toThrow(expect.objectContaining({ status: 413, slug: 'payload-too-large' }));
  });

  it('counts bytes, not characters, and decodes base64 before counting', () => {
    const multibyte = 'é'.repeat(MAX_BODY_BYTES / 2 + 1); // 2 bytes each: over the limit in bytes, under it in characters
    expect(() => rawBody(event({ body: multibyte }))).toThrow(expect.objectContaining({ status: 413 }));
    const ascii = 'a'.repeat(MAX_BODY_BYTES); // its base64 is longer than 64 KB, the body itself is not
    expect(rawBody(event({ body: ascii, base64: true }))).toBe(ascii);
  });

  it.each([
    ['application/json', true],
    ['application/json; charset=utf-8', true],
    ['Application/JSON', true],
    ['application/merge-patch+json', true],
    ['application/problem+json', true],
    ['text/plain', false],
    ['application/x-www-form-urlencoded', false],
    ['application/jsonp', false],
    ['multipart/form-data; boundary=x', false],
  ])('content-type %s accepted: %s', (contentType, accepted) => {
    const run = () => parseJsonBody(event({ body: '{"a":1}', headers: { 'content-type': contentType } }));
    if (accepted) expect(run()).toEqual({ a: 1 });
    else expect(run).toThrow(expect.objectContaining({ status: 415, slug: 'unsupported-media-type' }));
  });

  it('takes a body without content-type as JSON', () => {
    const built = event({ body: '{"a":1}' });
    delete built.headers['content-type'];
    expect(parseJsonBody(built)).toEqual({ a: 1 });
  });

  it('refuses malformed JSON and a missing body with 400', () => {
    expect(() => parseJsonBody(event({ body: '{"a":' }))).toThrow(expect.objectContaining({ status: 400, slug: 'malformed-json' }));
    expect(() => parseJsonBody(event())).toThrow(expect.objectContaining({ status: 400, slug: 'body-required' }));
  });

  it('finds headers case-insensitively', () => {
    const built = event({ headers: { 'Idempotency-Key': 'k1', 'if-match': '"3"' } });
    expect(header(built, 'idempotency-key')).toBe('k1');
    expect(header(built, 'If-Match')).toBe('"3"');
    expect(header(built, 'x-missing')).toBeUndefined();
  });
});

describe('error responses (error-response.ts): RFC 9457 problem details', () => {
  it('renders a HttpError as RFC 9457 problem+json', () => {
    const response = httpErrorResponse(badRequest('malformed-json', 'Malformed JSON', 'nope'), '/incidents');
    expect(response.statusCode).toBe(400);
    expect(response.headers).toMatchObject({ 'content-type': PROBLEM_CONTENT_TYPE });
    expect(JSON.parse(response.body!)).toEqual({
      type: 'tag:open-itsm,2026:problem/malformed-json',
      title: 'Malformed JSON',
      status: 400,
      detail: 'nope',
      instance: '/incidents',
    });
  });

  it('an internal error names the request id and nothing else', () => {
    const body = JSON.parse(internalErrorResponse('req-9').body!);
    expect(body).toEqual({
      type: 'tag:open-itsm,2026:problem/internal-error',
      title: 'Internal error',
      status: 500,
      detail: 'The request could not be completed. Quote request id req-9 when reporting it.',
      requestId: 'req-9',
    });
    const fromError = toErrorResponse(new Error('password=hunter2'), 'req-9', '/x');
    expect(fromError.statusCode).toBe(500);
    expect(fromError.body).not.toContain('hunter2');
  });
});

describe('httpHandler', () => {
  it('answers JSON with the status and headers of the use case', async () => {
    const reply = await invoke(async (request) => ({ status: 201, body: { you: request.principal.userId }, headers: { etag: '"1"' } }), { body: '{}' });
    expect(reply).toMatchObject({ status: 201, headers: { 'content-type': 'application/json', etag: '"1"' }, body: { you: 'alice' } });
  });

  it('answers 204-style results without a body', async () => {
    const reply = await invoke(async () => ({ status: 204 }));
    expect(reply.status).toBe(204);
    expect(reply.text).toBe('');
  });

  it('turns validation failures into 400 problem+json with each field, path and pointer', async () => {
    const reply = await invoke(createIncident, { body: JSON.stringify({ title: '', impact: 5, color: 'red' }) });
    expect(reply.status).toBe(400);
    expect(reply.headers['content-type']).toBe('application/problem+json');
    expect(reply.body).toMatchObject({ type: 'tag:open-itsm,2026:problem/validation-error', status: 400, instance: '/incidents' });
    expect(reply.body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ location: 'body', path: 'title', pointer: '#/title' }),
        expect.objectContaining({ location: 'body', path: 'impact', pointer: '#/impact' }),
        { location: 'body', path: 'color', pointer: '#/color', message: "Unknown field 'color'" },
      ]),
    );
    expect(reply.body.errors).toHaveLength(3);
  });

  it('answers 400 for a body that is not an object, with an error for the whole body', async () => {
    const reply = await invoke(createIncident, { body: '[1,2]' });
    expect(reply.status).toBe(400);
    // (its pointer is covered by 'points at the whole document with an empty path' above)
    expect(reply.body.errors).toEqual([expect.objectContaining({ location: 'body', path: '' })]);
  });

  it.each([
    ['malformed JSON', { body: '{"title": "x",' }, 400, 'malformed-json'],
    ['a missing body', {}, 400, 'body-required'],
    ['a form body', { body: 'title=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 415, 'unsupported-media-type'],
    ['a body over 64 KB', { body: JSON.stringify({ title: 'x'.repeat(MAX_BODY_BYTES) }) }, 413, 'payload-too-large'],
    ['no authenticated subject', { body: '{"title":"x"}', claims: { 'cognito:groups': '[agent]' } }, 401, 'unauthorized'],
  ] as [string, EventOptions, number, string][])('answers %s with %i problem+json', async (_label, options, status, slug) => {
    const reply = await invoke(createIncident, options);
    expect(reply.status).toBe(status);
    expect(reply.headers['content-type']).toBe('application/problem+json');
    expect(reply.body).toMatchObject({ status, type: `tag:open-itsm,2026:problem/${slug}` });
  });

  it('reads query parameters through a schema (location query)', async () => {
    const list = (request: ApiRequest) => Promise.resolve({ status: 200, body: request.query(listIncidentsQuery) });
    // Filters take several values, comma-separated (listIncidentsQuery): one value is a list of one.
    expect((await invoke(list, { method: 'GET', query: { status: 'new', limit: '10' } })).body).toEqual({ status: ['new'], limit: 10, count: false });
    expect((await invoke(list, { method: 'GET' })).body).toEqual({ limit: 25, count: false });
    const bad = await invoke(list, { method: 'GET', query: { limit: '0', sort: 'asc' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { location: string; path: string }) => `${e.location}:${e.path}`).sort()).toEqual(['query:limit', 'query:sort']);
  });

  it.each([
    [undefined, 428],
    ['', 428],
    ['"*"', 412],
    ['*, "1"', 412],
    ['abc', 412],
  ])('If-Match %j -> %i', async (ifMatch, status) => {
    const reply = await invoke(async (request) => ({ status: 200, body: { version: request.ifMatch().version } }), {
      method: 'PATCH',
      headers: ifMatch === undefined ? {} : { 'if-match': ifMatch },
    });
    expect(reply.status).toBe(status);
  });

  it.each([
    ['"3"', 3],
    ['3', 3],
    ['W/"3"', 3],
    [' "12" ', 12],
  ])('If-Match %s names version %i', async (ifMatch, version) => {
    const reply = await invoke(async (request) => ({ status: 200, body: { version: request.ifMatch().check(version) } }), {
      method: 'PATCH',
      headers: { 'If-Match': ifMatch },
    });
    expect(reply.body).toEqual({ version });
  });

  it('If-Match * holds for any current version and conditions the write on it', async () => {
    const reply = await invoke(async (request) => ({ status: 200, body: { any: request.ifMatch().isAny, version: request.ifMatch().check(41) } }), {
      method: 'PATCH',
      headers: { 'if-match': ' * ' },
    });
    expect(reply.body).toEqual({ any: true, version: 41 });
  });

  it('a stale If-Match is 412 naming the current ETag', async () => {
    const reply = await invoke(async (request) => ({ status: 200, body: { version: request.ifMatch().check(4) } }), {
      method: 'PATCH',
      headers: { 'if-match': '"3"' },
    });
    expect(reply.status).toBe(412);
    expect(reply.body.currentEtag).toBe('"4"');
  });

  it('decodes path parameters', async () => {
    const reply = await invoke(async (request) => ({ status: 200, body: { id: request.pathParam('name') } }), {
      method: 'GET',
      pathParameters: { name: 'service%20desk' },
    });
    expect(reply.body).toEqual({ id: 'service desk' });
  });

  it('answers a malformed percent-escape in a path parameter with a 4xx, not a 500', async () => {
    const reply = await invoke(async (request) => ({ status: 200, body: { id: request.pathParam('id') } }), {
      method: 'GET',
      path: '/incidents/%E0%A4%A',
      pathParameters: { id: '%E0%A4%A' },
    });
    expect(reply.status).toBeGreaterThanOrEqual(400);
    expect(reply.status).toBeLessThan(500);
  });

  describe('unexpected failures', () => {
    const secret = 'ConditionalCheckFailed on table prod-itsm at arn:aws:dynamodb:eu-west-1:123456789012:table/prod-itsm';

    it.each([
      ['an Error', () => new Error(secret)],
      ['a TypeError', () => new TypeError(`Cannot read properties of undefined (reading '${secret}')`)],
      ['a string', () => secret],
      ['an object', () => ({ message: secret, $metadata: { httpStatusCode: 400 } })],
    ])('%s becomes a plain 500 without internal messages or stacks', async (_label, make) => {
      const reply = await invoke(
        async () => {
          throw make();
        },
        { body: '{}' },
      );
      expect(reply.status).toBe(500);
      expect(reply.headers['content-type']).toBe('application/problem+json');
      expect(reply.body).toEqual({
        type: 'tag:open-itsm,2026:problem/internal-error',
        title: 'Internal error',
        status: 500,
        // API Gateway's request id (the event's requestContext.requestId), which the access log has too.
        detail: 'The request could not be completed. Quote request id gw-request when reporting it.',
        requestId: 'gw-request',
      });
      expect(reply.text).not.toContain('prod-itsm');
      expect(reply.text).not.toMatch(/\bat .*\.(ts|js):\d+/);
      expect(reply.text).not.toContain('Error');
      // ...but the log has what an operator needs, under both request ids.
      expect(logs.errors()).toHaveLength(1);
      expect(logs.errors()[0]).toMatchObject({ level: 'ERROR', function_request_id: 'req-12345', correlation_id: 'gw-request' });
      expect(JSON.stringify(logs.errors()[0])).toContain('prod-itsm');
    });

    it('a zod error thrown by hand (not through request.body) is a 500 too, without the issues', async () => {
      const reply = await invoke(async () => {
        z.object({ internalField: z.string() }).parse({});
        return { status: 200 };
      });
      expect(reply.status).toBe(500);
      expect(reply.text).not.toContain('internalField');
    });

    it('a public route asking for the principal is a 500, not a leak', async () => {
      const reply = await invoke(
        async (request) => ({ status: 200, body: { who: request.principal.userId } }),
        { method: 'GET', claims: null },
        { authenticated: false },
      );
      expect(reply.status).toBe(500);
      expect(reply.text).not.toContain('public');
    });

    it('4xx errors keep their detail, extensions and headers', async () => {
      const reply = await invoke(async () => {
        throw new HttpError(
          409,
          'invalid-transition',
          'Transition not allowed',
          'An incident that is new can move to in_progress, canceled, not closed',
          { allowedTransitions: ['in_progress', 'canceled'] },
          { 'x-extra': '1' },
        );
      });
      expect(reply).toMatchObject({
        status: 409,
        headers: { 'content-type': 'application/problem+json', 'x-extra': '1' },
        body: { status: 409, detail: expect.stringContaining('in_progress, canceled'), allowedTransitions: ['in_progress', 'canceled'] },
      });
      expect(logs.errors()).toEqual([]);
    });
  });
});

describe('text fields (schemas/common.ts textViolations)', () => {
  const schema = z.strictObject({
    title: z.string().max(200),
    description: z.string().max(20_000).optional(),
    shortButProse: z.string().max(100).meta({ multiline: true }).optional(),
    tags: z.array(z.string().max(50)).optional(),
    labels: z.record(z.string().max(50), z.string().max(50)).optional(),
    either: z.union([z.number(), z.string().max(10)]).optional(),
    free: z.unknown().optional(),
  });
  const violations = (value: unknown) => textViolations(schema, value).map((p) => `${p.path.join('.')}: ${p.message}`);

  it('finds each field at its path: arrays, records (keys and values), unions', () => {
    const found = violations({ title: 'ok', tags: ['a', 'b\u0000'], labels: { 'k\u0001': 'v', k: 'v\u007f' }, either: 'x\u0085' });
    expect(found).toEqual([
      expect.stringMatching(/^tags\.1: .*U\+0000 at position 1/),
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the record key under test holds U+0001
      expect.stringMatching(/^labels\.k\u0001: .*U\+0001/),
      expect.stringMatching(/^labels\.k: .*U\+007F/),
      expect.stringMatching(/^either: .*U\+0085/),
    ]);
  });

  it('allows tab, LF and CR only in prose fields (long, or marked multiline)', () => {
    expect(violations({ title: 'a\tb' })).toEqual([expect.stringMatching(/^title: .*U\+0009.*one-line/)]);
    expect(violations({ title: 'a', description: 'one\r\n\ttwo', shortButProse: 'x\ny' })).toEqual([]);
  });

  it('refuses lone surrogates, high or low, and keeps pairs', () => {
    expect(violations({ title: 'a\uD83D' })).toEqual([expect.stringMatching(/unpaired surrogate U\+D83D at position 1/)]);
    expect(violations({ title: '\uDE00a' })).toEqual([expect.stringMatching(/unpaired surrogate U\+DE00 at position 0/)]);
    expect(violations({ title: '😀 fine' })).toEqual([]);
  });

  it('leaves open values (z.unknown) alone: they are data, not text fields', () => {
    expect(violations({ title: 'ok', free: { anything: '\u0000' } })).toEqual([]);
  });

  it('parseWith names text violations and other schema errors together, one error per field', () => {
    let error: unknown;
    try {
      parseWith(schema, { title: `${'x'.repeat(201)}\u0000`, tags: 'not a list' }, 'body');
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ status: 400 });
    const errors = (error as { extensions: { errors: { path: string; message: string }[] } }).extensions.errors;
    expect(errors.map((e) => e.path)).toEqual(['title', 'tags']);
    expect(errors[0]?.message).toMatch(/control character/);
  });
});
