import * as z from 'zod';
import { DETAIL_SCHEMA_VERSION } from '../../shared/domain/outbox.ts';
import { ARTICLE_AUDIENCES, ARTICLE_STATUSES, REVIEW_DECISIONS } from '../domain/article.ts';
import { ARTICLE_EVENT_TYPES } from '../domain/events.ts';

/*
 * The published shape of article events (`detail` on EventBridge; the body of SNS notifications
 * adds `text` and `recipients`). Documentation only: the publisher sends what
 * functions/knowledge/domain/events.ts builds, and unit tests check built records against this.
 */
export const articleEventDetail = z
  .object({
    schemaVersion: z.literal(DETAIL_SCHEMA_VERSION).describe('Changes only on an incompatible change of this schema'),
    eventId: z.string().describe('Stable across redeliveries: dedupe on it (the EventBridge event id is not stable)'),
    type: z.enum(ARTICLE_EVENT_TYPES).describe('Also the detail-type'),
    occurredAt: z.string().describe('When the write was committed (ISO 8601)'),
    actor: z.string().describe('Who made the change (a user id)'),
    article: z.object({
      id: z.string(),
      number: z.string().describe('No title: it is free text; GET /articles/{id} has it'),
      status: z.enum(ARTICLE_STATUSES),
      version: z.number().int().describe('The article (record) version after the write: order events of one article by it'),
      contentVersion: z.number().int().describe('The content version readers see (the published one, else the draft)'),
      pendingVersion: z
        .object({ version: z.number().int(), status: z.enum(['draft', 'review']) })
        .optional()
        .describe('The edit of a published article in progress, when there is one'),
      audience: z.enum(ARTICLE_AUDIENCES),
      ownerGroup: z.string(),
      category: z.string().optional(),
    }),
    changes: z
      .array(
        z.object({
          field: z.string(),
          from: z.unknown().optional().describe('Absent for a free-text field'),
          to: z.unknown().optional().describe('Absent for a free-text field'),
        }),
      )
      .optional()
      .describe(
        'What changed, as in the article history (`pendingVersion.<field>`: the version being written beside the published one), with the free-text fields (title, body, category, keywords, links) named without their values (absent on Article Created)',
      ),
    contentVersion: z.number().int().optional().describe('Article Submitted, Published, Rejected: the content version submitted or decided on'),
    review: z
      .object({
        decision: z.enum(REVIEW_DECISIONS),
        by: z.string().describe('The reviewer'),
        author: z.string().describe('Who started the version decided on (told of the decision)'),
      })
      .optional()
      .describe('Article Published and Article Rejected: the decision, never its comment'),
    feedback: z
      .object({ helpful: z.boolean(), version: z.number().int().describe('The published content version rated') })
      .optional()
      .describe('Article Feedback Received: the vote, never its comment'),
  })
  .meta({ title: 'Article event detail' });
