/**
 * The shape of an area's API description (functions/<area>/api.ts): its OpenAPI tags, one
 * OperationSpec per route keyed `METHOD /path`, the zod schemas it adds to `components/schemas`,
 * its path parameters and the JSON Schema files of the event details it owns. The OpenAPI build
 * (scripts/openapi/build.ts) reads every registered area's description and assembles one document.
 *
 * Types and two small functions only (zod is imported as types): the build and tests load api.ts
 * files, handlers never do (a dependency-cruiser rule), and nothing here weighs on a bundle.
 */
import type * as z from 'zod';
import type { ErrorTypeSlug } from './error-types.ts';

/** Who may call: every signed-in user is a requester; `agent` and `admin` come from the groups claim. */
export type Audience = 'public' | 'requester' | 'agent' | 'admin';

export type ResponseHeader = 'ETag' | 'Location' | 'Idempotent-Replayed' | 'Cache-Control' | 'Retry-After';

/** Components every area may refer to, defined by the build itself (scripts/openapi/common-schemas.ts). */
export type CommonResponseSchema = 'ProblemDetails' | 'GatewayError' | 'Timestamp';

export interface SuccessResponse<ResponseSchema extends string = string> {
  readonly description: string;
  /** A component name; no body when absent. */
  readonly schema?: ResponseSchema;
  readonly headers?: readonly ResponseHeader[];
}

/** An error answer in a shape of its own, not problem+json (the PagerDuty-compatible intake). */
export interface OwnErrorResponse<ResponseSchema extends string = string> {
  readonly description: string;
  /** The component(s) the body may be; several become `anyOf`. */
  readonly schemas: readonly ResponseSchema[];
  readonly headers?: readonly ResponseHeader[];
}

/**
 * What the handler of one route reads and answers, read off the handler.
 *
 * Error types implied by the shape of an operation are added by the builder and need not be listed:
 * a body (body-required, malformed-json, validation-error, payload-too-large,
 * unsupported-media-type), a query (validation-error, invalid-cursor), an Idempotency-Key
 * (invalid-idempotency-key, idempotency-key-reused), If-Match (precondition-required when
 * required, precondition-failed), a JWT route (unauthorized) and every route (internal-error).
 * A body the handler parses itself (`parsedByHandler`, POST /v2/enqueue) implies only
 * payload-too-large; its other refusals are `ownErrors`, in PagerDuty's shape.
 */
export interface OperationSpec<RequestSchema extends string = string, ResponseSchema extends string = string> {
  readonly operationId: string;
  readonly summary: string;
  /** A tag some registered area declares (usually the area's own). */
  readonly tag: string;
  readonly audience: Audience;
  /** What the audience line does not say: role rules, semantics. Markdown. */
  readonly description: string;
  readonly query?: z.ZodObject;
  /** Descriptions of query parameters whose schema has none (kept out of the bundled schemas). */
  readonly queryDescriptions?: Readonly<Record<string, string>>;
  readonly body?: {
    readonly schema: RequestSchema;
    readonly mediaTypes?: readonly string[];
    /**
     * The handler reads the raw body and answers invalid ones itself (see `ownErrors`): any media
     * type is read, and of the errorTypes a body implies only payload-too-large remains.
     */
    readonly parsedByHandler?: boolean;
    /** The body may be left out (no body at all, not `{}`): then body-required is never answered. */
    readonly optional?: boolean;
  };
  readonly ifMatch?: 'required' | 'optional';
  /** The handler honours Idempotency-Key (a replay answers the first response). */
  readonly idempotencyKey?: boolean;
  readonly responses: Readonly<Partial<Record<200 | 201 | 202 | 204, SuccessResponse<ResponseSchema>>>>;
  /** Error types this operation raises beyond those implied by its shape. */
  readonly errorTypes?: readonly ErrorTypeSlug[];
  /** Per status, what the generic list of problem types does not say. */
  readonly notes?: Readonly<Partial<Record<number, string>>>;
  /** Path parameters this route reads differently from the rest of its area's (by name). */
  readonly pathParameters?: Readonly<Record<string, PathParameter>>;
  /** Error answers that are not problem+json; each replaces the generic answer of its status. */
  readonly ownErrors?: Readonly<Partial<Record<400 | 413 | 429 | 500, OwnErrorResponse<ResponseSchema>>>>;
}

export interface PathParameter {
  readonly schema: z.ZodType;
  readonly description: string;
}

/**
 * The `detail` of domain events an area publishes on the event bus (`source` `open-itsm`). The
 * build joins every area's into the catalogue-wide schemas (docs/schemas/domain-event-detail and
 * notification-message, declared by the notify area) and checks that together they cover exactly
 * the event types the area publishes (its area.ts `publishedEventTypes`).
 */
export interface PublishedEventDetail {
  /**
   * A zod object titled by its meta (e.g. `Incident event detail`), whose `type` (the detail-type)
   * is an enum or literal of the event types it describes.
   */
  readonly schema: z.ZodObject;
  /** The member that names the record the event is about, carrying its `version` (e.g. `incident`). */
  readonly record: string;
  /** How its notifications fill the message attributes, where that is not the record's own fields (Markdown). */
  readonly attributes?: string;
}

/** The detail-types a published detail describes: the values of its `type` (an enum or a literal). */
export function publishedEventTypesOf({ schema }: PublishedEventDetail): string[] {
  const values = schema.shape.type?._zod.values ?? new Set();
  return [...values].filter((value): value is string => typeof value === 'string');
}

/** A standalone JSON Schema file (docs/schemas/) of an event detail or message body the area owns. */
export interface EventSchemaFile {
  /** Repository-relative path it is written to, e.g. `docs/schemas/incident-event-detail.schema.json`. */
  readonly file: string;
  /**
   * The schema, or, for a schema of every area's events, how to build it from the published event
   * details of all described areas (registry order), which the build passes.
   */
  readonly schema: z.ZodType | ((published: readonly PublishedEventDetail[]) => z.ZodType);
  /** `input` (default): what a sender writes; `output`: what the product publishes. */
  readonly io?: 'input' | 'output';
  /** Defaults to the schema's own title (meta). */
  readonly title?: string;
  /** Markdown; built from the published event details, like `schema`, when a function. */
  readonly description: string | ((published: readonly PublishedEventDetail[]) => string);
}

export interface AreaApi {
  /** Tag name -> description; the document lists tags in registry order, then declaration order. */
  readonly tags?: Readonly<Record<string, string>>;
  /** One per route of the area, keyed `METHOD /path`; the build refuses a route without one, and one without a route. */
  readonly operations: Readonly<Record<string, OperationSpec>>;
  /** Parts of requests and responses alike: converted both ways, which must agree. */
  readonly sharedSchemas?: Readonly<Record<string, z.ZodType>>;
  /** Request bodies: converted as zod input (what a client may send). */
  readonly requestSchemas?: Readonly<Record<string, z.ZodType>>;
  /** Response bodies: converted as zod output (what the API answers). */
  readonly responseSchemas?: Readonly<Record<string, z.ZodType>>;
  /**
   * Path parameters by name, for the area's routes (an operation's own `pathParameters` win); `name`
   * has a common definition (scripts/openapi/common-schemas.ts). `id` has none: what an id may be
   * (a number too?) is each area's to say.
   */
  readonly pathParameters?: Readonly<Record<string, PathParameter>>;
  /** Members its error types add to the problem details (e.g. `blackouts` of blackout-conflict). */
  readonly errorMembers?: Readonly<Record<string, z.ZodType>>;
  /** The detail schemas of the domain events the area publishes (one per kind of record it publishes about). */
  readonly publishedEvents?: readonly PublishedEventDetail[];
  readonly eventSchemas?: readonly EventSchemaFile[];
}

type Names<T> = keyof T & string;

/**
 * Checks an area's API description: every schema an operation names is one of the area's own
 * components (or a common one), so a typo fails the type check rather than the build.
 */
export function defineApi<
  const Shared extends Readonly<Record<string, z.ZodType>> = Record<never, z.ZodType>,
  const Requests extends Readonly<Record<string, z.ZodType>> = Record<never, z.ZodType>,
  const Responses extends Readonly<Record<string, z.ZodType>> = Record<never, z.ZodType>,
>(
  api: Omit<AreaApi, 'operations' | 'sharedSchemas' | 'requestSchemas' | 'responseSchemas'> & {
    readonly sharedSchemas?: Shared;
    readonly requestSchemas?: Requests;
    readonly responseSchemas?: Responses;
    readonly operations: Readonly<
      Record<string, OperationSpec<NoInfer<Names<Shared> | Names<Requests>>, NoInfer<Names<Shared> | Names<Responses> | CommonResponseSchema>>>
    >;
  },
): AreaApi {
  return api;
}

/** Said of every paginated list. */
/** For a list whose first pages its queue heads answer (docs/data-model.md, "First pages"): which ones, and how current they are. */
export const firstPageNote = (queues: string): string =>
  `The first page (no \`cursor\`, \`limit\` up to 25) of ${queues} is read from one item the table stream keeps: as current as an index, a write shows within about a second. Other pages and filters read the index.`;

export const PAGE_NOTE =
  'Pages come newest or oldest first as stated; a page may hold fewer than `limit` items while more follow: stop when `nextCursor` is absent.';
