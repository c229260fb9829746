import * as z from 'zod';

/** Names of groups and services double as their ids: lowercase slugs, stable in URLs and events. */
export const slug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'Use 1-63 lowercase letters, digits and dashes, starting with a letter or digit');

/** A user id is the token subject (`sub`) of the identity provider. */
export const userId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[^\s]+$/, 'A user id has no spaces');

export const isoTimestamp = z.iso.datetime().describe('UTC date and time, ISO 8601 with a Z offset');

export const limitParam = z.coerce.number().int().min(1).max(100).default(25).describe('Most items on one page');
export const cursorParam = z.string().min(1).max(2048).describe('The `nextCursor` of the previous page, unchanged; valid only with the same filters');

/**
 * `count=true` asks a list for `total` beside its page, from counters kept per queue (no scan, no
 * extra round trip); which filter sets can be counted is the list's to say.
 */
export const countParam = z
  .enum(['true', 'false'])
  .optional()
  .transform((value) => value === 'true')
  .describe('`true` answers `total`, how many items all pages hold, from counters that follow writes within about a second');

/** Values one list filter takes at most: each is one Query of its own, all in flight together. */
export const MAX_FILTER_VALUES = 10;

/**
 * A list filter taking one or more values, comma-separated (`status=new,in_progress`); a repeated
 * parameter arrives the same way, since API Gateway joins repeated values with commas. An error names
 * the parameter and the value at fault; valid values are then deduplicated and sorted, so the
 * same set of values is the same list (and the same cursor).
 */
export const oneOrMore = <T extends z.ZodType<string>>(item: T) =>
  z
    .preprocess(
      (value, context) => {
        if (typeof value !== 'string') return value;
        const values = value.split(',');
        // Reported on the parameter itself, naming the value: `status`, not `status.1`.
        for (const part of values) {
          const parsed = item.safeParse(part);
          if (!parsed.success)
            context.addIssue({ code: 'custom', message: `${JSON.stringify(part)}: ${parsed.error.issues[0]?.message ?? 'Invalid'}`, input: part });
        }
        return values;
      },
      z.array(item).min(1, 'At least one value').max(MAX_FILTER_VALUES, `At most ${MAX_FILTER_VALUES} values`),
    )
    .transform((values) => [...new Set(values)].sort());

export const listEnvelope = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    nextCursor: z.string().optional().describe('Pass as `cursor` to get the next page; absent on the last page'),
  });

/** A list that can count its items (`count=true`). */
export const countedListEnvelope = <T extends z.ZodType>(item: T) =>
  listEnvelope(item).extend({
    total: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('With `count=true`: how many items all pages hold, from counters that follow writes within about a second'),
  });

export const problemDetailsSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z.array(z.object({ location: z.string(), path: z.string(), pointer: z.string(), message: z.string() })).optional(),
    references: z
      .array(z.object({ kind: z.string(), id: z.string(), number: z.string().optional(), field: z.string() }))
      .optional()
      .describe('`group-in-use`, `service-in-use`, `user-in-use`: what still names the record (kind, id or number, and the field naming it); at most 20'),
    truncated: z.boolean().optional().describe('With `references`: more records name it than are listed'),
  })
  .meta({ id: 'ProblemDetails', description: 'RFC 9457 problem details' });

// The text-field rule lives in a zod-free module so that handlers parsing no input bundle no zod.
export { MULTILINE_MIN_LENGTH, type TextViolation, textViolation, textViolations } from './text-fields.ts';
