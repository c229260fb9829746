/**
 * Errors meant for the caller. Everything else thrown in a handler becomes a plain 500 whose body
 * says nothing about internals (see http/error-response.ts).
 */
export interface FieldError {
  /** Where the field lives: body, query, path or header. */
  readonly location: 'body' | 'query' | 'path' | 'header';
  /** Dotted path, e.g. `members.2` (empty for the whole body). */
  readonly path: string;
  /** RFC 6901 JSON pointer into the request part, e.g. `#/members/2`. */
  readonly pointer: string;
  readonly message: string;
}

export const ERROR_TYPE_BASE = 'tag:open-itsm,2026:problem';

/** RFC 9457's own members: an extension of the same name would overwrite one (e.g. a record's `status` the HTTP status). */
export const PROBLEM_MEMBERS: readonly string[] = ['type', 'title', 'status', 'detail', 'instance'];

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail: string,
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = 'HttpError';
    const clash = Object.keys(extensions).filter((name) => PROBLEM_MEMBERS.includes(name));
    // A programming error, refused where it is made: name the record's field e.g. `articleStatus`.
    if (clash.length > 0) throw new TypeError(`Problem extension members may not be named ${clash.join(', ')} (RFC 9457 members): ${slug}`);
  }

  get type(): string {
    return `${ERROR_TYPE_BASE}/${this.slug}`;
  }
}

export function fieldError(location: FieldError['location'], path: (string | number)[], message: string): FieldError {
  return {
    location,
    path: path.join('.'),
    // RFC 6901: `#` is the whole document; `#/` would be a member named "".
    pointer: path.length === 0 ? '#' : `#/${path.map((p) => String(p).replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`,
    message,
  };
}

export const validationFailed = (errors: FieldError[], detail?: string): HttpError =>
  new HttpError(
    400,
    'validation-error',
    'Your request is not valid',
    detail ?? `${errors.length} field${errors.length === 1 ? ' is' : 's are'} invalid: ${errors.map((e) => e.path || e.location).join(', ')}`,
    { errors },
  );

export const badRequest = (slug: string, title: string, detail: string): HttpError => new HttpError(400, slug, title, detail);

export const unauthorized = (detail: string): HttpError =>
  new HttpError(401, 'unauthorized', 'Authentication required', detail, {}, { 'www-authenticate': 'Bearer' });

export const forbidden = (detail: string): HttpError => new HttpError(403, 'forbidden', 'Not allowed', detail);

export const notFound = (what: string): HttpError => new HttpError(404, 'not-found', 'Not found', `${what} does not exist`);

export const conflict = (slug: string, title: string, detail: string, extensions: Record<string, unknown> = {}): HttpError =>
  new HttpError(409, slug, title, detail, extensions);

export const preconditionRequired = (): HttpError =>
  new HttpError(
    428,
    'precondition-required',
    'If-Match required',
    'Send the ETag you last read in an If-Match header so that concurrent changes are not overwritten',
  );

export const preconditionFailed = (current?: string): HttpError =>
  new HttpError(
    412,
    'precondition-failed',
    'The resource changed since you read it',
    'Someone changed this resource after you read it; read it again and reapply your change',
    current === undefined ? {} : { currentEtag: current },
  );

export const unprocessable = (slug: string, title: string, detail: string): HttpError => new HttpError(422, slug, title, detail);
