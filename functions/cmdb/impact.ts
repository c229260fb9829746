import { type CiSummary, isOwnCiId, SERVICE_CLASS, summarizeCi } from './domain/ci.ts';
import { DEFAULT_IMPACT_DEPTH, IMPACT_BUDGET, type ImpactReach, ImpactSearch, type ImpactStep, ImpactTooLarge } from './domain/impact.ts';
import type { ImpactDirection } from './domain/relationship-types.ts';
import { getCis } from './store/ci-store.ts';
import { impactQueries, relationshipsFollowed } from './store/relationship-store.ts';

/*
 * Impact analysis, for GET /cis/{id}/impact and for the work areas (an incident's impacted
 * services, a change's risk and conflicts). Bounded breadth-first: each level is ONE round of
 * Queries in flight together, 3 per CI of the frontier, each reading only the
 * relationship types the direction follows from that end (store/relationship-store.ts
 * impactQueries); then ONE BatchGet round for the records of the CIs reached (services: their
 * directory records). So depth N costs at most N rounds of Queries and one BatchGet. The budget
 * bounds what is read, not only what is counted: what is left of it is split between the level's
 * Queries (each its share as its Limit), so the items read never pass IMPACT_BUDGET; a Query that
 * stops at its share (or a level with more Queries than items left) is ImpactTooLarge.
 */

export { DEFAULT_IMPACT_DEPTH, IMPACT_BUDGET, ImpactTooLarge, MAX_IMPACT_DEPTH } from './domain/impact.ts';
export type { ImpactDirection, ImpactStep };

export interface ImpactedCi {
  ci: CiSummary;
  /** Relationships between it and the nearest CI asked about. */
  depth: number;
  /** From a CI asked about to the CI before this one: each CI and the relationship, as that CI names it, to the next. */
  path: ImpactStep[];
}

export interface Impact {
  /** The CIs asked about that exist (a missing one is left out: the caller answers 404 for it). */
  asked: CiSummary[];
  /** Nearest first. A CI whose record is gone (a relationship left dangling) is not listed. */
  impacted: ImpactedCi[];
  /** Rounds of Queries made (one per level read): for tests and the bench, not shown by the API. */
  rounds: number;
  /** Relationship items read. */
  itemsRead: number;
}

export interface ImpactOptions {
  direction: ImpactDirection;
  depth: number;
  /** Relationship items it may read; default IMPACT_BUDGET. */
  budget?: number;
}

/**
 * Reads level after level until the depth asked, an empty frontier, or the budget; throws
 * ImpactTooLarge past the budget, carrying what the levels within it reached.
 */
async function search(ids: readonly string[], options: ImpactOptions): Promise<ImpactSearch> {
  const budget = options.budget ?? IMPACT_BUDGET;
  const found = new ImpactSearch(ids, { direction: options.direction, depth: options.depth, budget });
  while (!found.done) {
    const queries = found.frontier.length * impactQueries('', options.direction).length;
    const share = Math.floor((budget - found.itemsRead) / queries);
    if (share < 1) {
      // Not even one item per Query is left: this level cannot be read within the budget.
      found.advance(found.frontier.map((ci) => ({ ci, relationships: [], truncated: true })));
      break;
    }
    const readings = await Promise.all(
      found.frontier.map(async (ci) => {
        const read = await relationshipsFollowed(ci, options.direction, share);
        return { ci, relationships: read.relationships, truncated: read.truncated };
      }),
    );
    found.advance(readings);
  }
  return found;
}

/** The CIs that `ids` impact (or rely on, upstream), each with its depth and path; the CIs asked about read in the same BatchGet. */
export async function impactOf(ids: readonly string[], options: ImpactOptions): Promise<Impact> {
  const found = await search(ids, options);
  const records = await getCis([...new Set([...ids, ...found.reached.map((reach) => reach.id)])]);
  const impacted: ImpactedCi[] = [];
  for (const reach of found.reached) {
    const ci = records.get(reach.id);
    if (ci !== undefined) impacted.push({ ci: summarizeCi(ci), depth: reach.depth, path: reach.path });
  }
  const asked = [...new Set(ids)].flatMap((id) => {
    const ci = records.get(id);
    return ci === undefined ? [] : [summarizeCi(ci)];
  });
  return { asked, impacted, rounds: found.levels, itemsRead: found.itemsRead };
}

/**
 * The services (CI ids of class `service`: service names) impacted downstream of `ids`, the CIs
 * asked about included when they are services: what an incident shows and a change's risk counts.
 * Never refused: when the graph passes the budget, the services within the levels it read whole.
 * One BatchGet, only for ids that can be services (and none when there are none).
 */
export async function servicesImpacted(ids: readonly string[], depth: number = DEFAULT_IMPACT_DEPTH): Promise<string[]> {
  let reached: readonly ImpactReach[];
  try {
    reached = (await search(ids, { direction: 'downstream', depth })).reached;
  } catch (error) {
    if (!(error instanceof ImpactTooLarge)) throw error;
    reached = error.partial;
  }
  const candidates = [...new Set([...ids, ...reached.map((reach) => reach.id)])].filter((id) => !isOwnCiId(id));
  if (candidates.length === 0) return [];
  const records = await getCis(candidates);
  return candidates.filter((id) => records.get(id)?.class === SERVICE_CLASS);
}
