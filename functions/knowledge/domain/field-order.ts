/*
 * The documented order of an article's, a content version's and a history record's fields, as
 * plain lists: the handlers and the store read items through them without loading the response
 * schemas (schemas/article-responses.ts, the OpenAPI build's), which every knowledge bundle would
 * otherwise carry whole. test/unit/field-order.test.ts checks each list against its schema's shape,
 * which stays the one description of the fields.
 */

import { CONTENT_FIELDS } from './article.ts';

export const ARTICLE_FIELD_ORDER: readonly string[] = [
  'id',
  'number',
  'status',
  ...CONTENT_FIELDS,
  'contentVersion',
  'latestVersion',
  'publishedVersion',
  'pendingVersion',
  'knownError',
  'author',
  'createdAt',
  'updatedAt',
  'updatedBy',
  'submittedAt',
  'publishedAt',
  'reviewedAt',
  'retiredAt',
  'reviewDue',
  'version',
];

export const ARTICLE_VERSION_FIELD_ORDER: readonly string[] = [
  'articleId',
  'version',
  'status',
  ...CONTENT_FIELDS,
  'author',
  'contributors',
  'createdAt',
  'updatedAt',
  'submittedAt',
  'reviewedBy',
  'reviewedAt',
  'reviewComment',
  'publishedAt',
  'retiredAt',
];

export const ARTICLE_HISTORY_FIELD_ORDER: readonly string[] = ['id', 'articleId', 'at', 'actor', 'action', 'version', 'changes'];
