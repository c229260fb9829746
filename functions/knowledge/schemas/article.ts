import * as z from 'zod';
import { cursorParam, limitParam, oneOrMore, slug } from '../../shared/schemas/common.ts';
import { ARTICLE_AUDIENCES, ARTICLE_STATUSES, REVIEW_DECISIONS } from '../domain/article.ts';

/*
 * The article API's input: a one-line title, a Markdown body up to 50,000 characters, short lists.
 * What it answers is described in ./article-responses.ts, which no handler imports (a module's
 * zod schemas are bundled whole by every handler that imports it).
 */

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
