/**
 * Builds the OpenAPI 3.1 document from the registered areas (functions/areas.ts): each area's
 * routes (its area.ts) and API description (its api.ts: tags, one OperationSpec per route, the
 * zod schemas it adds), with the components common to all (./common-schemas.ts), converted with
 * zod's own `z.toJSONSchema` to JSON Schema 2020-12, the dialect of OpenAPI 3.1. Pure and
 * deterministic: the same sources give the same bytes (scripts/generate-openapi.ts writes them to
 * docs/openapi.json; test/unit/openapi.test.ts checks the committed file is current). Tags and
 * paths come in registry order, then in each area's order.
 */
import * as z from 'zod';
import { ERROR_TYPES, type ErrorTypeSlug } from '../../functions/shared/api/error-types.ts';
import type {
  AreaApi,
  Audience,
  EventSchemaFile,
  OperationSpec,
  OwnErrorResponse,
  PathParameter,
  PublishedEventDetail,
  ResponseHeader,
} from '../../functions/shared/api/operation.ts';
import { publishedEventTypesOf } from '../../functions/shared/api/operation.ts';
import type { Area, RouteDefinition } from '../../functions/shared/area.ts';
import packageJson from '../../package.json' with { type: 'json' };
import { COMMON_PATH_PARAMETERS, commonResponseSchemas } from './common-schemas.ts';

export const OPENAPI_VERSION = '3.1.1';
export const PROBLEM_MEDIA_TYPE = 'application/problem+json';
const JSON_MEDIA_TYPE = 'application/json';

export type JsonObject = { [key: string]: unknown };

/** An area with its API description loaded. */
export interface DescribedArea {
  readonly name: string;
  readonly routes: readonly RouteDefinition[];
  /** The detail-types it publishes (its area.ts): its api.ts `publishedEvents` must describe exactly these. */
  readonly publishedEventTypes: readonly string[];
  readonly api: AreaApi;
}

/** Loads each area's api.ts (area.ts refers to it lazily, so that infra and local never load zod schemas). */
export async function describeAreas(areas: readonly Area[]): Promise<DescribedArea[]> {
  return Promise.all(
    areas.map(async (area): Promise<DescribedArea> => {
      const routes = area.routes ?? [];
      const publishedEventTypes = area.publishedEventTypes ?? [];
      if (area.api === undefined) {
        if (routes.length > 0) throw new Error(`Area ${area.name} has routes but no API description (api in its area.ts)`);
        return { name: area.name, routes, publishedEventTypes, api: { operations: {} } };
      }
      return { name: area.name, routes, publishedEventTypes, api: (await area.api()).default };
    }),
  );
}

/** One route with its operation, and the path parameters its area knows. */
interface DescribedRoute {
  readonly route: RouteDefinition;
  readonly spec: OperationSpec;
  readonly pathParameters: Readonly<Record<string, PathParameter>>;
}

/** Everything the areas contribute to the document, merged; a name given twice is refused. */
export interface AssembledApi {
  readonly tags: Readonly<Record<string, string>>;
  readonly routes: readonly DescribedRoute[];
  readonly operations: Readonly<Record<string, OperationSpec>>;
  readonly sharedSchemas: Readonly<Record<string, z.ZodType>>;
  readonly requestSchemas: Readonly<Record<string, z.ZodType>>;
  readonly responseSchemas: Readonly<Record<string, z.ZodType>>;
  /** Every area's published event details, in registry order: what the catalogue-wide event schemas are built from. */
  readonly publishedEvents: readonly PublishedEventDetail[];
  readonly eventSchemas: readonly EventSchemaFile[];
}

function mergeInto<T>(target: Record<string, T>, source: Readonly<Record<string, T>> | undefined, what: string, area: string): void {
  for (const [name, value] of Object.entries(source ?? {})) {
    if (Object.hasOwn(target, name)) throw new Error(`Area ${area} declares ${what} ${name}, which is declared already`);
    target[name] = value;
  }
}

export function assembleApi(areas: readonly DescribedArea[]): AssembledApi {
  const tags: Record<string, string> = {};
  const routes: DescribedRoute[] = [];
  const operations: Record<string, OperationSpec> = {};
  const sharedSchemas: Record<string, z.ZodType> = {};
  const requestSchemas: Record<string, z.ZodType> = {};
  const errorMembers: Record<string, z.ZodType> = {};
  const areaResponses: Record<string, z.ZodType> = {};
  const eventSchemas: EventSchemaFile[] = [];
  const publishedEvents: PublishedEventDetail[] = [];
  const describedBy = new Map<string, string>();
  for (const { name: area, routes: areaRoutes, publishedEventTypes, api } of areas) {
    mergeInto(tags, api.tags, 'tag', area);
    mergeInto(sharedSchemas, api.sharedSchemas, 'component', area);
    mergeInto(requestSchemas, api.requestSchemas, 'request component', area);
    mergeInto(areaResponses, api.responseSchemas, 'response component', area);
    mergeInto(errorMembers, api.errorMembers, 'problem details member', area);
    const pathParameters = { ...COMMON_PATH_PARAMETERS, ...api.pathParameters };
    const keys = new Set(areaRoutes.map(routeKey));
    const extra = Object.keys(api.operations).filter((key) => !keys.has(key));
    if (extra.length > 0) throw new Error(`The API description of area ${area} describes routes that are not in its area.ts: ${extra.join(', ')}`);
    for (const route of areaRoutes) {
      const spec = api.operations[routeKey(route)];
      if (spec === undefined) throw new Error(`No operation in the API description of area ${area} for ${routeKey(route)}`);
      mergeInto(operations, { [routeKey(route)]: spec }, 'route', area);
      const unknown = Object.keys(spec.pathParameters ?? {}).filter((name) => !route.path.includes(`{${name}}`));
      if (unknown.length > 0) throw new Error(`${routeKey(route)}: pathParameters names ${unknown.join(', ')}, which its path does not have`);
      routes.push({ route, spec, pathParameters: { ...pathParameters, ...spec.pathParameters } });
    }
    for (const detail of api.publishedEvents ?? []) {
      for (const type of publishedEventTypesOf(detail)) {
        const other = describedBy.get(type);
        if (other !== undefined) throw new Error(`Area ${area} describes event type ${type}, which area ${other} describes already`);
        if (!publishedEventTypes.includes(type)) throw new Error(`Area ${area} describes event type ${type}, which its area.ts does not publish`);
        describedBy.set(type, area);
      }
      publishedEvents.push(detail);
    }
    const undescribed = publishedEventTypes.filter((type) => describedBy.get(type) !== area);
    if (undescribed.length > 0) {
      throw new Error(`Area ${area} publishes ${undescribed.join(', ')} with no detail schema (publishedEvents in its api.ts)`);
    }
    for (const file of api.eventSchemas ?? []) {
      if (eventSchemas.some((other) => other.file === file.file)) throw new Error(`Area ${area} writes ${file.file}, which another area writes too`);
      eventSchemas.push(file);
    }
  }
  const responseSchemas: Record<string, z.ZodType> = {};
  mergeInto(responseSchemas, areaResponses, 'response component', 'all');
  mergeInto(responseSchemas, commonResponseSchemas(errorMembers), 'common response component', 'common');
  for (const name of Object.keys(sharedSchemas)) {
    if (name in requestSchemas || name in responseSchemas) throw new Error(`Component ${name} is both shared and a request or response component`);
  }
  for (const { route, spec } of routes) {
    if (!Object.hasOwn(tags, spec.tag)) throw new Error(`${routeKey(route)}: tag ${spec.tag} is declared by no area`);
  }
  return { tags, routes, operations, sharedSchemas, requestSchemas, responseSchemas, publishedEvents, eventSchemas };
}

export const routeKey = (route: Pick<RouteDefinition, 'method' | 'path'>): string => `${route.method} ${route.path}`;
const sortByKey = <T>(record: Record<string, T>): Record<string, T> =>
  Object.fromEntries(
    Object.keys(record)
      .sort()
      .map((key) => [key, record[key] as T]),
  );
const schemaRef = (name: string): JsonObject => ({ $ref: `#/components/schemas/${name}` });

/** zod spells `.int()` as the safe-integer range; that is noise in a document meant for people. */
function tidy({ jsonSchema }: { jsonSchema: JsonObject }): void {
  if (jsonSchema.type !== 'integer') return;
  if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
  if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
}

/**
 * Responses are open: zod's output conversion closes every object (`additionalProperties: false`),
 * which would let generated clients reject an answer the day the API adds a field. Requests (and
 * schemas shared with requests) stay closed, because the API refuses unknown fields.
 */
function openObjects(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(openObjects);
  if (value === null || typeof value !== 'object') return value;
  const result: JsonObject = {};
  for (const [key, child] of Object.entries(value as JsonObject)) {
    if (key === 'additionalProperties' && child === false) continue;
    result[key] = openObjects(child);
  }
  return result;
}

function assertSelfContained(where: string, value: unknown): void {
  const text = JSON.stringify(value);
  if (text.includes('"$defs"')) {
    throw new Error(`${where}: a nested schema carries a meta id that is not a component; add it to its area's api.ts components`);
  }
}

/** Converts named schemas as one registry, so that they refer to each other by `$ref`. */
function convertComponents(schemas: Record<string, z.ZodType>, io: 'input' | 'output'): Record<string, JsonObject> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const converted = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'throw',
    uri: (id) => `#/components/schemas/${id}`,
    override: tidy,
  }).schemas as Record<string, JsonObject>;
  const result: Record<string, JsonObject> = {};
  for (const [id, { $schema: _dialect, $id: _id, ...schema }] of Object.entries(converted)) {
    assertSelfContained(`components.schemas.${id}`, schema);
    result[id] = schema;
  }
  return result;
}

/** A schema used in place (a parameter): no `$schema`, and nothing it would need a `$defs` for. */
export function inlineSchema(where: string, schema: z.ZodType, io: 'input' | 'output'): JsonObject {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'throw', override: tidy }) as JsonObject;
  // A schema with a meta id of its own comes back as `{ $ref: '#/$defs/<id>', $defs: { <id>: ... } }`.
  const { $ref, $defs, ...rest } = json as { $ref?: string; $defs?: Record<string, JsonObject> };
  const ids = Object.keys($defs ?? {});
  const unwrapped = ids.length === 1 && $ref === `#/$defs/${ids[0]}` ? { ...($defs?.[ids[0] as string] ?? {}), ...rest } : json;
  assertSelfContained(where, unwrapped);
  return unwrapped;
}

function componentSchemas(api: AssembledApi): Record<string, JsonObject> {
  // Shared schemas join both conversions, so that requests and responses both refer to them.
  const requests = convertComponents({ ...api.sharedSchemas, ...api.requestSchemas }, 'input');
  const responses = convertComponents({ ...api.sharedSchemas, ...api.responseSchemas }, 'output');
  for (const name of Object.keys(requests)) {
    if (name in responses && JSON.stringify(requests[name]) !== JSON.stringify(responses[name])) {
      throw new Error(`Component ${name} differs as a request (zod input) and as a response (zod output)`);
    }
  }
  const openResponses = Object.fromEntries(
    Object.entries(responses).map(([name, schema]) => [name, name in api.sharedSchemas ? schema : (openObjects(schema) as JsonObject)]),
  );
  return sortByKey({ ...requests, ...openResponses });
}

const AUDIENCE: Record<Audience, string> = {
  public: 'Public: no token needed.',
  requester: 'Any signed-in user: requester, agent or admin (when requester groups are configured, members of a role group only).',
  agent:
    'Agents and admins (a group in the groups claim named exactly as a configured agent or admin group, by default `agent` or `admin`); requesters get 403.',
  admin: 'Admins only (a group named exactly as a configured admin group, by default `admin`); requesters and agents get 403.',
};

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict',
  412: 'Precondition failed',
  413: 'Payload too large',
  415: 'Unsupported media type',
  422: 'Unprocessable content',
  428: 'Precondition required',
  429: 'Too many requests',
  500: 'Internal error',
  503: 'Service unavailable',
};

/** Statuses whose answer is the same everywhere, unless an operation adds a note: `components/responses`. */
const SHARED_RESPONSES: Record<number, string> = {
  401: 'Unauthorized',
  413: 'PayloadTooLarge',
  415: 'UnsupportedMediaType',
  428: 'PreconditionRequired',
  429: 'TooManyRequests',
  500: 'InternalError',
};

const errorTypeList = (slugs: readonly ErrorTypeSlug[]): string => slugs.map((slug) => `- \`${slug}\`: ${ERROR_TYPES[slug].when}`).join('\n');

const problemDetailsContent = (): JsonObject => ({ [PROBLEM_MEDIA_TYPE]: { schema: schemaRef('ProblemDetails') } });
const gatewayContent = (): JsonObject => ({ [JSON_MEDIA_TYPE]: { schema: schemaRef('GatewayError') } });

function sharedResponses(): JsonObject {
  return {
    Unauthorized: {
      description: [
        'No valid bearer token. API Gateway\'s JWT authorizer answers `{"message":"Unauthorized"}` as application/json; a token that reaches a function without a subject gets problem+json.',
        errorTypeList(['unauthorized']),
      ].join('\n\n'),
      headers: { 'WWW-Authenticate': { description: '`Bearer`, with the reason when the gateway refused the token', schema: { type: 'string' } } },
      content: { ...problemDetailsContent(), ...gatewayContent() },
    },
    PayloadTooLarge: {
      description: [
        "The body is too large: over 64 KB the function answers problem+json; over API Gateway's own limit the gateway answers application/json.",
        errorTypeList(['payload-too-large']),
      ].join('\n\n'),
      content: { ...problemDetailsContent(), ...gatewayContent() },
    },
    UnsupportedMediaType: { description: errorTypeList(['unsupported-media-type']), content: problemDetailsContent() },
    PreconditionRequired: {
      description: `${errorTypeList(['precondition-required'])}. Read the resource and send its ETag.`,
      content: problemDetailsContent(),
    },
    TooManyRequests: {
      description: "The API's throttling limit was reached (answered by API Gateway); retry later with backoff.",
      content: gatewayContent(),
    },
    InternalError: {
      description: [
        'An unexpected failure. A running function answers problem+json; a function that failed outside its error handling (or did not answer) gets API Gateway\'s `{"message":"Internal Server Error"}`.',
        errorTypeList(['internal-error']),
      ].join('\n\n'),
      content: { ...problemDetailsContent(), ...gatewayContent() },
    },
  };
}

function headerParameters(): JsonObject {
  return {
    IdempotencyKey: {
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description:
        'A key you choose (e.g. a UUID) to make retries safe. For 24 hours, the same key from the same user on the same operation and resource replays the first response (with `Idempotent-Replayed: true`) and writes nothing; with a different body it is refused (422).',
      schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]{1,255}$' },
    },
    IfMatch: {
      name: 'If-Match',
      in: 'header',
      required: true,
      description:
        'The ETag of the version you read, e.g. `"3"` (`W/"3"` and `3` are accepted), or `*` for whatever version exists now (RFC 9110). Missing: 428. Not the current version, or neither a version number nor `*`: 412.',
      schema: { type: 'string' },
    },
  };
}

const HEADERS: Record<ResponseHeader, JsonObject> = {
  ETag: { description: 'The version of the record, quoted (`"3"`); send it in If-Match to change the record', schema: { type: 'string' } },
  Location: { description: 'The path of the record, e.g. `/incidents/01JD...` or `/groups/network`', schema: { type: 'string' } },
  'Idempotent-Replayed': {
    description: '`true` when this is the stored response of an earlier request with the same Idempotency-Key',
    schema: { type: 'string', enum: ['true'] },
  },
  'Cache-Control': { description: 'How long the answer may be cached', schema: { type: 'string' } },
  'Retry-After': { description: 'Seconds to wait before sending again', schema: { type: 'integer', minimum: 1 } },
};

const headerRef = (name: ResponseHeader): JsonObject => ({ $ref: `#/components/headers/${name}` });

function pathParameters(route: RouteDefinition, known: Readonly<Record<string, PathParameter>>): JsonObject[] {
  return [...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => {
    const parameter = known[name as string];
    if (parameter === undefined) throw new Error(`${routeKey(route)}: no schema for path parameter ${name}`);
    return {
      name,
      in: 'path',
      required: true,
      description: parameter.description,
      schema: inlineSchema(`${routeKey(route)} path ${name}`, parameter.schema, 'input'),
    };
  });
}

/** One parameter per property of the query schema, as the handler validates it (zod input). */
function queryParameters(route: RouteDefinition, spec: OperationSpec, query: z.ZodObject): JsonObject[] {
  const json = inlineSchema(`${routeKey(route)} query`, query, 'input');
  const properties = (json.properties ?? {}) as Record<string, JsonObject>;
  const required = new Set((json.required ?? []) as string[]);
  for (const name of Object.keys(spec.queryDescriptions ?? {})) {
    if (!(name in properties)) throw new Error(`${routeKey(route)}: queryDescriptions names ${name}, which the query schema does not have`);
  }
  return Object.entries(properties).map(([name, { description: own, ...schema }]) => {
    const description = own ?? spec.queryDescriptions?.[name];
    // Several values of one filter come comma-separated (`status=new,in_progress`).
    const form = schema.type === 'array' ? { style: 'form', explode: false } : {};
    return { name, in: 'query', required: required.has(name), ...(description === undefined ? {} : { description }), ...form, schema };
  });
}

function impliedErrorTypes(route: RouteDefinition, spec: OperationSpec): ErrorTypeSlug[] {
  const slugs: ErrorTypeSlug[] = [];
  // A handler that answers its own 413 and 500 (ownErrors) implies neither problem.
  const own = spec.ownErrors ?? {};
  if (spec.body?.parsedByHandler === true) {
    if (!(413 in own)) slugs.push('payload-too-large');
  } else if (spec.body !== undefined) {
    slugs.push('validation-error', 'malformed-json', 'payload-too-large', 'unsupported-media-type');
    if (spec.body.optional !== true) slugs.push('body-required');
  }
  if (spec.query !== undefined) {
    slugs.push('validation-error');
    if ('cursor' in spec.query.shape) slugs.push('invalid-cursor');
  }
  if (spec.idempotencyKey === true) slugs.push('invalid-idempotency-key', 'idempotency-key-reused');
  if (spec.ifMatch === 'required') slugs.push('precondition-required');
  if (spec.ifMatch !== undefined) slugs.push('precondition-failed');
  if (route.auth === 'jwt') slugs.push('unauthorized');
  if (!(500 in own)) slugs.push('internal-error');
  return slugs;
}

function errorResponses(route: RouteDefinition, spec: OperationSpec, responseSchemas: AssembledApi['responseSchemas']): Record<string, JsonObject> {
  const slugs = new Set<ErrorTypeSlug>([...impliedErrorTypes(route, spec), ...(spec.errorTypes ?? [])]);
  const byStatus = new Map<number, ErrorTypeSlug[]>();
  // In the catalogue's order, so that lists read the same everywhere.
  for (const slug of Object.keys(ERROR_TYPES) as ErrorTypeSlug[]) {
    if (!slugs.has(slug)) continue;
    const status = ERROR_TYPES[slug].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), slug]);
  }
  byStatus.set(429, []);
  const own = Object.entries(spec.ownErrors ?? {}).filter((entry): entry is [string, OwnErrorResponse] => entry[1] !== undefined);
  for (const [status] of own) {
    const clash = byStatus.get(Number(status)) ?? [];
    if (clash.length > 0) throw new Error(`${routeKey(route)}: ${status} is both its own answer and problem+json (${clash.join(', ')})`);
    byStatus.set(Number(status), []);
  }
  const responses: Record<string, JsonObject> = {};
  for (const status of [...byStatus.keys()].sort((a, b) => a - b)) {
    const mine = spec.ownErrors?.[status as keyof NonNullable<OperationSpec['ownErrors']>];
    if (mine !== undefined) {
      responses[status] = ownErrorResponse(mine, responseSchemas);
      continue;
    }
    const note = spec.notes?.[status];
    const shared = SHARED_RESPONSES[status];
    if (shared !== undefined && note === undefined) {
      responses[status] = { $ref: `#/components/responses/${shared}` };
      continue;
    }
    const listed = byStatus.get(status) ?? [];
    responses[status] = {
      description: [`${STATUS_TEXT[status] ?? 'Error'}.${note === undefined ? '' : ` ${note}`}`, errorTypeList(listed)].join('\n\n'),
      content: problemDetailsContent(),
    };
  }
  return responses;
}

function ownErrorResponse(response: OwnErrorResponse, responseSchemas: AssembledApi['responseSchemas']): JsonObject {
  for (const name of response.schemas) if (!(name in responseSchemas)) throw new Error(`Unknown response schema ${name}`);
  const [only, ...more] = response.schemas;
  if (only === undefined) throw new Error('An own error response needs a schema');
  return {
    description: response.description,
    ...(response.headers === undefined || response.headers.length === 0
      ? {}
      : { headers: Object.fromEntries(response.headers.map((name) => [name, headerRef(name)])) }),
    content: { [JSON_MEDIA_TYPE]: { schema: more.length === 0 ? schemaRef(only) : { anyOf: response.schemas.map(schemaRef) } } },
  };
}

function successResponses(spec: OperationSpec, responseSchemas: AssembledApi['responseSchemas']): Record<string, JsonObject> {
  const responses: Record<string, JsonObject> = {};
  for (const [status, response] of Object.entries(spec.responses).sort(([a], [b]) => Number(a) - Number(b))) {
    if (response === undefined) continue;
    if (response.schema !== undefined && !(response.schema in responseSchemas)) throw new Error(`Unknown response schema ${response.schema}`);
    responses[status] = {
      description: response.description,
      ...(response.headers === undefined || response.headers.length === 0
        ? {}
        : { headers: Object.fromEntries(response.headers.map((name) => [name, headerRef(name)])) }),
      ...(response.schema === undefined ? {} : { content: { [JSON_MEDIA_TYPE]: { schema: schemaRef(response.schema) } } }),
    };
  }
  return responses;
}

function operation({ route, spec, pathParameters: known }: DescribedRoute, api: AssembledApi): JsonObject {
  const parameters: JsonObject[] = [...pathParameters(route, known), ...(spec.query === undefined ? [] : queryParameters(route, spec, spec.query))];
  if (spec.ifMatch === 'required') parameters.push({ $ref: '#/components/parameters/IfMatch' });
  if (spec.ifMatch === 'optional') {
    parameters.push({
      name: 'If-Match',
      in: 'header',
      required: false,
      description:
        'With the ETag of the version you read, or `*` for whatever version exists now: replace. Without: create. Not the current version, or neither a version number nor `*`: 412.',
      schema: { type: 'string' },
    });
  }
  if (spec.idempotencyKey === true) parameters.push({ $ref: '#/components/parameters/IdempotencyKey' });
  const { body } = spec;

  return {
    tags: [spec.tag],
    summary: spec.summary,
    description: `**Who:** ${AUDIENCE[spec.audience]}\n\n${spec.description}`,
    operationId: spec.operationId,
    security: route.auth === 'jwt' ? [{ bearerAuth: [] }] : [],
    ...(parameters.length === 0 ? {} : { parameters }),
    ...(body === undefined
      ? {}
      : {
          requestBody: {
            required: body.optional !== true,
            content: Object.fromEntries((body.mediaTypes ?? [JSON_MEDIA_TYPE]).map((type) => [type, { schema: schemaRef(body.schema) }])),
          },
        }),
    responses: { ...successResponses(spec, api.responseSchemas), ...errorResponses(route, spec, api.responseSchemas) },
  };
}

/**
 * Query parameters that several operations declare identically (`limit`, `cursor`) move to
 * `components/parameters`, named after the parameter, and are referred to from the operations.
 * When operations declare a parameter of that name differently (GET /search's `limit` has its own
 * default and maximum), the declaration most of them share is the component and the others stay
 * in place.
 */
function shareQueryParameters(paths: Record<string, Record<string, JsonObject>>): Record<string, JsonObject> {
  const operations = Object.values(paths).flatMap((methods) => Object.values(methods));
  const declarations = new Map<string, Map<string, number>>();
  for (const op of operations) {
    for (const parameter of (op.parameters ?? []) as JsonObject[]) {
      if (parameter.in !== 'query') continue;
      const name = String(parameter.name);
      const json = JSON.stringify(parameter);
      const counts = declarations.get(name) ?? new Map<string, number>();
      counts.set(json, (counts.get(json) ?? 0) + 1);
      declarations.set(name, counts);
    }
  }
  const shared: Record<string, JsonObject> = {};
  for (const [name, counts] of declarations) {
    // The most shared declaration (the first seen among equals, so the output is stable).
    let best: { json: string; count: number } | undefined;
    for (const [json, count] of counts) if (best === undefined || count > best.count) best = { json, count };
    if (best === undefined || best.count < 2) continue;
    const { json } = best;
    const component = name.charAt(0).toUpperCase() + name.slice(1);
    shared[component] = JSON.parse(json) as JsonObject;
    for (const op of operations) {
      if (op.parameters === undefined) continue;
      op.parameters = (op.parameters as JsonObject[]).map((parameter) =>
        parameter.in === 'query' && parameter.name === name && JSON.stringify(parameter) === json
          ? { $ref: `#/components/parameters/${component}` }
          : parameter,
      );
    }
  }
  return shared;
}

/**
 * The document's description: what the API covers, one line per tag (so a new area shows up with
 * its tags), then the roles and conventions every area follows. Nothing here names an area: what
 * differs per area is said by its tags and operations.
 */
function apiDescription(api: AssembledApi): string {
  const covers = Object.entries(api.tags).map(([name, description]) => `- **${name}**: ${description}`);
  const withoutIdempotencyKey = api.routes.filter(({ route, spec }) => route.method === 'POST' && spec.idempotencyKey !== true);
  const byIfMatch = withoutIdempotencyKey.filter(({ spec }) => spec.ifMatch !== undefined).map(({ route }) => `\`${routeKey(route)}\``);
  const others = withoutIdempotencyKey.filter(({ spec }) => spec.ifMatch === undefined).map(({ route }) => `\`${routeKey(route)}\``);
  const exceptions = [
    ...(byIfMatch.length === 0
      ? []
      : [
          `${byIfMatch.join(', ')} need \`If-Match\` instead: once the first request has moved the record, a retry's ETag is stale (412) and nothing is written twice`,
        ]),
    ...(others.length === 0 ? [] : [`${others.join(', ')}, whose description says how a retry is recognised`]),
  ];
  return [
    'An IT service management API. What it covers, by tag:',
    covers.join('\n'),
    '**Roles.** Every signed-in user is a *requester*; *agents* (groups claim `agent`) work the records; *admins* (groups claim `admin`) are agents who also change the directory and the configuration. Which records a requester sees differs by area (their own, or none: 404), as its tags and operations say. Operations without a token say what authenticates the caller instead. Each operation says who may call it (**Who:**).',
    [
      '**Conventions.**',
      '- JSON in camelCase; records have an opaque `id`, and many also a human `number` (e.g. INC0001001) that the path accepts where its `id` parameter says so.',
      "- Reads answer an `ETag` (the record's version); updates and deletes need it back in `If-Match` (428 without it, 412 when someone changed the record since); an operation that takes none says so.",
      `- Creates (POST) accept an \`Idempotency-Key\` header: a retry with the same key answers the first response and writes nothing.${exceptions.length === 0 ? '' : ` The exceptions: ${exceptions.join('; ')}.`}`,
      "- Lists take `limit` and an opaque `cursor`; the next page's cursor is `nextCursor`, absent on the last page.",
      '- Unknown body fields and unknown query parameters are refused (400), not ignored, unless the operation says otherwise.',
      '- Errors are RFC 9457 `application/problem+json`; `type` is `tag:open-itsm,2026:problem/<slug>` and each response lists its slugs. Validation errors name every invalid field in `errors`. An operation that answers some errors in another shape (for compatibility) says so in its responses.',
    ].join('\n'),
  ].join('\n\n');
}

/** The document of the given areas (the registry's, or in a test the registry's plus a fixture). */
export function buildOpenApiDocument(areas: readonly DescribedArea[]): JsonObject {
  const api = assembleApi(areas);
  const paths: Record<string, Record<string, JsonObject>> = {};
  const operationIds = new Set<string>();
  for (const described of api.routes) {
    const { route, spec } = described;
    if (operationIds.has(spec.operationId)) throw new Error(`Duplicate operationId ${spec.operationId}`);
    operationIds.add(spec.operationId);
    const item = paths[route.path] ?? {};
    paths[route.path] = item;
    item[route.method.toLowerCase()] = operation(described, api);
  }
  const sharedParameters = shareQueryParameters(paths);

  return {
    openapi: OPENAPI_VERSION,
    info: {
      title: 'Open ITSM API',
      version: packageJson.version,
      // No list of areas: the description lists them, from their tags.
      summary: 'Serverless IT service management',
      description: apiDescription(api),
    },
    // Relative: the document is served by the deployment it describes (GET /openapi.json).
    servers: [{ url: '/', description: 'This deployment' }],
    tags: Object.entries(api.tags).map(([name, description]) => ({ name, description })),
    paths,
    components: {
      schemas: componentSchemas(api),
      parameters: sortByKey({ ...headerParameters(), ...sharedParameters }),
      headers: HEADERS,
      responses: sharedResponses(),
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            "A JWT from the deployment's identity provider (its Cognito user pool, or the OIDC issuer it was configured with), checked by API Gateway's JWT authorizer. Roles come from the groups claim (`cognito:groups` unless configured otherwise): `agent`, `admin`; everyone else is a requester.",
        },
      },
    },
  };
}

/** The bytes of docs/openapi.json (and docs/schemas/*.json): two-space indentation and a final newline. */
export const serializeOpenApiDocument = (document: JsonObject): string => `${JSON.stringify(document, null, 2)}\n`;
