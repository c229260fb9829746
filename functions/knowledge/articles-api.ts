/**
 * The API description of articles, their versions, history and lifecycle (POST /articles ...
 * POST /articles/{id}/retire), the article components and the article events' detail schema.
 * Spread into ./api.ts; loaded by the OpenAPI build only, never by a handler.
 */
import * as z from 'zod';
import type { CommonResponseSchema, EventSchemaFile, OperationSpec, PublishedEventDetail } from '../shared/api/operation.ts';
import { firstPageNote, PAGE_NOTE } from '../shared/api/operation.ts';
import { listEnvelope } from '../shared/schemas/common.ts';
import { ARTICLE_EVENT_TYPES } from './domain/events.ts';
import { MAX_BODY_HTML_BYTES } from './domain/render.ts';
import { articlePageQuery, createArticleBody, listArticlesQuery, MAX_BODY_LENGTH, putArticleBody, reviewArticleBody } from './schemas/article.ts';
import {
  articleHistoryRecordSchema,
  articleSchema,
  articleSummarySchema,
  articleVersionSchema,
  articleVersionSummarySchema,
} from './schemas/article-responses.ts';
import { articleEventDetail } from './schemas/events.ts';

const TAG = 'Knowledge';

export const articleRequestSchemas = {
  CreateArticle: createArticleBody,
  PutArticle: putArticleBody,
  ReviewArticle: reviewArticleBody,
};

export const articleResponseSchemas = {
  Article: articleSchema,
  ArticleSummary: articleSummarySchema,
  ArticlePage: listEnvelope(articleSummarySchema),
  ArticleVersion: articleVersionSchema,
  ArticleVersionSummary: articleVersionSummarySchema,
  ArticleVersionPage: listEnvelope(articleVersionSummarySchema),
  ArticleHistoryRecord: articleHistoryRecordSchema,
  ArticleHistoryPage: listEnvelope(articleHistoryRecordSchema),
};

/** Operations naming only the article components (and the common ones): defineApi checks the names. */
type ArticleOperation = OperationSpec<keyof typeof articleRequestSchemas, keyof typeof articleResponseSchemas | CommonResponseSchema>;

const ID = { id: { schema: z.string().min(1), description: 'The id (a ULID) or the number (KB0000001) of the article; anything else is 404' } };
const REQUESTERS_404 = 'Requesters get 404: to them only published public articles exist, and only to read.';
const REQUESTERS_403 =
  'Requesters get 403 (`forbidden`, "Only agents and admins write articles"), before anything is read: the answer is the same for any article, so it reveals none.';
const LIFECYCLE = [
  '**Lifecycle.** `draft` -> `review` (POST /articles/{id}/submit) -> `published` (POST /articles/{id}/review `approve`) -> `retired` (POST /articles/{id}/retire); `reject` sends the version in review back to `draft` with the comment, and an edit (PUT) of a version in review returns it to `draft`.',
  'A published article edited (PUT) gets a new content version n+1 in draft, shown to agents as `pendingVersion`, while the record (and what requesters read and search finds) keeps the published content until that version is approved; it goes through submit and review the same way. Every content version is kept (GET /articles/{id}/versions).',
].join('\n\n');
const MARKDOWN = `\`body\` is Markdown (CommonMark, at most ${MAX_BODY_LENGTH} characters), rendered once when written into \`bodyHtml\`: raw HTML in it is escaped (shown as text, never run: \`<script>\` stays text), and link and image URLs other than http(s) and mailto (\`javascript:\`, \`data:\`, \`vbscript:\`...) are dropped. A body whose HTML would take more than ${MAX_BODY_HTML_BYTES / 1024} KB (Markdown that multiplies itself, e.g. one long reference link used thousands of times) is refused: 400 naming \`body\`, before anything is written.`;
const REFERENCES =
  '`ownerGroup` must exist (GET /groups), each of `services` (GET /services) and `configurationItems` (GET /cis, by id; retired ones may be named) too: checked in the same transaction as the write, 400 naming the field (and the index). `links` (problems, known errors, incidents by id or number) are kept as given, not checked.';
const IF_MATCH_STEP =
  'If-Match is optional: when sent it must name the current version (412 otherwise); without it the step applies to the version it reads (a write in between is 412).';

const operations: Record<string, ArticleOperation> = {
  'POST /articles': {
    operationId: 'createArticle',
    summary: 'Write a new article (draft)',
    tag: TAG,
    audience: 'agent',
    description: [
      'A new article is a `draft`, content version 1, numbered `KB` + 7 digits (take the number from the response); `audience` defaults to `internal`. Sends `Article Created`.',
      MARKDOWN,
      REFERENCES,
      'Two round trips: the number, then one transaction (the record, version 1, its history and its event).',
      REQUESTERS_403,
    ].join('\n\n'),
    body: { schema: 'CreateArticle' },
    idempotencyKey: true,
    responses: { 201: { description: 'Created', schema: 'Article', headers: ['Location', 'ETag', 'Idempotent-Replayed'] } },
    errorTypes: ['forbidden'],
    notes: { 403: 'Requesters.' },
  },
  'GET /articles': {
    operationId: 'listArticles',
    summary: 'List articles',
    tag: TAG,
    audience: 'requester',
    description: [
      'Newest first (by number), without bodies (GET /articles/{id} has the body). Agents list every article: drafts, in review, published, retired. Filters combine with AND, the values of one filter with OR (comma-separated, at most 10): `status` picks the index (one Query per status), the others narrow it.',
      "`status` matches what an article is being worked in: its own status, or its pending version's. So `status=review` is the review queue: the new articles in review and the published articles whose edit (`pendingVersion`) is in review; `status=draft` likewise finds a published article with an edit in draft. A published article with an edit in progress is listed under `published` too.",
      'Requesters list the published public articles only (an index of those alone): `category` and `service` narrow it; a `status` or `audience` filter asking for anything else finds nothing, `ownerGroup` is ignored. Agent-only fields (owner group, links, authors, the version in progress) are left out for them.',
      PAGE_NOTE,
      firstPageNote("an agent's `status` with one value other than `published`, and of every article"),
    ].join('\n\n'),
    query: listArticlesQuery,
    queryDescriptions: {
      status: 'Only articles in one of these statuses, or whose pending version (the edit of a published article) is (comma-separated)',
      category: 'Only articles in one of these categories',
      service: 'Only articles naming one of these services',
      audience: 'Only articles for this audience',
      ownerGroup: 'Only articles this group owns (agents)',
    },
    responses: { 200: { description: 'A page of articles', schema: 'ArticlePage' } },
  },
  'GET /articles/{id}': {
    operationId: 'getArticle',
    summary: 'Read an article',
    tag: TAG,
    audience: 'requester',
    description: [
      'By id or number. The record shows the content readers see: the published version once there is one (else the draft). Agents see every article and field, with `pendingVersion` (the edit in progress of a published article: read its content with GET /articles/{id}/versions/{version}) and `reviewDue` (published and not reviewed for `reviewIntervalDays`, GET /knowledge-config).',
      'Requesters read a published public article only: anything else (a draft, an internal or retired article) is 404, as an unknown one.',
      'Each read of a published article counts a view (exactly: an atomic counter, GET /reports/knowledge). The view is counted in the same round trip as the read (by id; by number, once the article is read).',
      LIFECYCLE,
    ].join('\n\n'),
    responses: { 200: { description: 'The article', schema: 'Article', headers: ['ETag', 'Location'] } },
    errorTypes: ['not-found'],
  },
  'PUT /articles/{id}': {
    operationId: 'putArticle',
    summary: 'Edit an article',
    tag: TAG,
    audience: 'agent',
    description: [
      'Replaces the content of the version being written (the body is the whole content: an optional field left out is cleared, `audience` back to `internal`). Needs the current version in If-Match (428 without it, 412 when stale). Content equal to the version being written changes nothing: 200 with the same version.',
      '- `draft`: the draft is edited (the record shows it).\n- `review`: the version returns to `draft` with the edit (submit it again).\n- `published`: the first edit starts content version n+1 in draft (`pendingVersion`), later ones edit it (one in review returns to draft); the record and what requesters read keep the published content until it is approved.\n- `retired`: 409 `article-retired`.',
      MARKDOWN,
      `${REFERENCES} Only what the edit adds is checked.`,
      'Sends `Article Updated`; `changes` names the fields (`pendingVersion.<field>` for the version in progress). Two round trips: the article with its latest version, then one transaction.',
      REQUESTERS_403,
    ].join('\n\n'),
    body: { schema: 'PutArticle' },
    ifMatch: 'required',
    responses: { 200: { description: 'The article after the edit', schema: 'Article', headers: ['ETag', 'Location'] } },
    errorTypes: ['forbidden', 'not-found', 'article-retired'],
  },
  'GET /articles/{id}/versions': {
    operationId: 'listArticleVersions',
    summary: "List an article's content versions",
    tag: TAG,
    audience: 'agent',
    description: [
      'Every content version, oldest first, without bodies: its status (`draft`, `review`, `published`, `superseded` by a later publication, `retired`), author and contributors, when it was submitted, reviewed (by whom, with the comment) and published.',
      PAGE_NOTE,
      REQUESTERS_404,
    ].join('\n\n'),
    query: articlePageQuery,
    responses: { 200: { description: 'A page of versions', schema: 'ArticleVersionPage' } },
    errorTypes: ['not-found'],
  },
  'GET /articles/{id}/versions/{version}': {
    operationId: 'getArticleVersion',
    summary: 'Read one content version',
    tag: TAG,
    audience: 'agent',
    description: ['One content version, whole: its content (body and bodyHtml) as written, and its review. Unknown version: 404.', REQUESTERS_404].join('\n\n'),
    pathParameters: { ...ID, version: { schema: z.string().regex(/^[1-9]\d{0,5}$/), description: 'The content version (1, 2, ...)' } },
    responses: { 200: { description: 'The version', schema: 'ArticleVersion' } },
    errorTypes: ['not-found'],
  },
  'GET /articles/{id}/history': {
    operationId: 'getArticleHistory',
    summary: "An article's audit trail",
    tag: TAG,
    audience: 'agent',
    description: ['Every write of the article, oldest first: who, when, the record version it produced and the field changes.', PAGE_NOTE, REQUESTERS_404].join(
      '\n\n',
    ),
    query: articlePageQuery,
    responses: { 200: { description: 'A page of history records', schema: 'ArticleHistoryPage' } },
    errorTypes: ['not-found'],
  },
  'POST /articles/{id}/submit': {
    operationId: 'submitArticle',
    summary: 'Send the draft for review',
    tag: TAG,
    audience: 'agent',
    description: [
      "The draft being written (a never-published article's, or a published article's `pendingVersion`) goes to `review`; the owner group is told (`Article Submitted`). Any agent may submit. Nothing in draft (already in review, or published with no edit in progress): 409 `nothing-to-submit`; retired: 409 `article-retired`.",
      IF_MATCH_STEP,
      REQUESTERS_403,
    ].join('\n\n'),
    ifMatch: 'required',
    responses: { 200: { description: 'The article', schema: 'Article', headers: ['ETag', 'Location'] } },
    errorTypes: ['forbidden', 'not-found', 'nothing-to-submit', 'article-retired'],
  },
  'POST /articles/{id}/review': {
    operationId: 'reviewArticle',
    summary: 'Approve (publish) or reject the version in review',
    tag: TAG,
    audience: 'agent',
    description: [
      "**Who:** a member of the version's owner group (checked in the same transaction as the write) who wrote none of it (its `contributors`): nobody approves their own version, admins included. Anyone else: 403 (`not-in-owner-group`, `own-article-version`).",
      '`approve` publishes the version: it becomes `published`, the previously published one `superseded`; the record shows its content (requesters read it, search finds it), `publishedAt` and `reviewedAt` are set and the author is told (`Article Published`). `reject` (a `comment` is required) sends it back to `draft` with the comment (`Article Rejected`, the author told); a published article keeps its published content.',
      'No version in review: 409 `not-in-review`.',
      IF_MATCH_STEP,
      REQUESTERS_403,
    ].join('\n\n'),
    body: { schema: 'ReviewArticle' },
    ifMatch: 'required',
    responses: { 200: { description: 'The article', schema: 'Article', headers: ['ETag', 'Location'] } },
    errorTypes: ['forbidden', 'not-found', 'not-in-review', 'article-retired', 'own-article-version', 'not-in-owner-group'],
  },
  'POST /articles/{id}/retire': {
    operationId: 'retireArticle',
    summary: 'Retire an article',
    tag: TAG,
    audience: 'agent',
    description: [
      'A member of the owner group, or an admin, retires the article: requesters no longer read or list it, search no longer finds it; its published version and any version in progress are `retired`. Retired already: 409 `article-retired`. The owner group is told (`Article Retired`).',
      IF_MATCH_STEP,
      REQUESTERS_403,
    ].join('\n\n'),
    ifMatch: 'required',
    responses: { 200: { description: 'The article', schema: 'Article', headers: ['ETag', 'Location'] } },
    errorTypes: ['forbidden', 'not-found', 'article-retired', 'not-in-owner-group'],
  },
};

/** Each route naming an article says what its `id` may be. */
export const articleOperations: Record<string, ArticleOperation> = Object.fromEntries(
  Object.entries(operations).map(([route, spec]) => [route, route.includes('{id}') ? { ...spec, pathParameters: { ...ID, ...spec.pathParameters } } : spec]),
);

export const articlePublishedEvents: readonly PublishedEventDetail[] = [
  {
    schema: articleEventDetail,
    record: 'article',
    attributes: 'an article has no priority (`-`); `assignmentGroup` is its owner group, `service` its first service (`-` when none).',
  },
];

export const articleEventSchemas: readonly EventSchemaFile[] = [
  {
    file: 'docs/schemas/article-event-detail.schema.json',
    schema: articleEventDetail,
    io: 'output',
    description: [
      `The \`detail\` of the knowledge article events the product puts on its event bus, \`source\` \`open-itsm\`: ${ARTICLE_EVENT_TYPES.map((type) => `\`${type}\``).join(', ')}. Every committed write of an article publishes exactly one event, after the commit (transactional outbox). Delivery is at least once: dedupe on \`eventId\`, and order one article's events by \`article.version\`.`,
      'No free text: no title, body, keywords or review comment; `changes` names free-text fields without `from` and `to` (docs/events.md, "No free text").',
    ].join('\n\n'),
  },
];
