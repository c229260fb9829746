import * as z from 'zod';
import { isoTimestamp } from '../../shared/schemas/common.ts';
import { ARTICLE_AUDIENCES, ARTICLE_STATUSES, VERSION_STATUSES } from '../domain/article.ts';

/*
 * What the article API answers: an article, its summary, a content version and a history record.
 * Loaded by the OpenAPI build (../articles-api.ts) and the tests, never by a handler: handlers read
 * and order fields through the plain lists of ../domain/field-order.ts, which
 * test/unit/field-order.test.ts holds to these shapes.
 */

const linksSchema = z.object({ problems: z.array(z.string()), knownErrors: z.array(z.string()), incidents: z.array(z.string()) });

const contentShape = {
  title: z.string(),
  body: z.string().describe('Markdown, as written'),
  bodyHtml: z.string().describe('The body rendered at write time: raw HTML escaped, unsafe URLs (javascript:, data:, ...) dropped'),
  category: z.string().optional(),
  services: z.array(z.string()),
  configurationItems: z.array(z.string()),
  audience: z.enum(ARTICLE_AUDIENCES),
  keywords: z.array(z.string()),
};
const agentContentShape = {
  ownerGroup: z.string().optional().describe('Agents only'),
  links: linksSchema.optional().describe('Agents only'),
};

const pendingVersionSchema = z
  .object({
    version: z.number().int(),
    status: z.enum(['draft', 'review']),
    author: z.string(),
    updatedAt: isoTimestamp,
    submittedAt: isoTimestamp.optional(),
  })
  .describe('Agents only: the edit of a published article in progress (GET /articles/{id}/versions/{version} has its content)');

export const articleSchema = z
  .object({
    id: z.string().describe('Opaque id (a ULID); the path accepts it or the number'),
    number: z
      .string()
      .regex(/^KB\d{7,}$/)
      .describe('Human number, `KB` + 7 digits'),
    status: z.enum(ARTICLE_STATUSES),
    ...contentShape,
    ...agentContentShape,
    contentVersion: z.number().int().describe('The content version shown: the published one, else the draft (or the one in review)'),
    latestVersion: z.number().int().optional().describe('Agents only: the highest content version written'),
    publishedVersion: z.number().int().optional(),
    pendingVersion: pendingVersionSchema.optional(),
    knownError: z.object({ id: z.string(), number: z.string() }).optional().describe('Agents only: the known error it was written from'),
    author: z.string().optional().describe('Agents only: who created it'),
    createdAt: isoTimestamp,
    updatedAt: isoTimestamp,
    updatedBy: z.string().optional().describe('Agents only'),
    submittedAt: isoTimestamp.optional(),
    publishedAt: isoTimestamp.optional(),
    reviewedAt: isoTimestamp.optional().describe('The last approval'),
    retiredAt: isoTimestamp.optional(),
    reviewDue: z.boolean().optional().describe('Agents, GET /articles/{id}: published and not reviewed for reviewIntervalDays (GET /knowledge-config)'),
    version: z.number().int().describe('Also sent as the ETag; send it back in If-Match'),
  })
  .meta({ id: 'Article' });

/** A list's item: the article without its body. */
export const articleSummarySchema = articleSchema.omit({ body: true, bodyHtml: true }).meta({ id: 'ArticleSummary' });

export const articleVersionSchema = z
  .object({
    articleId: z.string(),
    version: z.number().int(),
    status: z.enum(VERSION_STATUSES),
    ...contentShape,
    ownerGroup: z.string(),
    links: linksSchema,
    author: z.string(),
    contributors: z.array(z.string()).describe('Everyone who wrote this version (none of them may approve it)'),
    createdAt: isoTimestamp,
    updatedAt: isoTimestamp,
    submittedAt: isoTimestamp.optional(),
    reviewedBy: z.string().optional(),
    reviewedAt: isoTimestamp.optional(),
    reviewComment: z.string().optional().describe('What the last review said'),
    publishedAt: isoTimestamp.optional(),
    retiredAt: isoTimestamp.optional(),
  })
  .meta({ id: 'ArticleVersion' });
export const articleVersionSummarySchema = articleVersionSchema.omit({ body: true, bodyHtml: true }).meta({ id: 'ArticleVersionSummary' });

export const articleHistoryRecordSchema = z
  .object({
    id: z.string(),
    articleId: z.string(),
    at: isoTimestamp,
    actor: z.string(),
    action: z
      .enum(['created', 'updated', 'feedback_added'])
      .describe('feedback_added: someone rated the published version (`changes`: helpful, feedbackVersion, comment); the article itself did not change'),
    version: z.number().int().describe('The article (record) version this write produced'),
    changes: z
      .array(z.object({ field: z.string(), from: z.unknown(), to: z.unknown() }))
      .describe('`pendingVersion.<field>`: a change of the version being written beside the published one'),
  })
  .meta({ id: 'ArticleHistoryRecord' });
