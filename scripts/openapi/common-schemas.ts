/**
 * What the API description holds for every area: the problem details (RFC 9457) every error
 * answers with, API Gateway's own error body, the timestamp, and the path parameters whose
 * meaning is a convention of the whole API (`name`). Each area adds its own components and
 * the problem-details members its error types carry (functions/<area>/api.ts `errorMembers`).
 */
import * as z from 'zod';
import type { CommonResponseSchema, PathParameter } from '../../functions/shared/api/operation.ts';
import { isoTimestamp, problemDetailsSchema, slug } from '../../functions/shared/schemas/common.ts';

const fieldError = problemDetailsSchema.shape.errors.unwrap().element.shape;

/**
 * The problem schema with its members described (here rather than in common.ts, whose schemas are
 * bundled into every function), the members shared error types add (see functions/shared/errors.ts),
 * then each area's (in registry order), and `requestId` last.
 */
export function problemDetails(areaMembers: Readonly<Record<string, z.ZodType>>): z.ZodType {
  return problemDetailsSchema
    .extend({
      type: problemDetailsSchema.shape.type.describe('`tag:open-itsm,2026:problem/<slug>`; the slugs are listed with each response'),
      title: problemDetailsSchema.shape.title.describe('Short, the same for every occurrence of the type'),
      status: problemDetailsSchema.shape.status.describe('The HTTP status code'),
      detail: problemDetailsSchema.shape.detail.describe('What went wrong this time, for people'),
      instance: problemDetailsSchema.shape.instance.describe('The request path'),
      errors: z
        .array(
          z.object({
            location: fieldError.location.describe('Where the field lives: body, query, path or header'),
            path: fieldError.path.describe('Dotted path, e.g. `members.2`; empty for the whole part'),
            pointer: fieldError.pointer.describe('RFC 6901 JSON pointer into that part, e.g. `#/members/2`'),
            message: fieldError.message,
          }),
        )
        .optional()
        .describe('One entry per offending field (validation-error, forbidden-field, invalid-cursor)'),
      currentEtag: z.string().optional().describe('precondition-failed: the ETag the resource has now, when known'),
      from: z.string().optional().describe('invalid-transition: the status the record is in'),
      to: z.string().optional().describe('invalid-transition: the status asked for'),
      allowedTransitions: z.array(z.string()).optional().describe('invalid-transition: the statuses it may move to'),
      ...areaMembers,
      requestId: z
        .string()
        .optional()
        .describe(
          "Every 5xx (internal-error, unavailable, workflow-not-started): API Gateway's request id, as in the `apigw-requestid` response header and the access log; quote it when reporting the failure",
        ),
    })
    .loose()
    .describe('RFC 9457 problem details; further members may be added to any type');
}

/** What API Gateway itself answers when a request never reaches a function (401, 413, 429, ...). */
const gatewayError = z
  .object({ message: z.string().describe('e.g. `Unauthorized`, `Too Many Requests`') })
  .describe("API Gateway's own error body (not problem+json)");

/** The response components every area may name (CommonResponseSchema): problem details with the areas' members, API Gateway's error body, the timestamp. */
export const commonResponseSchemas = (areaErrorMembers: Readonly<Record<string, z.ZodType>>): Record<CommonResponseSchema, z.ZodType> => ({
  ProblemDetails: problemDetails(areaErrorMembers),
  GatewayError: gatewayError,
  Timestamp: isoTimestamp,
});

/**
 * Path parameters every area's routes may use; an area's own `pathParameters` add others. No `id`:
 * whether a record may also be named by its number is each area's to say.
 */
export const COMMON_PATH_PARAMETERS: Readonly<Record<string, PathParameter>> = {
  name: { schema: slug, description: 'The name (a lowercase slug) the record was created with' },
};
