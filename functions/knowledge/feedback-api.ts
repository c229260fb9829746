/**
 * The API description of feedback and counters, the knowledge configuration, the knowledge report
 * and the known error turned into an article. Spread into ./api.ts; loaded by the OpenAPI build
 * only, never by a handler.
 */
import * as z from 'zod';
import type { OperationSpec } from '../shared/api/operation.ts';
import { DEFAULT_REVIEW_INTERVAL_DAYS, MAX_REVIEW_INTERVAL_DAYS, MIN_REVIEW_INTERVAL_DAYS } from './domain/review.ts';
import {
  articleCountsSchema,
  articleFeedbackResponseSchema,
  articleFeedbackSchema,
  MAX_FEEDBACK_COMMENT_LENGTH,
  postFeedbackBody,
} from './schemas/feedback.ts';
import { knowledgeConfigSchema, putKnowledgeConfigBody } from './schemas/knowledge-config.ts';
import {
  DEFAULT_REPORT_DAYS,
  DUE_FOR_REVIEW_LISTED,
  knowledgeReportQuery,
  knowledgeReportSchema,
  MAX_REPORT_DAYS,
  MIN_VOTES_FOR_HELPFULNESS,
  TOP_ARTICLES,
} from './schemas/knowledge-report.ts';
import { knownErrorArticleBody } from './schemas/known-error-article.ts';

const TAG = 'Knowledge';

export const feedbackRequestSchemas = {
  PostArticleFeedback: postFeedbackBody,
  PutKnowledgeConfig: putKnowledgeConfigBody,
  KnownErrorArticle: knownErrorArticleBody,
};

export const feedbackResponseSchemas = {
  ArticleCounts: articleCountsSchema,
  ArticleFeedback: articleFeedbackSchema,
  ArticleFeedbackResult: articleFeedbackResponseSchema,
  KnowledgeConfig: knowledgeConfigSchema,
  KnowledgeReport: knowledgeReportSchema,
};

export const feedbackOperations: Record<string, OperationSpec> = {
  'POST /articles/{id}/feedback': {
    operationId: 'createArticleFeedback',
    summary: 'Say whether an article helped',
    tag: TAG,
    audience: 'requester',
    description: [
      `Anyone who may read a published article says whether it helped (\`helpful\`), optionally with a \`comment\` (at most ${MAX_FEEDBACK_COMMENT_LENGTH} characters) for its owners. Once per person per published version: a second feedback on the same version is 409 \`feedback-exists\` (\`version\` names it); once a new version is published, it can be rated again.`,
      'Requesters give feedback on public published articles only: any other article is 404 to them. Agents on any published article; a draft, an article in review or a retired one is 409 `article-not-published`. An article published anew or retired between the read and the write is 409 `article-changed`.',
      "The vote is added to the article's counters exactly (an atomic addition: concurrent votes are all counted) in the same transaction as the feedback, its history record (with the comment) and the event `Article Feedback Received` (with `helpful` and the version, never the comment). Answers the feedback and the article's counters as read with the article, this vote added (votes and views of others committed meanwhile show in the next read). Idempotency-Key replays the first answer.",
      'Two round trips: the article and its counters together (by number, the article first), then the transaction.',
    ].join('\n\n'),
    pathParameters: { id: { schema: z.string(), description: 'The article id or number (KB...)' } },
    body: { schema: 'PostArticleFeedback' },
    idempotencyKey: true,
    responses: { 201: { description: 'The feedback, and the counters with it', schema: 'ArticleFeedbackResult' } },
    errorTypes: ['not-found', 'feedback-exists', 'article-not-published', 'article-changed'],
  },
  'GET /knowledge-config': {
    operationId: 'getKnowledgeConfig',
    summary: 'Get the knowledge configuration',
    tag: TAG,
    audience: 'agent',
    description: [
      'How many days a published article goes without review (the approval of a version) before it is due for review: GET /articles/{id} shows `reviewDue`, GET /reports/knowledge lists the articles due.',
      `Until an admin changes it, the defaults with version 0: \`reviewIntervalDays\` ${DEFAULT_REVIEW_INTERVAL_DAYS}.`,
    ].join('\n\n'),
    responses: { 200: { description: 'The knowledge configuration in force', schema: 'KnowledgeConfig', headers: ['ETag'] } },
    errorTypes: ['forbidden'],
  },
  'PUT /knowledge-config': {
    operationId: 'replaceKnowledgeConfig',
    summary: 'Replace the knowledge configuration',
    tag: TAG,
    audience: 'admin',
    description: [
      'Replaces every field. Needs the current version in If-Match (`"0"` before the first change). A replacement equal to the current configuration changes nothing (200, same version); the change is recorded in the settings history.',
      `\`reviewIntervalDays\` ${MIN_REVIEW_INTERVAL_DAYS} to ${MAX_REVIEW_INTERVAL_DAYS}.`,
      "The report applies it at once. Reads of articles (`reviewDue`) keep the configuration they read for up to a minute per function instance, so another instance's reads follow within a minute.",
    ].join('\n\n'),
    body: { schema: 'PutKnowledgeConfig' },
    ifMatch: 'required',
    responses: { 200: { description: 'The knowledge configuration now in force', schema: 'KnowledgeConfig', headers: ['ETag'] } },
    errorTypes: ['forbidden'],
  },
  'GET /reports/knowledge': {
    operationId: 'getKnowledgeReport',
    summary: 'Report on knowledge',
    tag: TAG,
    audience: 'agent',
    description: [
      `Deflections (needs answered by an article before a ticket was opened) per UTC day from \`from\` to \`to\` (default the last ${DEFAULT_REPORT_DAYS} days, at most ${MAX_REPORT_DAYS}), every day listed; the ${TOP_ARTICLES} most viewed published articles; the ${TOP_ARTICLES} least helpful (lowest share of helpful votes among published articles with at least ${MIN_VOTES_FOR_HELPFULNESS} votes: fewer say little), retired articles left out of both (their counters are kept); and the published articles due for review under the interval in force (GET /knowledge-config): their count and the first ${DUE_FOR_REVIEW_LISTED}, longest unreviewed first.`,
      'Views and votes are counted since each article was created, whatever the days asked for; retired articles keep theirs and are listed too.',
      "Reads counters, never articles and never a Scan: one small item per article ever viewed, voted on or credited (10,000 articles are about two 1 MB pages), one item per day of deflections, and the review index's entries older than the interval (a count beyond the first fifty).",
      'Requesters get 404: to them the report does not exist.',
    ].join('\n\n'),
    query: knowledgeReportQuery,
    responses: { 200: { description: 'The report', schema: 'KnowledgeReport' } },
    errorTypes: ['not-found'],
  },
  'POST /known-errors/{id}/article': {
    operationId: 'createArticleFromKnownError',
    summary: 'Turn a known error into an article',
    tag: TAG,
    audience: 'agent',
    description: [
      "A published known error (GET /known-errors) becomes a draft article in one call: its problem's title; a Markdown body with the sections Symptoms (the problem's description), Cause (its root cause) and Workaround; its category, service and configuration items; audience `internal`; owned by the problem's assignment group, or by the body's `ownerGroup` (required when the problem has none); `links.problems` and `links.knownErrors` name the problem. Edit it (PUT /articles/{id}) and submit it for review as any draft.",
      'One article per known error: a second call is 409 `article-exists`, `article` naming the one made; once that article is retired, a new one may be made. Requesters get 404, as for a problem that is not a published known error.',
      "One read of the problem (by id, or its number through the index), the article's number, then one transaction: the article, its first version, its history, the event `Article Created`, the checks of its group, services and configuration items, and the known error's guard.",
    ].join('\n\n'),
    pathParameters: { id: { schema: z.string(), description: "The known error's problem id or number (PRB...)" } },
    body: { schema: 'KnownErrorArticle', optional: true },
    idempotencyKey: true,
    responses: { 201: { description: 'The draft article', schema: 'Article', headers: ['ETag', 'Location'] } },
    errorTypes: ['not-found', 'article-exists'],
  },
};
