import { type CountFilters, countPlan, type QueueCountDefinition } from '../domain/queue-counts.ts';
import { fieldError, validationFailed } from '../errors.ts';
import { readTotal } from '../store/queue-counts.ts';

/** What a list adds to its page when asked to count: `{ total }`, or nothing. */
export type ListTotal = { total: number } | Record<string, never>;

const NOTHING: Promise<ListTotal> = Promise.resolve({});

/**
 * The `total` a list answers beside its page when asked (`count=true`): the sum of the counters the
 * filters name, one BatchGetItem started now, so that it runs beside the page's Query and adds no
 * round trip. Filters no counter is kept for are refused here, before anything is read: a 400 on
 * `count` that says what can be counted (never a Scan). Counters follow writes through the table
 * stream, within about a second.
 */
export function listTotal(count: boolean | undefined, definition: QueueCountDefinition, filters: CountFilters): Promise<ListTotal> {
  if (count !== true) return NOTHING;
  return readTotal(countersOf(definition, filters)).then((total) => ({ total }));
}

/** For a list known to be empty without reading it: `total: 0` when asked, if these filters could be counted (the same 400 otherwise). */
export function emptyListTotal(count: boolean | undefined, definition: QueueCountDefinition, filters: CountFilters): ListTotal {
  if (count !== true) return {};
  countersOf(definition, filters);
  return { total: 0 };
}

function countersOf(definition: QueueCountDefinition, filters: CountFilters): readonly string[] {
  const plan = countPlan(definition, filters);
  if (!plan.countable) throw validationFailed([fieldError('query', ['count'], plan.reason)]);
  return plan.keys;
}
