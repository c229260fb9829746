import * as z from 'zod';

/*
 * The shapes of how incidents and problems name configuration items (issue 14): by CMDB id in
 * `configurationItems`. The free text `configurationItem` is kept only as a migration: records
 * written before show it, a PATCH may clear it (null), and no write sets it anew.
 */

/**
 * At most this many per record: each is one key of the validating BatchGet and a start of the
 * impact search, and a problem's known error is listed under each (one item per CI in its write's transaction).
 */
export const MAX_RECORD_CONFIGURATION_ITEMS = 20;

/** A CI id: a ULID, or for a service CI the service's name. */
const ciId = z
  .string()
  .trim()
  .regex(/^[0-9A-Za-z][0-9A-Za-z-]{0,63}$/, 'A configuration item id (GET /cis)');

/** Each id once: an issue on every repeat, at its index. */
export const configurationItemIds = z
  .array(ciId)
  .max(MAX_RECORD_CONFIGURATION_ITEMS)
  .superRefine((values, ctx) =>
    values.forEach((value, i) => {
      const first = values.indexOf(value);
      if (first !== i) ctx.addIssue({ code: 'custom', path: [i], message: `Configuration item '${value}' is listed twice (also at ${first})` });
    }),
  )
  .describe(`The configuration items concerned, by CMDB id (GET /cis), at most ${MAX_RECORD_CONFIGURATION_ITEMS}; each must exist`);

const FREE_TEXT_RETIRED =
  'Free-text configuration items are no longer accepted: name configuration items by id in configurationItems (GET /cis?q=<name> finds them)';

/** On a create: refused whatever its value, with a message that points to configurationItems. */
export const retiredFreeTextOnCreate = z
  .never({ error: FREE_TEXT_RETIRED })
  .optional()
  .meta({ deprecated: true })
  .describe(`Deprecated: refused (400). ${FREE_TEXT_RETIRED}`);

/** On a PATCH: only null, which clears the free text a record written before configurationItems kept. */
export const retiredFreeTextOnUpdate = z
  .null({ error: `Only null (which clears the old free text) is accepted. ${FREE_TEXT_RETIRED}` })
  .optional()
  .meta({ deprecated: true })
  .describe('Deprecated: only null, which clears the free text a record written before configurationItems kept; any other value is refused (400)');

/** How a record shows the free text of old data; `alsoFrom` names any other writer of it (monitoring events, for incidents). */
export const retiredFreeTextShown = (alsoFrom?: string) =>
  z
    .string()
    .optional()
    .meta({ deprecated: true })
    .describe(
      `Deprecated: the free text of a record written before configuration items were named by id (configurationItems)${alsoFrom === undefined ? '' : `, or ${alsoFrom}`}; shown as it was kept, never set by the API`,
    );
