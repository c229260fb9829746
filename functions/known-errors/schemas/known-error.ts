import * as z from 'zod';
import { cursorParam, isoTimestamp, limitParam, slug } from '../../shared/schemas/common.ts';
import { MATCH_FIELDS } from '../domain/known-error.ts';

/** Configuration items and categories are free text, as on incidents and problems. */
const shortText = z.string().trim().min(1).max(200);

export const listKnownErrorsQuery = z
  .strictObject({
    service: slug.optional().describe('Only known errors of this service'),
    configurationItem: shortText.optional().describe('Only known errors of this configuration item (case and surrounding spaces ignored)'),
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
    configurationItem: z.string().optional(),
    category: z.string().optional(),
    publishedAt: isoTimestamp.describe('When the problem published it as a known error'),
  })
  .meta({ id: 'KnownError', description: "A published known error: a problem's workaround, and what it applies to" });

export const knownErrorMatchSchema = knownErrorSchema
  .extend({
    matchedOn: z.enum(MATCH_FIELDS).describe("The incident's field it was found by: its configuration item, service or category"),
  })
  .meta({ id: 'KnownErrorMatch', description: 'A known error that matches an incident' });
