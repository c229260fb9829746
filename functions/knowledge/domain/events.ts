import type { FieldDiff } from '../../shared/domain/audit.ts';
import {
  type EventDetail,
  eventDetailHead,
  type Notification,
  notificationSubject,
  type OutboxRecord,
  only,
  type PublishedFieldDiff,
  type PublishRules,
  publishedFieldDiffs,
  type Recipients,
} from '../../shared/domain/outbox.ts';
import type { Article, ArticleAudience, ArticleStatus, ReviewDecision } from './article.ts';

/*
 * What the product tells the world about knowledge articles, through the transactional outbox
 * every area uses (shared/domain/outbox.ts): each committed write of an article writes one outbox
 * record in its transaction (article-write.ts). No free text leaves: no title, body, keywords,
 * category... the detail's `article` names the record, `changes` names the content fields changed
 * without their values, a review says who decided and how, never the comment.
 */

/** The knowledge area's event vocabulary (docs/events.md): what its writes publish through the outbox. */
export const ARTICLE_EVENT_TYPES = [
  'Article Created',
  'Article Updated',
  'Article Submitted',
  'Article Published',
  'Article Rejected',
  'Article Retired',
  'Article Feedback Received',
] as const;
export type ArticleEventType = (typeof ARTICLE_EVENT_TYPES)[number];

/** The article as events show it: enough to route, to reindex and to link; no title (free text). */
export interface ArticleSummary {
  id: string;
  number: string;
  status: ArticleStatus;
  /** The record's version after the write (the ETag): order one article's events by it. */
  version: number;
  /** The content version readers see (the published one, else the draft). */
  contentVersion: number;
  /** The version being written when there is one beside the published one. */
  pendingVersion?: { version: number; status: 'draft' | 'review' };
  audience: ArticleAudience;
  ownerGroup: string;
  category?: string;
}

export interface ArticleEventDetail extends EventDetail<ArticleEventType> {
  article: ArticleSummary;
  changes?: PublishedFieldDiff[];
  /** Article Submitted, Published, Rejected: the content version concerned. */
  contentVersion?: number;
  /** Article Published / Rejected: who decided (never the comment). */
  review?: { decision: ReviewDecision; by: string; author: string };
  /** Article Feedback Received: the vote and the published version it is about, never the comment. */
  feedback?: { helpful: boolean; version: number };
}

export type ArticleNotification = Notification<ArticleEventType> & { topic: 'notifications' };

export interface ArticleOutboxRecord extends OutboxRecord<ArticleEventDetail> {
  articleId: string;
  notification: ArticleNotification;
}

/**
 * The fields whose values events may carry: states, versions, directory names, ids, instants.
 * Title, body, category, keywords and links are named alone (the body's HTML never: it is derived).
 */
export const ARTICLE_PUBLISH_RULES: PublishRules = {
  fields: {
    ...Object.fromEntries(
      [
        'status',
        'audience',
        'ownerGroup',
        'services',
        'configurationItems',
        'publishedVersion',
        'pendingVersion',
        'pendingVersion.status',
        'pendingVersion.audience',
        'pendingVersion.ownerGroup',
        'pendingVersion.services',
        'pendingVersion.configurationItems',
      ].map((field) => [field, 'value' as const]),
    ),
    review: only('decision', 'by'),
  },
};

export function summarizeArticle(article: Article): ArticleSummary {
  return {
    id: article.id,
    number: article.number,
    status: article.status,
    version: article.version,
    contentVersion: article.contentVersion,
    ...(article.pendingVersion === undefined ? {} : { pendingVersion: { version: article.pendingVersion.version, status: article.pendingVersion.status } }),
    audience: article.audience,
    ownerGroup: article.ownerGroup,
    ...(article.category === undefined ? {} : { category: article.category }),
  };
}

const NOBODY: Recipients = { users: [], groups: [] };

/**
 * Who hears of it: the owner group reviews what is submitted and hears of a retirement; the author
 * of the version decided on hears of the decision; a draft created or edited tells nobody by name.
 */
export function articleRecipients(type: ArticleEventType, article: Article, versionAuthor?: string): Recipients {
  switch (type) {
    case 'Article Submitted':
    case 'Article Retired':
      return { users: [], groups: [article.ownerGroup] };
    case 'Article Published':
    case 'Article Rejected':
    case 'Article Feedback Received':
      return { users: [versionAuthor ?? article.author], groups: [] };
    default:
      return NOBODY;
  }
}

function text(type: ArticleEventType, article: Article, detail: ArticleEventDetail): string {
  const head = article.number;
  const version = detail.contentVersion === undefined ? '' : ` version ${detail.contentVersion}`;
  switch (type) {
    case 'Article Created':
      return `New draft article ${head} (${article.audience}, owner ${article.ownerGroup})`;
    case 'Article Updated':
      return `Updated: ${head}: ${(detail.changes ?? []).map((c) => c.field).join(', ')}`;
    case 'Article Submitted':
      return `Review requested from ${article.ownerGroup}: ${head}${version}`;
    case 'Article Published':
      return `Published: ${head}${version}, approved by ${detail.review?.by}`;
    case 'Article Rejected':
      return `Sent back to draft: ${head}${version}, by ${detail.review?.by}`;
    case 'Article Retired':
      return `Retired: ${head}`;
    case 'Article Feedback Received':
      return `Feedback on ${head}`;
  }
}

export function articleOutboxRecord(input: {
  eventId: string;
  type: ArticleEventType;
  article: Article;
  actor: string;
  occurredAt: string;
  recipients: Recipients;
  changes?: FieldDiff[];
  contentVersion?: number;
  review?: { decision: ReviewDecision; by: string; author: string };
}): ArticleOutboxRecord {
  const { article, type } = input;
  const detail: ArticleEventDetail = {
    ...eventDetailHead(type, input),
    article: summarizeArticle(article),
    ...(input.changes === undefined ? {} : { changes: publishedFieldDiffs(input.changes, ARTICLE_PUBLISH_RULES) }),
    ...(input.contentVersion === undefined ? {} : { contentVersion: input.contentVersion }),
    ...(input.review === undefined ? {} : { review: input.review }),
  };
  return {
    eventId: input.eventId,
    articleId: article.id,
    detail,
    notification: {
      topic: 'notifications',
      subject: notificationSubject(`${type}: ${article.number}`),
      recipients: input.recipients,
      text: text(type, article, detail),
      attributes: { eventType: type, priority: '-', assignmentGroup: article.ownerGroup, service: article.services[0] ?? '-' },
    },
  };
}
