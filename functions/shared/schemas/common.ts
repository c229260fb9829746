import * as z from 'zod';

/** Names of groups and services double as their ids: lowercase slugs, stable in URLs and events. */
export const slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'Use 1-63 lowercase letters, digits and dashes, starting with a letter or digit');

/** A user id is the token subject (`sub`) of the identity provider. */
export const userId = z.string().min(1).max(128).regex(/^[^\s]+$/, 'A user id has no spaces');

export const isoTimestamp = z.iso.datetime().describe('UTC date and time, ISO 8601 with a Z offset');

export const limitParam = z.coerce.number().int().min(1).max(100).default(25).describe('Most items on one page');
export const cursorParam = z
  .string()
  .min(1)
  .max(2048)
  .describe('The `nextCursor` of the previous page, unchanged; valid only with the same filters');

export const listEnvelope = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    nextCursor: z.string().optional().describe('Pass as `cursor` to get the next page; absent on the last page'),
  });

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z
      .array(z.object({ location: z.string(), path: z.string(), pointer: z.string(), message: z.string() }))
      .optional(),
    references: z
      .array(z.object({ kind: z.string(), id: z.string(), number: z.string().optional(), field: z.string() }))
      .optional()
      .describe('`group-in-use`, `service-in-use`, `user-in-use`: what still names the record (kind, id or number, and the field naming it); at most 20'),
    truncated: z.boolean().optional().describe('With `references`: more records name it than are listed'),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });
