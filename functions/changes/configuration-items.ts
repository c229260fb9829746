import { isOwnCiId, SERVICE_CLASS } from '../cmdb/domain/ci.ts';
import { type ImpactDirection, ImpactTooLarge, impactOf } from '../cmdb/impact.ts';
import { getCis } from '../cmdb/store/ci-store.ts';
import { type FieldError, fieldError } from '../shared/errors.ts';
import { log } from '../shared/log.ts';
import { type CiNeighbourhood, ciNeighbourhood, type ReachedCi } from './domain/conflicts.ts';

/*
 * How change requests name configuration items: by CMDB id (functions/cmdb; a service is the CI
 * named after it), each checked to exist when a write names it: one BatchGet, read beside the
 * write's other reads. Changes written before the CMDB may hold free text; it is kept as it was
 * until an edit replaces it, and a submission asks for ids.
 *
 * At submission the CMDB also says how far the change reaches: the services downstream of its
 * items (its risk counts them) and the CIs around them both ways (another change on one of those
 * in an overlapping window conflicts with it). Both come from ONE impact analysis per direction,
 * made once per submission rather than once per scheduled change.
 */

/** How many relationships away from a change's items the impact analysis looks, both ways. */
export const CHANGE_IMPACT_DEPTH = 3;

/** The ids a write must check: those of `next` that `before` did not name (a stored change's free text stays until replaced). */
export const addedConfigurationItems = (before: readonly string[] | undefined, next: readonly string[] | undefined): string[] =>
  (next ?? []).filter((id) => !(before ?? []).includes(id));

/** The ids among `ids` that name no CI: one BatchGet round, none without ids. */
export async function unknownConfigurationItems(ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const found = await getCis([...new Set(ids)]);
  return new Set(ids.filter((id) => !found.has(id)));
}

/** A 400's field errors: each unknown id at its index in `listed` (under `path`, e.g. ['configurationItems']). */
export function unknownConfigurationItemErrors(unknown: ReadonlySet<string>, listed: readonly string[], path: (string | number)[], hint = ''): FieldError[] {
  return listed.flatMap((id, index) =>
    unknown.has(id) ? [fieldError('body', [...path, index], `There is no configuration item with id '${id}' (GET /cis)${hint}`)] : [],
  );
}

export interface ChangeReach {
  /** The change's items that name no CI (free text from before the CMDB, or a CI deleted since). */
  unknown: Set<string>;
  /** The services downstream of the change's items, those items included when they are services. */
  downstreamServices: string[];
  /** The CIs around the change's items, both ways, for conflict detection. */
  neighbourhood: CiNeighbourhood;
}

const NOTHING: ChangeReach = { unknown: new Set(), downstreamServices: [], neighbourhood: new Map() };

/**
 * What a change's items reach, for its assessment. Without items: nothing, and no request.
 * With items: the items' records (one BatchGet) beside one impact analysis downstream and one
 * upstream (each up to CHANGE_IMPACT_DEPTH rounds of Queries and a BatchGet), all in flight
 * together. A graph past the impact budget is never a reason to refuse a submission: the levels
 * read whole within it count, and the shortfall is logged.
 */
export async function reachOf(ids: readonly string[]): Promise<ChangeReach> {
  if (ids.length === 0) return NOTHING;
  const [records, downstream, upstream] = await Promise.all([getCis([...new Set(ids)]), reached(ids, 'downstream'), reached(ids, 'upstream')]);
  const unknown = new Set(ids.filter((id) => !records.has(id)));
  // Services reached at the budget's edge (partial) have no class read: their ids say it, as only services have slug ids.
  const services = new Set<string>();
  for (const id of ids) if (records.get(id)?.class === SERVICE_CLASS) services.add(id);
  for (const reach of downstream.reached) if (reach.isService) services.add(reach.id);
  return {
    unknown,
    downstreamServices: [...services],
    neighbourhood: ciNeighbourhood({ downstream: downstream.reached, upstream: upstream.reached }),
  };
}

interface Reached extends ReachedCi {
  isService: boolean;
}

async function reached(ids: readonly string[], direction: ImpactDirection): Promise<{ reached: Reached[] }> {
  try {
    const impact = await impactOf(ids, { direction, depth: CHANGE_IMPACT_DEPTH });
    return { reached: impact.impacted.map(({ ci, path }) => ({ id: ci.id, path, isService: ci.class === SERVICE_CLASS })) };
  } catch (error) {
    if (!(error instanceof ImpactTooLarge)) throw error;
    log.warn('a change reaches more of the CMDB than one impact analysis reads: assessed on the levels read whole', {
      direction,
      itemsRead: error.itemsRead,
      budget: error.budget,
      depthRead: error.suggestedDepth ?? 0,
    });
    return { reached: error.partial.map(({ id, path }) => ({ id, path, isService: !isOwnCiId(id) })) };
  }
}
