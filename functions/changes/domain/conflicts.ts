/*
 * Which scheduled changes and blackout windows a change request runs into.
 *
 * Windows are half-open [start, end): a change ending at 02:00 and the next starting at 02:00 do not
 * conflict, so back-to-back maintenance slots can be booked. Instants are compared as points in time,
 * not as strings, because ISO texts with different offsets or precision ("Z" vs "+00:00", ".000") sort
 * differently from the instants they name. An empty window (start at or after end) overlaps nothing.
 *
 * Another change conflicts when its window overlaps and it shares at least one service or configuration
 * item, or when one of its configuration items depends on one of this change's, or this change's on it
 * (`dependentConfigurationItems`: the item is downstream or upstream of one of this change's in the
 * CMDB, within the depth the caller's impact analysis read; the caller reads that neighbourhood once
 * for all the other changes). The change itself (same id) is skipped, so a stored change can be re-checked against the schedule
 * it is already part of. A blackout conflicts when its window overlaps and it applies to the change:
 * one naming services applies only to changes touching one of them; one naming none (absent or empty)
 * applies to every change, since an empty list reading as "nothing" would silently disable a freeze.
 *
 * The result is sorted by window start, then kind, then change id or blackout name (code unit order),
 * so reviewers and tests see the same list whatever order the schedule was read in.
 */

export interface Window {
  start: string;
  end: string;
}

export interface ChangeToCheck {
  id: string;
  services: readonly string[];
  configurationItems: readonly string[];
  plannedStart: string;
  plannedEnd: string;
}

export interface ScheduledChange extends ChangeToCheck {
  number: string;
}

export interface Blackout {
  name: string;
  start: string;
  end: string;
  services?: readonly string[];
}

/** One link of a dependency path: a CI and the relationship, as that CI names it, that leads to the next CI of the path. */
export interface DependencyStep {
  id: string;
  relationship: string;
}

/**
 * A configuration item of another change related to one of this change's through the CMDB.
 * `downstream`: `ci` is affected when `of` fails (it depends on it); `upstream`: `of` relies on `ci`.
 */
export interface DependentConfigurationItem {
  /** The other change's configuration item. */
  ci: string;
  /** This change's configuration item it is related to. */
  of: string;
  direction: 'downstream' | 'upstream';
  /** From `of` (first) to the CI before `ci` (last). */
  path: DependencyStep[];
}

/**
 * The CIs around a change's configuration items (its neighbourhood in the CMDB), by CI id: how each
 * relates to one of the change's. An empty map when the change names none.
 */
export type CiNeighbourhood = ReadonlyMap<string, Omit<DependentConfigurationItem, 'ci'>>;

/** A CI the CMDB's impact analysis reached from one of the change's items, by the path it was first reached by. */
export interface ReachedCi {
  id: string;
  path: readonly DependencyStep[];
}

/**
 * The neighbourhood of a change's items from what impact analysis reached in both directions. A CI
 * reached both ways (connects_to, or a cycle) keeps its shorter path, downstream on a tie: that it
 * depends on the change's item is what a reviewer acts on first.
 */
export function ciNeighbourhood(reached: { downstream: readonly ReachedCi[]; upstream: readonly ReachedCi[] }): CiNeighbourhood {
  const neighbourhood = new Map<string, Omit<DependentConfigurationItem, 'ci'>>();
  for (const direction of ['downstream', 'upstream'] as const) {
    for (const { id, path } of reached[direction]) {
      const [first] = path;
      const known = neighbourhood.get(id);
      if (first === undefined || (known !== undefined && known.path.length <= path.length)) continue;
      neighbourhood.set(id, { of: first.id, direction, path: path.map((step) => ({ id: step.id, relationship: step.relationship })) });
    }
  }
  return neighbourhood;
}

export interface ChangeConflictOn {
  services: string[];
  configurationItems: string[];
  /** Present only when there are some: conflicts found before the CMDB, and most others, have none. */
  dependentConfigurationItems?: DependentConfigurationItem[];
}

export type Conflict =
  | { kind: 'change'; changeId: string; number: string; on: ChangeConflictOn; window: Window }
  | { kind: 'blackout'; name: string; window: Window };

export function overlaps(a: Window, b: Window): boolean {
  const [aStart, aEnd, bStart, bEnd] = [instant(a.start), instant(a.end), instant(b.start), instant(b.end)];
  if (aStart >= aEnd || bStart >= bEnd) return false;
  return aStart < bEnd && bStart < aEnd;
}

export function findConflicts(
  change: ChangeToCheck,
  scheduled: readonly ScheduledChange[],
  blackouts: readonly Blackout[],
  neighbourhood: CiNeighbourhood = new Map(),
): Conflict[] {
  const window: Window = { start: change.plannedStart, end: change.plannedEnd };
  const conflicts: Conflict[] = [];

  for (const other of scheduled) {
    if (other.id === change.id) continue;
    const otherWindow: Window = { start: other.plannedStart, end: other.plannedEnd };
    if (!overlaps(window, otherWindow)) continue;
    const on: ChangeConflictOn = {
      services: shared(change.services, other.services),
      configurationItems: shared(change.configurationItems, other.configurationItems),
    };
    const dependent = dependentItems(change.configurationItems, other.configurationItems, neighbourhood);
    if (dependent.length > 0) on.dependentConfigurationItems = dependent;
    if (on.services.length === 0 && on.configurationItems.length === 0 && dependent.length === 0) continue;
    conflicts.push({ kind: 'change', changeId: other.id, number: other.number, on, window: otherWindow });
  }

  for (const blackout of blackouts) {
    const blackoutWindow: Window = { start: blackout.start, end: blackout.end };
    if (!overlaps(window, blackoutWindow)) continue;
    const scope = blackout.services ?? [];
    if (scope.length > 0 && shared(change.services, scope).length === 0) continue;
    conflicts.push({ kind: 'blackout', name: blackout.name, window: blackoutWindow });
  }

  return conflicts.sort(compareConflicts);
}

function compareConflicts(a: Conflict, b: Conflict): number {
  return (
    instant(a.window.start) - instant(b.window.start) ||
    compareText(a.kind, b.kind) ||
    compareText(key(a), key(b)) ||
    instant(a.window.end) - instant(b.window.end)
  );
}

const key = (conflict: Conflict) => (conflict.kind === 'change' ? conflict.changeId : conflict.name);
const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Sorted and without repeats, so `on` reads the same whatever order the lists were entered in. */
function shared(mine: readonly string[], theirs: readonly string[]): string[] {
  const theirSet = new Set(theirs);
  return [...new Set(mine.filter((name) => theirSet.has(name)))].sort(compareText);
}

/**
 * The other change's items in this change's neighbourhood, by item id. An item both changes name is
 * listed in `configurationItems` already, so not again here.
 */
function dependentItems(mine: readonly string[], theirs: readonly string[], neighbourhood: CiNeighbourhood): DependentConfigurationItem[] {
  if (neighbourhood.size === 0) return [];
  const mineSet = new Set(mine);
  return [...new Set(theirs)]
    .filter((ci) => !mineSet.has(ci))
    .sort(compareText)
    .flatMap((ci) => {
      const relation = neighbourhood.get(ci);
      return relation === undefined ? [] : [{ ci, of: relation.of, direction: relation.direction, path: relation.path.map((step) => ({ ...step })) }];
    });
}

/** Unparseable instants throw rather than compare false, which would hide a conflict. */
function instant(text: string): number {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new RangeError(`${text} is not an ISO instant`);
  return ms;
}
