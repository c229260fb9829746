import * as z from 'zod';
import { cursorParam, isoTimestamp, limitParam, oneOrMore, slug } from '../../shared/schemas/common.ts';
import { ARTICLE_AUDIENCES, ARTICLE_STATUSES, REVIEW_DECISIONS, VERSION_STATUSES } from '../domain/article.ts';

/* The article API's shapes: a one-line title, a Markdown body up to 50,000 characters, short lists. */

export const MAX_BODY_LENGTH = 50_000;
const MAX_LIST = 20;

/** Each value once: an issue on every repeat, at its index. */
const distinct = <T extends z.ZodType<string>>(item: T, what: string) =>
  z
    .array(item)
    .max(MAX_LIST)
    .superRefine((values, ctx) =>
      values.forEach((value, i) => {
        const first = values.indexOf(value);
        if (first !== i) ctx.addIssue({ code: 'custom', path: [i], message: `${what} '${value}' is listed twice (also at ${first})` });
      }),
    );

const title = z.string().trim().min(1).max(200);
const body = z
  .string()
  .min(1)
  .max(MAX_BODY_LENGTH)
  .describe('Markdown (CommonMark). Raw HTML is shown as text, never run; links and images keep only safe URLs');
const category = z.string().trim().min(1).max(100);
const keyword = z.string().trim().min(1).max(50);
/** A CMDB id: as incidents and problems name configuration items. */
const ciId = z
  .string()
  .trim()
  .regex(/^[0-9A-Za-z][0-9A-Za-z-]{0,63}$/, 'A configuration item id (GET /cis)');
const recordRef = z
  .string()
  .trim()
  .regex(/^[0-9A-Za-z]{1,64}$/, 'An id or a number');

const linksInput = z
  .strictObject({
    problems: distinct(recordRef, 'Problem').optional().describe('Problems, by id or number (PRB...)'),
    knownErrors: distinct(recordRef, 'Known error').optional().describe('Known errors, by the id or number of their problem'),
    incidents: distinct(recordRef, 'Incident').optional().describe('Incidents, by id or number (INC...)'),
  })
  .describe('The records the article came from, kept as given (not checked), at most 20 of each');

export const articleContentBody = z.strictObject({
  title,
  body,
  category: category.optional(),
  services: distinct(slug, 'Service').optional().describe('The business services it applies to (GET /services), at most 20; each must exist'),
  configurationItems: distinct(ciId, 'Configuration item')
    .optional()
    .describe('The configuration items it applies to, by CMDB id (GET /cis), at most 20; each must exist (400 naming the index of each unknown id)'),
  audience: z.enum(ARTICLE_AUDIENCES).optional().describe('`public`: requesters read it once published; `internal` (default): agents only'),
  keywords: distinct(keyword, 'Keyword').optional().describe('Words search weighs above the body, at most 20'),
  ownerGroup: slug.describe('The group that reviews and owns it (GET /groups); must exist'),
  links: linksInput.optional(),
});
export type ArticleContentBody = z.output<typeof articleContentBody>;

export const createArticleBody = articleContentBody.meta({ id: 'CreateArticle', description: 'A new article: a draft, version 1' });
export const putArticleBody = articleContentBody.meta({
  id: 'PutArticle',
  description: 'The whole content of the version being written: absent optional fields are cleared (audience back to `internal`)',
});

export const reviewArticleBody = z
  .strictObject({
    decision: z.enum(REVIEW_DECISIONS),
    comment: z.string().trim().min(1).max(2_000).optional().describe('Required to reject: what the author should change'),
  })
  .meta({ id: 'ReviewArticle' });

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

/** Every article response lists its fields in this order. */
export const ARTICLE_FIELD_ORDER: readonly string[] = Object.keys(articleSchema.shape);

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
export const ARTICLE_VERSION_FIELD_ORDER: readonly string[] = Object.keys(articleVersionSchema.shape);
export const articleVersionSummarySchema = articleVersionSchema.omit({ body: true, bodyHtml: true }).meta({ id: 'ArticleVersionSummary' });

export const listArticlesQuery = z
  .strictObject({
    status: oneOrMore(z.enum(ARTICLE_STATUSES)).optional(),
    category: oneOrMore(category).optional(),
    service: oneOrMore(slug).optional(),
    audience: oneOrMore(z.enum(ARTICLE_AUDIENCES)).optional(),
    ownerGroup: oneOrMore(slug).optional(),
    limit: limitParam,
    cursor: cursorParam.optional(),
  })
  .meta({ id: 'ListArticlesQuery', description: 'Newest first by number' });
export type ArticleFilters = Omit<z.output<typeof listArticlesQuery>, 'limit' | 'cursor'>;

export const articlePageQuery = z.strictObject({ limit: limitParam, cursor: cursorParam.optional() });

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
