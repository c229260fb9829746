import { fieldError, HttpError, validationFailed } from '../../shared/errors.ts';
import { type ApiRequest, type ApiResult, byRoute, httpHandler } from '../../shared/http/handler.ts';
import { type TransactionEntry, TransactionRefused, transactWrite } from '../../shared/store/transaction.ts';
import { assertArticleWriter, loadArticleForWrite } from '../access.ts';
import { articleChanged, articleWrite, OWNER_GROUP_MEMBER, ownerGroupMemberCheck } from '../article-write.ts';
import { retireArticle, reviewArticle, submitArticle } from '../domain/article.ts';
import { articleResponse, mapArticleErrors } from '../responses.ts';
import { reviewArticleBody } from '../schemas/article.ts';

/*
 * The lifecycle's steps (POST /articles/{id}/submit, /review, /retire): each two round trips, the
 * article with its latest content version, then one transaction with the record at the version
 * read (If-Match must name it: a retry of a step that went through is 412, never a second step), the version items it moves, its history, its outbox
 * record and, for a review or a retirement, the check that the caller is a member of the owner
 * group (in the same transaction: a member removed a moment ago is refused).
 */

const notMember = (group: string): HttpError =>
  new HttpError(403, 'not-in-owner-group', 'Not a member of the owner group', `Only members of group '${group}' (the article's owner group) may do this`, {
    ownerGroup: group,
  });

async function commit(items: TransactionEntry[], memberOf?: string): Promise<void> {
  try {
    await transactWrite(items);
  } catch (error) {
    const changed = articleChanged(error);
    if (changed !== undefined) throw changed;
    if (memberOf !== undefined && error instanceof TransactionRefused && error.has(OWNER_GROUP_MEMBER)) throw notMember(memberOf);
    throw error;
  }
}

async function loadChecked(request: ApiRequest): Promise<Awaited<ReturnType<typeof loadArticleForWrite>>> {
  const idOrNumber = request.pathParam('id');
  assertArticleWriter(request.principal);
  const ifMatch = request.ifMatch();
  const loaded = await loadArticleForWrite(idOrNumber);
  ifMatch.check(loaded.article.version);
  return loaded;
}

/** The draft being written goes to review; its owner group is told. Any agent may submit. */
async function submit(request: ApiRequest): Promise<ApiResult> {
  const { principal } = request;
  const { article, latest } = await loadChecked(request);
  const now = new Date();
  const transition = mapArticleErrors(() => submitArticle(article, latest, principal.userId, now));
  await commit(articleWrite({ before: article, latest, transition, actor: principal.userId, now, type: 'Article Submitted', contentVersion: latest.version }));
  return articleResponse(200, transition.article, { agent: true });
}

/**
 * A member of the owner group (of the version in review) who wrote none of it approves (publishes)
 * or rejects (back to draft, with the comment) the version in review. Admins too, if members.
 */
async function review(request: ApiRequest): Promise<ApiResult> {
  const { principal } = request;
  const input = request.body(reviewArticleBody);
  if (input.decision === 'reject' && input.comment === undefined) {
    throw validationFailed([fieldError('body', ['comment'], 'Say what the author should change')]);
  }
  const { article, latest } = await loadChecked(request);
  const now = new Date();
  const transition = mapArticleErrors(() => reviewArticle(article, latest, input, principal.userId, now));
  const group = latest.ownerGroup;
  const items = articleWrite({
    before: article,
    latest,
    transition,
    actor: principal.userId,
    now,
    type: input.decision === 'approve' ? 'Article Published' : 'Article Rejected',
    contentVersion: latest.version,
    review: { decision: input.decision, by: principal.userId, author: latest.author },
  });
  await commit([...items, ownerGroupMemberCheck(group, principal.userId)], group);
  return articleResponse(200, transition.article, { agent: true });
}

/** A member of the owner group, or an admin, retires the article: readers and search no longer find it. */
async function retire(request: ApiRequest): Promise<ApiResult> {
  const { principal } = request;
  const { article, latest } = await loadChecked(request);
  const now = new Date();
  const transition = mapArticleErrors(() => retireArticle(article, principal.userId, now));
  const items = articleWrite({ before: article, latest, transition, actor: principal.userId, now, type: 'Article Retired' });
  const membership = principal.isAdmin ? [] : [ownerGroupMemberCheck(article.ownerGroup, principal.userId)];
  await commit([...items, ...membership], article.ownerGroup);
  return articleResponse(200, transition.article, { agent: true });
}

export const handler = httpHandler(
  byRoute({
    'POST /articles/{id}/submit': submit,
    'POST /articles/{id}/review': review,
    'POST /articles/{id}/retire': retire,
  }),
);
