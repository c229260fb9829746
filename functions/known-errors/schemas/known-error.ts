import * as z from 'zod';
import { cursorParam, isoTimestamp, limitParam, slug } from '../../shared/schemas/common.ts';
import { MATCH_FIELDS } from '../domain/known-error.ts';

/** Configuration items and categories are free text, as on incidents and problems. */
const shortText = z.string().trim().min(1).max(200);

export const listKnownErrorsQuery = z
  .strictObject({
    service: slug.optional().describe('Only known errors of this service'),
    ci: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .optional()
      .describe('Only known errors of problems that name this configuration item by id (their configurationItems; GET /cis/{id})'),
    configurationItem: shortText
      .optional()
      .describe(
        'Only known errors of problems whose free-text configuration item (kept from before configuration items were named by id) is this, case and surrounding spaces ignored; `ci` finds them by id',
      ),
    category: shortText.optional().describe('Only known errors of this category (case and surrounding spaces ignored)'),
    limit: limitParam,
    cursor: cursorParam.optional(),
  })
  .meta({ id: 'ListKnownErrorsQuery', description: 'Newest first by publication; several filters combine with AND' });

export const knownErrorSchema = z
  .object({
    problemId: z.string().describe('The problem that documents it (GET /problems/{id})'),
    number: z.string().describe('The problem number, PRB and 7 digits'),
    title: z.string(),
    workaround: z.string().describe('What restores service until the problem is fixed'),
    service: z.string().optional(),
    configurationItems: z.array(z.string()).optional().describe('The configuration items of the problem, by CMDB id'),
    configurationItem: z
      .string()
      .optional()
      .meta({ deprecated: true })
      .describe('Deprecated: the free text of a problem written before configuration items were named by id'),
    category: z.string().optional(),
    publishedAt: isoTimestamp.describe('When the problem published it as a known error'),
  })
  .meta({ id: 'KnownError', description: "A published known error: a problem's workaround, and what it applies to" });

export const knownErrorMatchSchema = knownErrorSchema
  .extend({
    matchedOn: z
      .enum(MATCH_FIELDS)
      .describe(
        "The incident's field it was found by: one of its configuration items (configurationItems: the problem names it by id), the free text of an old incident and an old problem (configurationItem), its service or its category",
      ),
  })
  .meta({ id: 'KnownErrorMatch', description: 'A known error that matches an incident' });
