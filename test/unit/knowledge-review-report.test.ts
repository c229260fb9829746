import { describe, expect, it } from 'vitest';
import { knownErrorArticle } from '../../functions/knowledge/domain/known-error-article.ts';
import { everyDay, leastHelpful, mostViewed } from '../../functions/knowledge/domain/report.ts';
import { isReviewDue, reviewCutoff } from '../../functions/knowledge/domain/review.ts';

/* The pure rules of slice C of issue 16: review due, the report's rankings and days, the known error's article. */

const now = new Date('2026-12-07T12:00:00.000Z');

describe('isReviewDue', () => {
  const config = { reviewIntervalDays: 30 };
  it('published and last reviewed before now less the interval', () => {
    expect(isReviewDue({ status: 'published', reviewedAt: '2026-11-07T11:59:59.999Z' }, config, now)).toBe(true);
    expect(isReviewDue({ status: 'published', reviewedAt: '2026-11-07T12:00:00.000Z' }, config, now)).toBe(false);
    expect(isReviewDue({ status: 'published', publishedAt: '2025-01-01T00:00:00.000Z' }, config, now)).toBe(true);
    expect(reviewCutoff(config, now).toISOString()).toBe('2026-11-07T12:00:00.000Z');
  });
  it('never for drafts, articles in review or retired ones', () => {
    for (const status of ['draft', 'review', 'retired']) expect(isReviewDue({ status, reviewedAt: '2020-01-01T00:00:00.000Z' }, config, now)).toBe(false);
  });
});

describe('report rankings', () => {
  const row = (number: string, views: number, helpful: number, notHelpful: number) => ({ id: number, number, title: number, views, helpful, notHelpful });
  const rows = [row('KB1', 5, 0, 2), row('KB2', 9, 3, 0), row('KB3', 5, 1, 2), row('KB4', 0, 1, 3), row('KB5', 0, 0, 3)];
  it('most viewed: most first, ties by number, never-viewed left out', () => {
    expect(mostViewed(rows, 10).map((r) => r.number)).toEqual(['KB2', 'KB1', 'KB3']);
    expect(mostViewed(rows, 1).map((r) => r.number)).toEqual(['KB2']);
  });
  it('least helpful: only with 3 votes or more, lowest ratio first, then most votes against', () => {
    expect(leastHelpful(rows, 10, 3).map((r) => [r.number, r.helpfulRatio])).toEqual([
      ['KB5', 0],
      ['KB4', 0.25],
      ['KB3', 0.333],
      ['KB2', 1],
    ]);
  });
  it('every day from `from` to `to`, zeros included', () => {
    expect(everyDay('2026-02-27', '2026-03-02', new Map([['2026-03-01', 4]]))).toEqual([
      { day: '2026-02-27', count: 0 },
      { day: '2026-02-28', count: 0 },
      { day: '2026-03-01', count: 4 },
      { day: '2026-03-02', count: 0 },
    ]);
  });
});

describe('knownErrorArticle', () => {
  it('sections from the problem, placeholders for what it lacks', () => {
    const input = knownErrorArticle({ id: 'P1', number: 'PRB0001001', title: 'T', workaround: 'W', service: 'email' }, 'service-desk');
    expect(input).toEqual({
      title: 'T',
      body: '## Symptoms\n\n_Not described._\n\n## Cause\n\n_Not yet known._\n\n## Workaround\n\nW\n\n_From known error PRB0001001._\n',
      services: ['email'],
      configurationItems: [],
      audience: 'internal',
      keywords: [],
      ownerGroup: 'service-desk',
      links: { problems: ['P1'], knownErrors: ['P1'], incidents: [] },
    });
  });
});
