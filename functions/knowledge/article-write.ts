import { ciExistsCheck } from '../cmdb/store/relationship-store.ts';
import { groupKey, serviceKey } from '../directory/store/keys.ts';
import { directoryRecordLive } from '../directory/store/references.ts';
import type { Recipients } from '../shared/domain/outbox.ts';
import { fieldError, type HttpError, preconditionFailed, validationFailed } from '../shared/errors.ts';
import { type ApiResult, etagOf } from '../shared/http/handler.ts';
import { newId, writeHistoryDraft } from '../shared/store/audit.ts';
import { TABLE_NAME, type TransactItem } from '../shared/store/db.ts';
import { type FieldCheck, fieldCheckErrors, fieldCheckItems, fieldCheckName } from '../shared/store/field-checks.ts';
import { commitIdempotently, type IdempotencyClaim } from '../shared/store/idempotency.ts';
import { type NamedItem, named, type TransactionEntry, TransactionRefused } from '../shared/store/transaction.ts';
import { type Article, type ArticleContent, type ArticleVersion, newArticle, type ReviewDecision, type Transition } from './domain/article.ts';
import { type ArticleEventType, articleOutboxRecord, articleRecipients } from './domain/events.ts';
import { MAX_BODY_HTML_BYTES, renderMarkdown } from './domain/render.ts';
import { articleResponse } from './responses.ts';
import type { ArticleContentBody } from './schemas/article.ts';
import { articleOutboxPut } from './store/article-outbox.ts';
import {
  allocateArticleNumber,
  articleCreate,
  articleHistoryPut,
  articleNameDelete,
  articleNamePut,
  articleReplace,
  articleVersionPut,
  articleVersionStatusUpdate,
  knownErrorGuardRelease,
} from './store/article-store.ts';
import { statsPublication, statsRetirement } from './store/stats-store.ts';

/*
 * Every write of an article goes through here (its create, an edit, submit, review, retire; the
 * known error turned into an article): the record at its version, the content versions it writes
 * or moves, its history record and one outbox record, as the items of ONE transaction. The
 * record's item is named ARTICLE_ITEM: callers map its refused condition (412) by that name and add
 * their own items (reference checks, the owner group's membership, a guard) to the same transaction.
 */

/** The name of the article record's item in its write's transaction. */
export const ARTICLE_ITEM = 'article';
/** The name of the check that the caller is a member of the owner group (review, retire). */
export const OWNER_GROUP_MEMBER = 'owner-group-member';

/** A refused write whose article record moved on since it was read: 412 with its current ETag; else undefined. */
export function articleChanged(error: unknown): HttpError | undefined {
  if (!(error instanceof TransactionRefused && error.has(ARTICLE_ITEM))) return undefined;
  const current = error.item(ARTICLE_ITEM);
  return preconditionFailed(current === undefined ? undefined : etagOf(current.version as number));
}

export interface ArticleWrite {
  /** Undefined when the article is being created. */
  before?: Article;
  /**
   * The latest content version read with `before`: when `before` has a pending version, that is it,
   * and the directory records it names are part of what the article names.
   */
  latest?: ArticleVersion;
  transition: Transition;
  actor: string;
  now: Date;
  type: ArticleEventType;
  /** Defaults to articleRecipients(type, after, versionAuthor). */
  recipients?: Recipients;
  /** The content version the event is about (submit, review). */
  contentVersion?: number;
  review?: { decision: ReviewDecision; by: string; author: string };
}

export function articleWrite(input: ArticleWrite): TransactionEntry[] {
  const { before, transition, now } = input;
  const after = transition.article;
  const record = articleOutboxRecord({
    eventId: newId(),
    type: input.type,
    article: after,
    actor: input.actor,
    occurredAt: now.toISOString(),
    recipients: input.recipients ?? articleRecipients(input.type, after, input.review?.author),
    ...(before === undefined ? {} : { changes: transition.changes }),
    ...(input.contentVersion === undefined ? {} : { contentVersion: input.contentVersion }),
    ...(input.review === undefined ? {} : { review: input.review }),
  });
  const latestBefore = before?.latestVersion ?? 0;
  return [
    named(ARTICLE_ITEM, before === undefined ? articleCreate(after) : articleReplace(after, before.version)),
    ...transition.versions.map((version) => articleVersionPut(version, version.version > latestBefore)),
    ...transition.statusMoves.map((move) => articleVersionStatusUpdate(after.id, move.version, move.status, move.at)),
    articleHistoryPut(
      after.id,
      writeHistoryDraft({ ...(before === undefined ? {} : { before }), after, actor: input.actor, now, changes: transition.changes }),
    ),
    articleOutboxPut(record, now),
    ...articleNameChanges(input),
    // The counters' item learns of a publication (number, title, audience: views are counted from
    // then on without a read of the article) and of a retirement (no more views).
    ...(input.type === 'Article Published' ? [statsPublication(after)] : []),
    ...(input.type === 'Article Retired' && before?.status === 'published' ? [statsRetirement(after.id)] : []),
    // A retired article made from a known error releases it: a new article may be made from it.
    ...(input.type === 'Article Retired' && after.knownError !== undefined ? [knownErrorGuardRelease(after.knownError.id, after.id)] : []),
  ];
}

type Names = Map<string, { field: 'ownerGroup' | 'services'; name: string }>;

/** The directory records an article names: its record's owner group and services, and its pending version's; none once retired. */
function namesOf(article: Article, pending: ArticleContent | undefined): Names {
  const names: Names = new Map();
  if (article.status === 'retired') return names;
  for (const content of pending === undefined ? [article] : [article, pending]) {
    names.set(`ownerGroup#${content.ownerGroup}`, { field: 'ownerGroup', name: content.ownerGroup });
    for (const service of content.services) names.set(`services#${service}`, { field: 'services', name: service });
  }
  return names;
}

/** The content of `article`'s pending version among the versions given (written now, or read with it). */
function pendingContent(article: Article, versions: readonly (ArticleVersion | undefined)[]): ArticleContent | undefined {
  const pending = article.pendingVersion?.version;
  if (pending === undefined) return undefined;
  const found = versions.find((version) => version?.version === pending);
  if (found === undefined) throw new Error(`${article.number}: its pending version ${pending} was not read with it (ArticleWrite.latest)`);
  return found;
}

/**
 * The markers of the directory records the article names (store/keys.ts articleNameKey), moved in
 * its write: a Put for each name the article names now and did not before, a Delete for each it no
 * longer names (retired: all of them).
 */
function articleNameChanges(input: ArticleWrite): TransactItem[] {
  const { before, transition } = input;
  const after = transition.article;
  const old = before === undefined ? new Map() : namesOf(before, pendingContent(before, [input.latest]));
  const now = namesOf(after, pendingContent(after, [...transition.versions, input.latest]));
  return [
    ...[...now].filter(([key]) => !old.has(key)).map(([, { field, name }]) => articleNamePut(after, field, name)),
    ...[...old].filter(([key]) => !now.has(key)).map(([, { field, name }]) => articleNameDelete(after.id, field, name)),
  ];
}

/**
 * The stored content of a body: the Markdown rendered, lists present (empty when not given),
 * audience `internal` by default. HTML over MAX_BODY_HTML_BYTES (render.ts) is a 400 naming `body`.
 */
export function contentFromBody(body: ArticleContentBody): ArticleContent {
  const bodyHtml = renderMarkdown(body.body);
  const bytes = Buffer.byteLength(bodyHtml, 'utf8');
  if (bytes > MAX_BODY_HTML_BYTES) {
    throw validationFailed([
      fieldError(
        'body',
        ['body'],
        `The body renders to ${Math.ceil(bytes / 1024)} KB of HTML; at most ${MAX_BODY_HTML_BYTES / 1024} KB (a reference link or an entity repeated many times multiplies the body's size)`,
      ),
    ]);
  }
  return {
    title: body.title,
    body: body.body,
    bodyHtml,
    ...(body.category === undefined ? {} : { category: body.category }),
    services: body.services ?? [],
    configurationItems: body.configurationItems ?? [],
    audience: body.audience ?? 'internal',
    keywords: body.keywords ?? [],
    ownerGroup: body.ownerGroup,
    links: { problems: body.links?.problems ?? [], knownErrors: body.links?.knownErrors ?? [], incidents: body.links?.incidents ?? [] },
  };
}

/**
 * The directory and CMDB records the content names anew over `before` (the version it replaces),
 * checked in the write's own transaction: the owner group and the services exist and are not being
 * deleted, the configuration items exist (as on incidents: retired ones may be named). A
 * transaction touches an item once: a CI that is a service's record already checked is not again.
 */
export function contentReferenceChecks(before: ArticleContent | undefined, after: ArticleContent, now = new Date().toISOString()): FieldCheck[] {
  const checks: FieldCheck[] = [];
  if (after.ownerGroup !== before?.ownerGroup) {
    const group = after.ownerGroup;
    checks.push({
      item: directoryRecordLive(groupKey(group), now),
      refusal: (old) => ({ path: ['ownerGroup'], message: old === undefined ? `There is no group named '${group}'` : `Group '${group}' is being deleted` }),
    });
  }
  after.services.forEach((service, i) => {
    if (before?.services.includes(service)) return;
    checks.push({
      item: directoryRecordLive(serviceKey(service), now),
      refusal: (old) => ({
        path: ['services', i],
        message: old === undefined ? `There is no service named '${service}'` : `Service '${service}' is being deleted`,
      }),
    });
  });
  const taken = new Set(checks.map(fieldCheckName));
  after.configurationItems.forEach((id, i) => {
    if (before?.configurationItems.includes(id)) return;
    const check: FieldCheck = {
      item: ciExistsCheck(id, { allowRetired: true }).item,
      refusal: () => ({ path: ['configurationItems', i], message: `There is no configuration item with id '${id}' (GET /cis)` }),
    };
    if (!taken.has(fieldCheckName(check))) checks.push(check);
  });
  return checks;
}

/** "The caller is a member of `group`", checked in the write's transaction (review, retire). */
export function ownerGroupMemberCheck(group: string, userId: string): NamedItem {
  return named(OWNER_GROUP_MEMBER, {
    ConditionCheck: {
      TableName: TABLE_NAME,
      Key: groupKey(group),
      ConditionExpression: 'attribute_exists(pk) AND contains(members, :user)',
      ExpressionAttributeValues: { ':user': userId },
    },
  });
}

/** The field errors of a refused write's reference checks, or the refusal itself. */
export function mapReferenceRefusal(error: unknown, checks: readonly FieldCheck[]): unknown {
  if (error instanceof TransactionRefused) {
    const errors = fieldCheckErrors(error, checks);
    if (errors.length > 0) return validationFailed(errors);
  }
  return error;
}

/**
 * A new draft article (POST /articles; POST /known-errors/{id}/article): two round trips, the number
 * from the article sequence, then one transaction with the record, version 1, its history, its
 * outbox record (`Article Created`), the checks of the owner group, services and configuration
 * items it names, the caller's `extraItems` (a guard) and the idempotency record when `claim` is
 * given. Answers 201 with the article. A refused reference check is a 400 naming the field; any
 * other refusal (the caller's named items) is rethrown for the caller to map.
 */
export async function createArticle(
  input: ArticleContentBody,
  actor: string,
  options: {
    /** Items of the caller's, in the same transaction; given as a function, built from the article being created (its id and number). */
    extraItems?: readonly TransactionEntry[] | ((article: Article) => readonly TransactionEntry[]);
    claim?: IdempotencyClaim;
    now?: Date;
    knownError?: { id: string; number: string };
  } = {},
): Promise<ApiResult> {
  const now = options.now ?? new Date();
  const content = contentFromBody(input);
  const number = await allocateArticleNumber();
  const transition = newArticle(content, {
    id: newId(),
    number,
    actor,
    now,
    ...(options.knownError === undefined ? {} : { knownError: options.knownError }),
  });
  const checks = contentReferenceChecks(undefined, content, now.toISOString());
  const items = [
    ...articleWrite({ transition, actor, now, type: 'Article Created' }),
    ...fieldCheckItems(checks),
    ...(typeof options.extraItems === 'function' ? options.extraItems(transition.article) : (options.extraItems ?? [])),
  ];
  try {
    return await commitIdempotently(items, options.claim, articleResponse(201, transition.article, { agent: true }), now);
  } catch (error) {
    throw mapReferenceRefusal(error, checks);
  }
}
