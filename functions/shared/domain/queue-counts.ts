/*
 * Queue counts: how many records of a kind a list's filters name, kept as counters so that a list
 * can answer `total` without reading the records (issue 17). The rules here are pure: which counters
 * a record is counted under, how a change of a record moves them, and which counters a list's
 * filters name. functions/shared/store/queue-counts.ts keeps the counters; each counting area
 * declares its kinds (functions/<area>/counts.ts).
 *
 * A counter is named by its kind and, for each dimension of its combination, the value:
 * `incidents` (every incident), `incidents#status=new`,
 * `incidents#assignmentGroup=database&status=new` (dimensions in name order, values URI-encoded).
 */

/** A dimension read from a record: the attribute path (dotted for a nested one, `item.id`). */
export type DimensionSource =
  | string
  /**
   * A dimension a record may hold several values of at once (a change's services; an article's
   * status and its pending version's). Such a record is counted under each of them, so a sum over
   * several values of it would count it more than once: a list may count one value of it only.
   */
  | { readonly paths: readonly string[]; readonly severalPerRecord: true };

export interface QueueCountDefinition {
  /** Names the counters (`COUNT#<kind>...`) and the kind in messages: `incidents`. */
  readonly kind: string;
  /** The `entity` attribute of the counted records: the consumer and the recount pick them by it. */
  readonly entity: string;
  /**
   * The sort key of the counted records' items (`INCIDENT`): the stream filter picks them by their
   * keys, which every stream record carries, removals included.
   */
  readonly recordSortKey: string;
  /** The gsi1 partition that holds every record of the kind (`INCIDENT`): what a recount reads. */
  readonly allOfKind: string;
  /** Filter name -> where a record holds its value(s). The filter names are the list's query parameters. */
  readonly dimensions: Readonly<Record<string, DimensionSource>>;
  /**
   * The dimension sets a counter is kept for: `[]` is the whole kind, `['assignmentGroup', 'status']`
   * a group's queue by status. Each one is one more counter moved by a record's change, so only the
   * combinations lists ask for are kept.
   */
  readonly combinations: readonly (readonly string[])[];
}

export type CountedRecord = Readonly<Record<string, unknown>>;

const pathsOf = (source: DimensionSource): readonly string[] => (typeof source === 'string' ? [source] : source.paths);
const severalPerRecord = (source: DimensionSource): boolean => typeof source !== 'string';

function valueAt(record: CountedRecord, path: string): unknown {
  let value: unknown = record;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** The record's values of a dimension: strings and numbers, a list's or set's members; none when absent. */
function dimensionValues(record: CountedRecord, source: DimensionSource): string[] {
  const values = new Set<string>();
  for (const path of pathsOf(source)) {
    const value = valueAt(record, path);
    const members = Array.isArray(value) || value instanceof Set ? [...value] : [value];
    for (const member of members) if (typeof member === 'string' || typeof member === 'number') values.add(String(member));
  }
  return [...values];
}

const sortedDimensions = (dimensions: readonly string[]): string[] => [...dimensions].sort();

/** The counter's name for these dimension values (`values[i]` is the value of `dimensions[i]`, both in name order). */
function counterName(kind: string, dimensions: readonly string[], values: readonly string[]): string {
  if (dimensions.length === 0) return kind;
  return `${kind}#${dimensions.map((dimension, i) => `${dimension}=${encodeURIComponent(values[i] as string)}`).join('&')}`;
}

/** Every choice of one value per list: [[a, b], [c]] -> [[a, c], [b, c]]. */
function product(lists: readonly (readonly string[])[]): string[][] {
  return lists.reduce<string[][]>((choices, values) => choices.flatMap((choice) => values.map((value) => [...choice, value])), [[]]);
}

/**
 * The counters a record is counted under, sorted: one per combination and choice of its values. A
 * record without a value for some dimension of a combination (an unassigned incident) is in none of
 * that combination's counters, as it is in none of that filter's list.
 */
export function countedKeys(definition: QueueCountDefinition, record: CountedRecord): string[] {
  const keys = new Set<string>();
  for (const combination of definition.combinations) {
    const dimensions = sortedDimensions(combination);
    const values = dimensions.map((dimension) => dimensionValues(record, sourceOf(definition, dimension)));
    for (const choice of product(values)) keys.add(counterName(definition.kind, dimensions, choice));
  }
  return [...keys].sort();
}

function sourceOf(definition: QueueCountDefinition, dimension: string): DimensionSource {
  const source = definition.dimensions[dimension];
  if (source === undefined) throw new Error(`${definition.kind}: the combination names ${dimension}, which is not one of its dimensions`);
  return source;
}

/** How each counter moves when a record counted under `from` is counted under `to` instead: +1, -1; unmoved ones are absent. */
export function countDeltas(from: readonly string[], to: readonly string[]): Map<string, number> {
  const deltas = new Map<string, number>();
  for (const key of from) deltas.set(key, (deltas.get(key) ?? 0) - 1);
  for (const key of to) deltas.set(key, (deltas.get(key) ?? 0) + 1);
  for (const [key, delta] of deltas) if (delta === 0) deltas.delete(key);
  return deltas;
}

/** A list's filters as a count reads them: a filter's values (one or several), or absent. */
export type CountFilters = Readonly<Record<string, string | readonly string[] | undefined>>;

/** Counters a total may sum at most: one BatchGetItem, one round trip. */
export const MAX_COUNTERS_PER_TOTAL = 100;

export type CountPlan = { readonly countable: true; readonly keys: readonly string[] } | { readonly countable: false; readonly reason: string };

/**
 * The counters whose sum is the number of records the filters name: one per choice of one value of
 * each filter (the values of one filter are OR'ed, and a record holds one value of such a
 * dimension, so no record is in two of them). Not countable when the filters' dimensions are not a
 * kept combination, a filter is not a dimension at all (a time range), a dimension a record holds
 * several values of is given several, or the choices pass one round trip's worth of counters.
 */
export function countPlan(definition: QueueCountDefinition, filters: CountFilters): CountPlan {
  const given = Object.entries(filters).flatMap(([name, value]): [string, readonly string[]][] =>
    value === undefined ? [] : [[name, typeof value === 'string' ? [value] : value]],
  );
  const notDimensions = given.filter(([name]) => definition.dimensions[name] === undefined).map(([name]) => name);
  if (notDimensions.length > 0) return uncountable(`${notDimensions.join(' and ')} cannot be counted`, definition);
  const dimensions = sortedDimensions(given.map(([name]) => name));
  const kept = definition.combinations.some((combination) => sameSet(combination, dimensions));
  if (!kept) {
    const named = dimensions.length === 0 ? `every ${definition.kind}` : `${definition.kind} by ${dimensions.join(' and ')}`;
    return uncountable(`No count is kept of ${named}`, definition);
  }
  const byName = new Map(given);
  const values = dimensions.map((dimension) => byName.get(dimension) as readonly string[]);
  const several = dimensions.find((dimension, i) => severalPerRecord(sourceOf(definition, dimension)) && (values[i] as readonly string[]).length > 1);
  if (several !== undefined) {
    return uncountable(
      `A ${definition.kind.replace(/s$/, '')} may have several ${several} values at once, so only one ${several} value can be counted`,
      definition,
    );
  }
  const choices = product(values);
  if (choices.length > MAX_COUNTERS_PER_TOTAL) {
    return uncountable(`These filters name ${choices.length} combinations of values; at most ${MAX_COUNTERS_PER_TOTAL} can be counted at once`, definition);
  }
  return { countable: true, keys: choices.map((choice) => counterName(definition.kind, dimensions, choice)) };
}

function sameSet(combination: readonly string[], sortedNames: readonly string[]): boolean {
  const sorted = sortedDimensions(combination);
  return sorted.length === sortedNames.length && sorted.every((name, i) => name === sortedNames[i]);
}

const uncountable = (why: string, definition: QueueCountDefinition): CountPlan => ({
  countable: false,
  reason: `${why}. Counted: ${countableFilterSets(definition)}`,
});

/** The filter sets that can be counted, in words: `no filter; status; assignmentGroup + status`. */
export function countableFilterSets(definition: QueueCountDefinition): string {
  return definition.combinations.map((combination) => (combination.length === 0 ? 'no filter' : sortedDimensions(combination).join(' + '))).join('; ');
}

/**
 * What the counters hold of one record: the version they counted and the counters it is in. Kept
 * in a marker item beside the counters and written in the same transaction, so the counters are
 * always the sum of the markers.
 */
export interface CountedState {
  readonly version: number;
  readonly keys: readonly string[];
}

/**
 * A removed record's state: no counters, and a version above any it had, so that a late copy of an
 * older change (a redelivered or replayed stream record) finds it counted already and moves nothing.
 */
export const REMOVED: CountedState = { version: Number.MAX_SAFE_INTEGER, keys: [] };
export const isRemoved = (state: CountedState): boolean => state.version === REMOVED.version;

/** What the counters are believed to hold of a record before a write: nothing, or these counters at a version below the write's. */
export type CountedBefore = { readonly counted: false } | { readonly counted: true; readonly keys: readonly string[] };

/** One write of the counters for a record: from what they are believed to hold to `to`, moving `deltas`. */
export interface CountStep {
  readonly before: CountedBefore;
  readonly to: CountedState;
  readonly deltas: ReadonlyMap<string, number>;
}

/**
 * The write that brings the counters from `before` to `to`, or none when nothing moves. A removal
 * is always written (its marker stops older changes from counting the record again); a change that
 * leaves the record's counters as they were writes nothing, and the marker keeps its older version:
 * whatever comes next still finds the counters it expects.
 */
export function countStep(before: CountedBefore, to: CountedState): CountStep | undefined {
  const deltas = countDeltas(before.counted ? before.keys : [], to.keys);
  if (deltas.size === 0 && !isRemoved(to) && before.counted) return undefined;
  return { before, to, deltas };
}

/**
 * The next write once the marker is known (a write expecting something else was refused): none when
 * the counters hold this version or a later one already.
 */
export function countStepFrom(marker: CountedState | undefined, to: CountedState): CountStep | undefined {
  if (marker === undefined) return countStep({ counted: false }, to);
  if (marker.version >= to.version) return undefined;
  return countStep({ counted: true, keys: marker.keys }, to);
}

/** One stream record of a counted record, as the handler reads it: its images unmarshalled. */
export interface RecordChange {
  readonly event: 'INSERT' | 'MODIFY' | 'REMOVE';
  readonly oldImage?: CountedRecord;
  readonly newImage?: CountedRecord;
}

const versionOf = (record: CountedRecord | undefined): number => (typeof record?.version === 'number' ? record.version : 0);

/**
 * A record's changes within one batch, in stream order, folded into one write: from what the
 * counters hold before the first (nothing before an INSERT; the old image's counters otherwise) to
 * the last one's result. Folding keeps a record's changes in order (there is one write) and writes
 * once per record however often it changed in the batch.
 */
export function foldChanges(definition: QueueCountDefinition, changes: readonly RecordChange[]): CountStep | undefined {
  const first = changes[0];
  const last = changes.at(-1);
  if (first === undefined || last === undefined) return undefined;
  const before: CountedBefore =
    first.event === 'INSERT' || first.oldImage === undefined ? { counted: false } : { counted: true, keys: countedKeys(definition, first.oldImage) };
  const to: CountedState =
    last.event === 'REMOVE' || last.newImage === undefined ? REMOVED : { version: versionOf(last.newImage), keys: countedKeys(definition, last.newImage) };
  return countStep(before, to);
}
