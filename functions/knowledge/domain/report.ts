/*
 * The knowledge report's rankings (pure): the most viewed articles, and the least helpful among
 * those with enough votes to say so.
 */

export interface CountedArticle {
  readonly id: string;
  readonly number: string;
  readonly title: string;
  readonly views: number;
  readonly helpful: number;
  readonly notHelpful: number;
}

const byNumber = (a: CountedArticle, b: CountedArticle): number => (a.number < b.number ? -1 : a.number > b.number ? 1 : 0);

/** The `top` most viewed (never-viewed ones left out), most first; ties by number. */
export function mostViewed(rows: readonly CountedArticle[], top: number): CountedArticle[] {
  return rows
    .filter((row) => row.views > 0)
    .sort((a, b) => b.views - a.views || byNumber(a, b))
    .slice(0, top);
}

const ratio = (row: CountedArticle): number => row.helpful / (row.helpful + row.notHelpful);

/**
 * The `top` with the lowest share of helpful votes among those with at least `minVotes` votes;
 * ties: more votes against first, then by number. The ratio rounded to three decimals.
 */
export function leastHelpful(rows: readonly CountedArticle[], top: number, minVotes: number): (CountedArticle & { helpfulRatio: number })[] {
  return rows
    .filter((row) => row.helpful + row.notHelpful >= minVotes)
    .sort((a, b) => ratio(a) - ratio(b) || b.notHelpful - a.notHelpful || byNumber(a, b))
    .slice(0, top)
    .map((row) => ({ ...row, helpfulRatio: Math.round(ratio(row) * 1000) / 1000 }));
}

const DAY_MS = 86_400_000;
export const dayNumber = (date: string): number => Date.parse(`${date}T00:00:00Z`) / DAY_MS;
export const dateOf = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** Every day from `from` to `to`, with its count (0 when none). */
export function everyDay(from: string, to: string, counts: ReadonlyMap<string, number>): { day: string; count: number }[] {
  const days: { day: string; count: number }[] = [];
  for (let n = dayNumber(from); n <= dayNumber(to); n++) {
    const day = dateOf(n);
    days.push({ day, count: counts.get(day) ?? 0 });
  }
  return days;
}
