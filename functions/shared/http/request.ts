import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type * as z from 'zod';
import { badRequest, type FieldError, fieldError, HttpError, validationFailed } from '../errors.ts';
import { textViolations } from '../schemas/text-fields.ts';

export const MAX_BODY_BYTES = 64 * 1024;

/** zod issues -> RFC 9457 field errors; unknown keys become one error per key. */
export function zodFieldErrors(error: z.ZodError, location: FieldError['location']): FieldError[] {
  const errors: FieldError[] = [];
  for (const issue of error.issues) {
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) errors.push(fieldError(location, [...path, key], `Unknown field '${key}'`));
    } else {
      errors.push(fieldError(location, path, issue.message));
    }
  }
  return errors;
}

/** Parses with the schema; text fields are also checked for control characters and unpaired surrogates (textViolations). */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, location: FieldError['location']): z.output<S> {
  const textErrors = textViolations(schema, value).map((violation) => fieldError(location, violation.path, violation.message));
  const result = schema.safeParse(value);
  if (result.success && textErrors.length === 0) return result.data;
  // One error per field: the text violation says more than a length or pattern message would.
  const named = new Set(textErrors.map((error) => error.path));
  const schemaErrors = result.success ? [] : zodFieldErrors(result.error, location).filter((error) => !named.has(error.path));
  throw validationFailed([...textErrors, ...schemaErrors]);
}

export function rawBody(event: APIGatewayProxyEventV2): string | undefined {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(text, 'utf8') > MAX_BODY_BYTES) {
    throw new HttpError(413, 'payload-too-large', 'Body too large', `Request bodies are limited to ${MAX_BODY_BYTES} bytes`);
  }
  return text;
}

export function parseJsonBody(event: APIGatewayProxyEventV2): unknown {
  const text = rawBody(event);
  if (text === undefined) throw badRequest('body-required', 'Body required', 'This operation needs a JSON body');
  const contentType = header(event, 'content-type');
  if (contentType !== undefined && !/^application\/([\w.+-]+\+)?json\b/i.test(contentType)) {
    throw new HttpError(415, 'unsupported-media-type', 'Unsupported media type', 'Send the body as application/json');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw badRequest('malformed-json', 'Malformed JSON', `The body is not valid JSON: ${(error as Error).message}`);
  }
}

export function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const headers = event.headers ?? {};
  const direct = headers[name];
  if (direct !== undefined) return direct;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}
