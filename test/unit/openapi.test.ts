import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { AREAS } from '../../functions/areas.ts';
import { EVENT_OUTCOMES } from '../../functions/ingestion/api.ts';
import { incidentEventDetail } from '../../functions/ingestion/domain/bus-events.ts';
import { handler as openApiHandler } from '../../functions/platform/handlers/openapi.ts';
import { ROUTES } from '../../functions/routes.ts';
import { ERROR_TYPES } from '../../functions/shared/api/error-types.ts';
import { acceptsGzip } from '../../functions/shared/http/accept-encoding.ts';
import {
  assembleApi,
  buildOpenApiDocument,
  describeAreas,
  type JsonObject,
  PROBLEM_MEDIA_TYPE,
  routeKey,
  serializeOpenApiDocument,
} from '../../scripts/openapi/build.ts';
import { eventSchemaFiles } from '../../scripts/openapi/event-schemas.ts';
import { documentJsonOf, SERVED_DOCUMENT_MODULE } from '../../scripts/openapi/served-document.ts';

// Every registered area with its API description (functions/<area>/api.ts) loaded.
const areas = await describeAreas(AREAS);
const OPERATIONS = assembleApi(areas).operations;
const EVENT_SCHEMA_FILES = eventSchemaFiles(areas);

const STALE = 'docs/openapi.json is stale: run `npm run openapi` and commit the result';
const committedText = readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8');
const document = JSON.parse(committedText) as JsonObject;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
type Operation = { method: string; path: string; op: JsonObject };

const paths = document.paths as Record<string, Record<string, JsonObject>>;
const operations: Operation[] = Object.entries(paths).flatMap(([path, item]) =>
  Object.entries(item)
    .filter(([method]) => (METHODS as readonly string[]).includes(method))
    .map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
);
const routeByKey = new Map(ROUTES.map((route) => [routeKey(route), route]));

/**
 * The documented exceptions to the API's conventions, each for a reason; any other operation that
 * breaks a convention fails the test below.
 */
const CONVENTION_EXCEPTIONS = {
  /**
   * POSTs without Idempotency-Key. `POST /v2/enqueue` speaks PagerDuty's Events API v2, whose
   * clients (Alertmanager, Grafana, ...) send no Idempotency-Key: events deduplicate by `dedup_key`,
   * and every accepted event is recorded once under its own id.
   */
  noIdempotencyKey: new Set([
    'POST /v2/enqueue',
    // The CMDB's import is idempotent by what it carries: each item applies in its resource's capture-time order, so a retry changes nothing.
    'POST /cis/import',
  ]),
  /**
   * POSTs that are actions on a versioned record (the lifecycle moves of a change request): they
   * need If-Match instead of an Idempotency-Key. The version makes a retry safe: once the first
   * request has moved the record, the retry's ETag is stale (412) and nothing is written twice.
   */
  ifMatchInsteadOfIdempotencyKey: new Set([
    'POST /changes/{id}/submit',
    'POST /changes/{id}/cancel',
    'POST /changes/{id}/implementation',
    'POST /changes/{id}/review',
    'POST /changes/{id}/start-override',
    // The lifecycle steps of a knowledge article, for the same reason.
    'POST /articles/{id}/submit',
    'POST /articles/{id}/review',
    'POST /articles/{id}/retire',
  ]),
  /**
   * DELETEs without If-Match: integration keys have no version, and revoking is idempotent (204
   * again); a CMDB relationship has no version either, and is named whole by its type and target
   * (removing it again answers 404).
   */
  noIfMatch: new Set(['DELETE /services/{name}/integrations/{key}', 'DELETE /cis/{id}/relationships']),
  /** Error answers that are PagerDuty's JSON rather than problem+json (its tools parse them). */
  notProblemJson: new Set(['POST /v2/enqueue 400', 'POST /v2/enqueue 413', 'POST /v2/enqueue 429', 'POST /v2/enqueue 500']),
};

/** RFC 6901 pointer resolution of a local `$ref`; undefined when it leads nowhere. */
function resolvePointer(ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = document;
  for (const raw of ref.slice(2).split('/')) {
    const token = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    if (node === null || typeof node !== 'object' || !(token in node)) return undefined;
    node = (node as Record<string, unknown>)[token];
  }
  return node;
}

/** Follows `$ref` (components refer at most one level deep here, but loop anyway). */
function deref<T = JsonObject>(value: unknown): T {
  let node = value as JsonObject;
  for (let hops = 0; typeof node?.$ref === 'string' && hops < 10; hops++) node = resolvePointer(node.$ref as string) as JsonObject;
  return node as T;
}

function collectRefs(node: unknown, at: string, out: { ref: string; at: string }[] = []): { ref: string; at: string }[] {
  if (Array.isArray(node)) {
    node.forEach((child, i) => {
      collectRefs(child, `${at}/${i}`, out);
    });
  } else if (node !== null && typeof node === 'object') {
    for (const [key, child] of Object.entries(node)) {
      if (key === '$ref' && typeof child === 'string') out.push({ ref: child, at });
      else collectRefs(child, `${at}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`, out);
    }
  }
  return out;
}

describe('docs/openapi.json', () => {
  it('is what the route table and the schemas generate', () => {
    const generated = buildOpenApiDocument(areas);
    expect(document, STALE).toEqual(generated);
    expect(committedText === serializeOpenApiDocument(generated), STALE).toBe(true);
  });

  it(`is what ${SERVED_DOCUMENT_MODULE} holds (the compressed copy GET /openapi.json serves)`, () => {
    const moduleText = readFileSync(new URL(`../../${SERVED_DOCUMENT_MODULE}`, import.meta.url), 'utf8');
    expect(documentJsonOf(moduleText) === JSON.stringify(document), `${SERVED_DOCUMENT_MODULE} is stale: run \`npm run openapi\` and commit the result`).toBe(
      true,
    );
  });

  it('is OpenAPI 3.1 with the info a reader needs', () => {
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    const info = document.info as JsonObject;
    expect(typeof info.title).toBe('string');
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(Object.keys(document)).not.toContain('$schema');
  });

  it('has one operation per route of functions/routes.ts and no other', () => {
    const documented = operations.map(({ method, path }) => `${method} ${path}`).sort();
    expect(documented).toEqual(ROUTES.map(routeKey).sort());
    expect(Object.keys(OPERATIONS).sort()).toEqual(ROUTES.map(routeKey).sort());
  });

  it('resolves every $ref inside the document, and uses every component schema', () => {
    const refs = collectRefs(document, '#');
    expect(refs.filter(({ ref }) => resolvePointer(ref) === undefined)).toEqual([]);

    // Reachable from the paths, following refs through components.
    const reached = new Set<string>();
    const queue = collectRefs(document.paths, '#/paths').map(({ ref }) => ref);
    while (queue.length > 0) {
      const ref = queue.pop() as string;
      if (reached.has(ref)) continue;
      reached.add(ref);
      queue.push(...collectRefs(resolvePointer(ref), ref).map((r) => r.ref));
    }
    const schemas = Object.keys((document.components as JsonObject).schemas as JsonObject);
    expect(schemas.filter((name) => !reached.has(`#/components/schemas/${name}`))).toEqual([]);
  });

  it('holds component schemas as plain JSON Schema 2020-12 (no per-schema $schema, $id or $defs)', () => {
    const text = JSON.stringify((document.components as JsonObject).schemas);
    expect(text).not.toMatch(/"\$(schema|id|defs)"/);
  });

  it('has well-formed operations', () => {
    const tagNames = new Set((document.tags as { name: string }[]).map((tag) => tag.name));
    const ids = new Set<string>();
    for (const { method, path, op } of operations) {
      const where = `${method} ${path}`;
      const route = routeByKey.get(where);
      expect(route, where).toBeDefined();

      expect(op.operationId, where).toMatch(/^[a-z][A-Za-z0-9]*$/);
      expect(ids.has(op.operationId as string), `${where}: duplicate operationId`).toBe(false);
      ids.add(op.operationId as string);
      expect((op.summary as string).length, where).toBeGreaterThan(0);
      expect(op.description, where).toMatch(/\*\*Who:\*\*/);
      expect(op.tags, where).toHaveLength(1);
      expect(tagNames.has((op.tags as string[])[0] as string), where).toBe(true);

      // Security: the bearer scheme on JWT routes, explicitly none on public ones.
      expect(op.security, where).toEqual(route?.auth === 'jwt' ? [{ bearerAuth: [] }] : []);

      // Parameters: unique, path parameters exactly those of the template and required.
      const parameters = ((op.parameters ?? []) as unknown[]).map((p) => deref(p));
      const keys = parameters.map((p) => `${String(p.in)}:${String(p.name)}`);
      expect(new Set(keys).size, `${where}: duplicate parameters`).toBe(keys.length);
      for (const p of parameters) {
        expect(['path', 'query', 'header', 'cookie'], where).toContain(p.in);
        expect(p.schema, `${where} ${String(p.name)}`).toBeTypeOf('object');
        if (p.in === 'path') expect(p.required, `${where} ${String(p.name)}`).toBe(true);
      }
      const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      expect(
        parameters.filter((p) => p.in === 'path').map((p) => p.name),
        where,
      ).toEqual(templated);
      const headers = parameters.filter((p) => p.in === 'header').map((p) => String(p.name));
      if (method === 'POST') {
        if (CONVENTION_EXCEPTIONS.noIdempotencyKey.has(where)) expect(headers, `${where}: documented without Idempotency-Key`).not.toContain('Idempotency-Key');
        else if (CONVENTION_EXCEPTIONS.ifMatchInsteadOfIdempotencyKey.has(where)) {
          expect(headers, `${where}: documented without Idempotency-Key`).not.toContain('Idempotency-Key');
          const ifMatch = parameters.find((p) => p.in === 'header' && p.name === 'If-Match');
          expect(ifMatch?.required, `${where}: If-Match required instead`).toBe(true);
        } else expect(headers, `${where}: Idempotency-Key`).toContain('Idempotency-Key');
      }
      if (['PATCH', 'PUT', 'DELETE'].includes(method)) {
        if (CONVENTION_EXCEPTIONS.noIfMatch.has(where)) expect(headers, `${where}: documented without If-Match`).not.toContain('If-Match');
        else expect(headers, `${where}: If-Match`).toContain('If-Match');
      }

      // Request bodies: JSON, with a component schema.
      if (op.requestBody !== undefined) {
        const body = deref(op.requestBody);
        const content = body.content as Record<string, { schema: JsonObject }>;
        expect(Object.keys(content), where).toContain('application/json');
        for (const media of Object.values(content)) expect(media.schema.$ref, where).toMatch(/^#\/components\/schemas\//);
      }

      // Responses: status codes, descriptions, one success, problem+json for errors.
      const responses = op.responses as Record<string, unknown>;
      const statuses = Object.keys(responses);
      for (const status of statuses) expect(status, where).toMatch(/^[1-5]\d\d$/);
      expect(
        statuses.some((s) => s.startsWith('2')),
        `${where}: no success response`,
      ).toBe(true);
      for (const [status, raw] of Object.entries(responses)) {
        const response = deref(raw);
        expect(typeof response.description, `${where} ${status}`).toBe('string');
        const content = (response.content ?? {}) as Record<string, { schema?: JsonObject }>;
        for (const media of Object.values(content)) expect(media.schema, `${where} ${status}`).toBeDefined();
        if (CONVENTION_EXCEPTIONS.notProblemJson.has(`${where} ${status}`)) {
          expect(Object.keys(content), `${where} ${status}: its own JSON`).toEqual(['application/json']);
        } else if (Number(status) >= 400 && status !== '429') {
          expect(content[PROBLEM_MEDIA_TYPE]?.schema, `${where} ${status}: problem+json`).toEqual({ $ref: '#/components/schemas/ProblemDetails' });
        }
      }
      if (route?.auth === 'jwt') expect(statuses, where).toContain('401');
      expect(statuses, where).toContain('500');
    }
  });

  it('lists only exceptions that are still operations of the document', () => {
    const keys = new Set(operations.map(({ method, path }) => `${method} ${path}`));
    const exceptions = [...CONVENTION_EXCEPTIONS.noIdempotencyKey, ...CONVENTION_EXCEPTIONS.ifMatchInsteadOfIdempotencyKey, ...CONVENTION_EXCEPTIONS.noIfMatch];
    for (const key of exceptions) expect(keys.has(key), key).toBe(true);
    for (const key of CONVENTION_EXCEPTIONS.notProblemJson) expect(keys.has(key.replace(/ \d{3}$/, '')), key).toBe(true);
  });

  it('keeps request bodies closed, except the PagerDuty event, whose unknown members are ignored', () => {
    const schemas = (document.components as JsonObject).schemas as Record<string, JsonObject>;
    const closedAnywhere = (schema: unknown): boolean => JSON.stringify(schema).includes('"additionalProperties":false');
    expect(closedAnywhere(schemas.PagerDutyEvent)).toBe(false);
    for (const { method, path, op } of operations) {
      if (op.requestBody === undefined || `${method} ${path}` === 'POST /v2/enqueue') continue;
      const ref = (deref(op.requestBody).content as Record<string, { schema: JsonObject }>)['application/json']?.schema.$ref as string;
      expect(deref(resolvePointer(ref)).additionalProperties, `${method} ${path}`).toBe(false);
    }
  });

  it('lists the event outcomes of the alert store, in its order', async () => {
    // alert-store.ts imports the store's db module, which reads TABLE_NAME at load (no I/O happens).
    vi.stubEnv('TABLE_NAME', 'unit-no-table');
    vi.stubEnv('AWS_REGION', 'us-east-1');
    const store = await import('../../functions/ingestion/store/alert-store.ts');
    vi.unstubAllEnvs();
    expect(EVENT_OUTCOMES).toEqual([...store.EVENT_OUTCOMES]);
    const schemas = (document.components as JsonObject).schemas as Record<string, JsonObject>;
    const properties = schemas.IncidentEvent?.properties as Record<string, JsonObject>;
    // The documented fields are the stored event's, in the order the API answers them (scope last).
    expect(Object.keys(properties)).toEqual([...store.EVENT_ORDER, 'scope']);
  });

  it('defines the bearer security scheme the operations use', () => {
    const schemes = (document.components as JsonObject).securitySchemes as JsonObject;
    expect(schemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  });

  const serve = async (headers: Record<string, string>) => {
    const event = {
      version: '2.0',
      routeKey: 'GET /openapi.json',
      rawPath: '/openapi.json',
      rawQueryString: '',
      headers,
      requestContext: { http: { method: 'GET', path: '/openapi.json' } },
      isBase64Encoded: false,
    } as unknown as APIGatewayProxyEventV2;
    const context = { awsRequestId: 'test' } as Context;
    return (await openApiHandler(event, context)) as APIGatewayProxyStructuredResultV2;
  };

  it('is what GET /openapi.json serves, as plain JSON to a client that does not ask for gzip', async () => {
    const result = await serve({});
    expect(result.statusCode).toBe(200);
    expect(result.headers?.['content-type']).toBe('application/json');
    expect(result.headers?.['content-encoding']).toBeUndefined();
    expect(result.headers?.vary).toBe('accept-encoding');
    expect(result.isBase64Encoded).toBe(false);
    expect(JSON.parse(result.body as string)).toEqual(document);
  });

  it('is what GET /openapi.json serves, gzip-compressed to a client that accepts gzip', async () => {
    const result = await serve({ 'accept-encoding': 'gzip, deflate, br' });
    expect(result.statusCode).toBe(200);
    expect(result.headers?.['content-type']).toBe('application/json');
    expect(result.headers?.['content-encoding']).toBe('gzip');
    expect(result.headers?.vary).toBe('accept-encoding');
    expect(result.isBase64Encoded).toBe(true);
    const text = gunzipSync(Buffer.from(result.body as string, 'base64')).toString('utf8');
    expect(JSON.parse(text)).toEqual(document);
    expect(text).toBe((await serve({})).body);
  });

  it('gives gzip only to an Accept-Encoding that takes it', () => {
    const cases: [string | undefined, boolean][] = [
      [undefined, false], // curl without --compressed
      ['', false],
      ['identity', false],
      ['br', false],
      ['gzip', true],
      ['gzip, deflate, br, zstd', true], // browsers
      ['GZIP;q=0.5', true],
      ['x-gzip', true],
      ['gzip;q=0', false],
      ['gzip;q=0.000, *', false],
      ['*', true],
      ['br, *;q=0', false],
      ['gzip;q=oops', false],
    ];
    for (const [header, expected] of cases) expect(acceptsGzip(header), String(header)).toBe(expected);
  });
});

describe("docs/schemas/ (the areas' eventSchemas, scripts/openapi/event-schemas.ts)", () => {
  for (const [path, build] of Object.entries(EVENT_SCHEMA_FILES)) {
    const text = readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
    const schema = JSON.parse(text) as JsonObject;

    it(`${path} is what the zod schema generates`, () => {
      expect(text === serializeOpenApiDocument(build()), `${path} is stale: run \`npm run openapi\` and commit the result`).toBe(true);
    });

    it(`${path} is a standalone JSON Schema 2020-12 with a title and a description, and no $id`, () => {
      expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(schema.title).toMatch(/\S/);
      expect(schema.description).toMatch(/\S/);
      expect(text).not.toMatch(/"\$(id|defs|ref)"/);
    });
  }

  it('describes the detail of Incident Trigger / Acknowledge / Resolve as the handler validates it', () => {
    const schema = EVENT_SCHEMA_FILES['docs/schemas/incident-event-detail.schema.json']?.() as JsonObject;
    expect(Object.keys(schema.properties as JsonObject)).toEqual(Object.keys(incidentEventDetail.shape));
    expect(schema.required).toEqual(['dedupKey', 'service']);
    // The handler refuses unknown members (a strict object), so the schema says so.
    expect(schema.additionalProperties).toBe(false);
  });
});

describe('the error type catalogue (functions/shared/api/error-types.ts)', () => {
  /** Error types raised under functions/: `new HttpError(status, 'slug'` and the helpers that take a slug. */
  function raisedErrorTypes(): Map<string, number | undefined> {
    const root = fileURLToPath(new URL('../../functions/', import.meta.url));
    const raised = new Map<string, number | undefined>();
    for (const file of readdirSync(root, { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith('.ts')) continue;
      const source = readFileSync(`${root}${file}`, 'utf8');
      for (const [, status, slug] of source.matchAll(/new HttpError\(\s*(\d{3}),\s*'([a-z-]+)'/g)) raised.set(slug as string, Number(status));
      for (const [, helper, slug] of source.matchAll(/\b(badRequest|conflict|unprocessable)\(\s*'([a-z-]+)'/g)) {
        raised.set(slug as string, { badRequest: 400, conflict: 409, unprocessable: 422 }[helper as string]);
      }
    }
    return raised;
  }

  it('lists every error type the functions raise, with its status, and no other', () => {
    const raised = raisedErrorTypes();
    const catalogue = ERROR_TYPES as Record<string, { status: number }>;
    const missing = [...raised.keys()].filter((slug) => catalogue[slug] === undefined);
    expect(missing, 'add these to functions/shared/api/error-types.ts, then run `npm run openapi`').toEqual([]);
    for (const [slug, status] of raised) expect(catalogue[slug]?.status, slug).toBe(status);
    expect(
      Object.keys(catalogue).filter((slug) => !raised.has(slug)),
      'documented but never raised',
    ).toEqual([]);
  });
});
