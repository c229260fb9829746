/*
 * Review due (issue 16): a published article not reviewed (approved) for the configured interval
 * (GET/PUT /knowledge-config reviewIntervalDays) is flagged, on its read (`reviewDue`) and in the
 * knowledge report. Pure: no clock, no store.
 */

/** Until an admin sets it (GET/PUT /knowledge-config), and its bounds. */
export const DEFAULT_REVIEW_INTERVAL_DAYS = 365;
export const MIN_REVIEW_INTERVAL_DAYS = 1;
export const MAX_REVIEW_INTERVAL_DAYS = 3650;

export interface ReviewedArticle {
  readonly status: string;
  /** The last approval of a version. */
  readonly reviewedAt?: string | undefined;
  /** Used when an article carries no reviewedAt (it was published by an approval, so they agree). */
  readonly publishedAt?: string | undefined;
}

const DAY_MS = 86_400_000;

/** The instant before which a last review is due: now less the interval. */
export function reviewCutoff(config: { readonly reviewIntervalDays: number }, now: Date): Date {
  return new Date(now.getTime() - config.reviewIntervalDays * DAY_MS);
}

/** Published, and last reviewed (or published) before now less the interval. Drafts, articles in review and retired ones are never due. */
export function isReviewDue(article: ReviewedArticle, config: { readonly reviewIntervalDays: number }, now: Date): boolean {
  if (article.status !== 'published') return false;
  const last = article.reviewedAt ?? article.publishedAt;
  if (last === undefined) return false;
  return Date.parse(last) < reviewCutoff(config, now).getTime();
}
