import { describe, expect, it } from 'vitest';
import {
  type Article,
  ArticleRuleError,
  type ArticleVersion,
  editArticle,
  isReadableByRequester,
  newArticle,
  retireArticle,
  reviewArticle,
  submitArticle,
} from '../../functions/knowledge/domain/article.ts';
import { ARTICLE_EVENT_TYPES, articleOutboxRecord, articleRecipients } from '../../functions/knowledge/domain/events.ts';
import { renderMarkdown } from '../../functions/knowledge/domain/render.ts';
import { articleEventDetail } from '../../functions/knowledge/schemas/events.ts';

/* The article lifecycle as pure rules (functions/knowledge/domain/article.ts) and its event records. */

const T0 = new Date('2026-12-01T08:00:00.000Z');
const T1 = new Date('2026-12-02T08:00:00.000Z');
const T2 = new Date('2026-12-03T08:00:00.000Z');

const content = (title = 'Reset the VPN token', body = 'Open the client.') => ({
  title,
  body,
  bodyHtml: renderMarkdown(body),
  services: ['vpn'],
  configurationItems: [],
  audience: 'public' as const,
  keywords: ['vpn'],
  ownerGroup: 'network',
  links: { problems: [], knownErrors: [], incidents: [] },
});

function created(): { article: Article; version: ArticleVersion } {
  const t = newArticle(content(), { id: '01JDX2ABCDEFGHJKMNPQRSTVWX', number: 'KB0000001', actor: 'alice', now: T0 });
  return { article: t.article, version: t.versions[0] as ArticleVersion };
}

/** Created by alice, submitted, approved by bob. */
function published(): { article: Article; version: ArticleVersion } {
  const { article, version } = created();
  const submitted = submitArticle(article, version, 'alice', T0);
  const approved = reviewArticle(submitted.article, submitted.versions[0] as ArticleVersion, { decision: 'approve' }, 'bob', T1);
  return { article: approved.article, version: approved.versions[0] as ArticleVersion };
}

const rule = (work: () => unknown): string | undefined => {
  try {
    work();
    return undefined;
  } catch (error) {
    if (error instanceof ArticleRuleError) return error.code;
    throw error;
  }
};

describe('the article lifecycle', () => {
  it('a new article is a draft at version 1, its content version 1', () => {
    const { article, version } = created();
    expect(article).toMatchObject({ status: 'draft', contentVersion: 1, latestVersion: 1, version: 1, author: 'alice' });
    expect(version).toMatchObject({ version: 1, status: 'draft', author: 'alice', contributors: ['alice'] });
    expect(isReadableByRequester(article)).toBe(false);
  });

  it('approval publishes: the record shows the version, reviewedAt and publishedAt set', () => {
    const { article, version } = published();
    expect(article).toMatchObject({
      status: 'published',
      publishedVersion: 1,
      contentVersion: 1,
      publishedAt: T1.toISOString(),
      reviewedAt: T1.toISOString(),
      version: 3,
    });
    expect(article.submittedAt).toBeUndefined();
    expect(version).toMatchObject({ status: 'published', reviewedBy: 'bob', publishedAt: T1.toISOString() });
    expect(isReadableByRequester(article)).toBe(true);
    expect(isReadableByRequester({ ...article, audience: 'internal' })).toBe(false);
  });

  it('an author or contributor never reviews their own version', () => {
    const { article, version } = created();
    const submitted = submitArticle(article, version, 'alice', T0);
    expect(rule(() => reviewArticle(submitted.article, submitted.versions[0] as ArticleVersion, { decision: 'approve' }, 'alice', T1))).toBe('OWN_VERSION');
    expect(rule(() => reviewArticle(submitted.article, submitted.versions[0] as ArticleVersion, { decision: 'reject', comment: 'x' }, 'alice', T1))).toBe(
      'OWN_VERSION',
    );
  });

  it('an edit of a published article is version n+1 in draft; the record keeps the published content', () => {
    const { article, version } = published();
    const edit = editArticle(article, version, content('New title', 'New body'), 'carol-agent', T2);
    expect(edit).toBeDefined();
    const next = edit?.article as Article;
    expect(next).toMatchObject({ title: 'Reset the VPN token', body: 'Open the client.', contentVersion: 1, latestVersion: 2, version: 4 });
    expect(next.pendingVersion).toEqual({ version: 2, status: 'draft', author: 'carol-agent', updatedAt: T2.toISOString() });
    expect(edit?.versions).toEqual([expect.objectContaining({ version: 2, status: 'draft', title: 'New title', contributors: ['carol-agent'] })]);
    expect(edit?.changes).toContainEqual({ field: 'pendingVersion.title', from: 'Reset the VPN token', to: 'New title' });

    // Submitted and approved: version 2 published, version 1 superseded.
    const submitted = submitArticle(next, edit?.versions[0] as ArticleVersion, 'carol-agent', T2);
    expect(submitted.article.pendingVersion?.status).toBe('review');
    const approved = reviewArticle(submitted.article, submitted.versions[0] as ArticleVersion, { decision: 'approve' }, 'bob', T2);
    expect(approved.article).toMatchObject({ title: 'New title', body: 'New body', contentVersion: 2, publishedVersion: 2 });
    expect(approved.article.pendingVersion).toBeUndefined();
    expect(approved.statusMoves).toEqual([{ version: 1, status: 'superseded', at: T2.toISOString() }]);
  });

  it('the same content writes nothing; a retired article takes no edit, submit or review', () => {
    const { article, version } = published();
    expect(editArticle(article, version, content(), 'alice', T2)).toBeUndefined();
    const retired = retireArticle(article, 'nina', T2);
    expect(retired.article).toMatchObject({ status: 'retired', retiredAt: T2.toISOString() });
    expect(retired.statusMoves).toEqual([{ version: 1, status: 'retired', at: T2.toISOString() }]);
    expect(isReadableByRequester(retired.article)).toBe(false);
    expect(rule(() => editArticle(retired.article, version, content('x'), 'alice', T2))).toBe('RETIRED');
    expect(rule(() => submitArticle(retired.article, version, 'alice', T2))).toBe('RETIRED');
    expect(rule(() => retireArticle(retired.article, 'nina', T2))).toBe('RETIRED');
  });

  it('submit needs a draft; review needs a version in review', () => {
    const { article, version } = published();
    expect(rule(() => submitArticle(article, version, 'alice', T2))).toBe('NOTHING_TO_SUBMIT');
    expect(rule(() => reviewArticle(article, version, { decision: 'approve' }, 'nina', T2))).toBe('NOT_IN_REVIEW');
  });
});

describe('article events', () => {
  it('match the published schema, carry no free text, and tell who should hear', () => {
    const { article } = published();
    for (const type of ARTICLE_EVENT_TYPES) {
      const record = articleOutboxRecord({
        eventId: '01JDX3M5Q8W4T0S7Y2V9K6H1ZC',
        type,
        article,
        actor: 'bob',
        occurredAt: T1.toISOString(),
        recipients: articleRecipients(type, article, 'alice'),
        changes: [
          { field: 'title', from: 'a', to: 'b' },
          { field: 'status', from: 'review', to: 'published' },
        ],
        contentVersion: 1,
        ...(type === 'Article Published' ? { review: { decision: 'approve' as const, by: 'bob', author: 'alice' } } : {}),
      });
      expect(articleEventDetail.safeParse(record.detail).error).toBeUndefined();
      expect(record.detail.changes).toEqual([{ field: 'title' }, { field: 'status', from: 'review', to: 'published' }]);
      expect(JSON.stringify(record)).not.toContain('Reset the VPN token');
      expect(record.articleId).toBe(article.id);
      expect(record.notification.attributes).toEqual({ eventType: type, priority: '-', assignmentGroup: 'network', service: 'vpn' });
    }
    expect(articleRecipients('Article Submitted', article)).toEqual({ users: [], groups: ['network'] });
    expect(articleRecipients('Article Published', article, 'carol-agent')).toEqual({ users: ['carol-agent'], groups: [] });
    expect(articleRecipients('Article Updated', article)).toEqual({ users: [], groups: [] });
  });
});
