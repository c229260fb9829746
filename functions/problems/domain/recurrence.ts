/*
 * Recurring incidents: when do incidents on the same service and category, or with the same alert
 * dedup key, recur often enough to propose a problem (a "problem candidate")? Pure rules; the
 * detection consumer (handlers/detect-recurring-incidents.ts) reads and writes the counter items.
 *
 * The window is SLIDING, per key, over the incidents' creation instants:
 * - a key's incidents count together when they were all created within `windowDays` days of each
 *   other (the newest minus the oldest is less than windowDays * 24 h);
 * - the incident that brings `threshold` such incidents together records ONE candidate with them;
 *   its window runs from the oldest of them for windowDays;
 * - incidents created before that window's end are the recorded candidate's recurrence: they never
 *   start a second candidate for the key (a fourth incident in the window adds nothing); counting
 *   for the next candidate starts with the first incident created at or after the window's end.
 * So three incidents two days apart count whatever the calendar, and a key gets at most one
 * candidate per windowDays days. Fixed buckets would have missed bursts that cross a boundary.
 *
 * The counting is exact because every incident's count is one conditional write on the key's
 * counter item (at the version read), with a marker of the incident in the same transaction: two
 * incidents of one key never both see the count before them, and a redelivered incident is
 * refused by its marker, so it is counted once (see store/candidate-store.ts).
 */

export const DAY_MS = 86_400_000;

/** How many incidents within how many days make a candidate. */
export interface RecurrenceRule {
  threshold: number;
  windowDays: number;
}

/** The default rule and the services that have their own. */
export interface ProblemConfig extends RecurrenceRule {
  services: Record<string, RecurrenceRule>;
  /** The ETag; 0 until an admin first writes it. */
  version: number;
  updatedAt?: string;
}

export const DEFAULT_RECURRENCE_RULE: RecurrenceRule = { threshold: 3, windowDays: 7 };
export const MIN_THRESHOLD = 2;
export const MAX_THRESHOLD = 50;
export const MAX_WINDOW_DAYS = 90;
export const MAX_SERVICE_OVERRIDES = 200;

/** The rule of a service: its own, else the default. */
export function ruleFor(config: Pick<ProblemConfig, 'threshold' | 'windowDays' | 'services'>, service: string | undefined): RecurrenceRule {
  const own = service === undefined ? undefined : config.services[service];
  return own ?? { threshold: config.threshold, windowDays: config.windowDays };
}

/** What recurs: a service with a category, or an alert dedup key in its scope (the service or '-'). */
export type RecurrenceKey =
  | { kind: 'service_category'; service: string; category: string }
  | { kind: 'dedup_key'; dedupScope: string; dedupKey: string; service?: string };

export const RECURRENCE_KINDS = ['service_category', 'dedup_key'] as const;

/**
 * Categories are typed by people: "Network", "network " and "network" are one category. Case,
 * surrounding blanks and repeated blanks do not make another key.
 */
export const normalCategory = (category: string): string => category.trim().replace(/\s+/g, ' ').toLowerCase();

/** The key as one text: the counter item's partition. */
export function keyId(key: RecurrenceKey): string {
  return key.kind === 'service_category' ? `SC#${key.service}#${key.category}` : `DK#${key.dedupScope}#${key.dedupKey}`;
}

/** The incident as the detection sees it (from the stream's new image). */
export interface RecurringIncident {
  id: string;
  number: string;
  createdAt: string;
  service?: string;
  category?: string;
  dedupKey?: string;
  dedupScope?: string;
}

/** The keys an incident counts under: service+category when it has both; its dedup key when it was opened by events. */
export function recurrenceKeys(incident: RecurringIncident): RecurrenceKey[] {
  const keys: RecurrenceKey[] = [];
  const category = incident.category === undefined ? '' : normalCategory(incident.category);
  if (incident.service !== undefined && category !== '') keys.push({ kind: 'service_category', service: incident.service, category });
  if (incident.dedupKey !== undefined && incident.dedupScope !== undefined) {
    keys.push({
      kind: 'dedup_key',
      dedupScope: incident.dedupScope,
      dedupKey: incident.dedupKey,
      ...(incident.service === undefined ? {} : { service: incident.service }),
    });
  }
  return keys;
}

/** An incident as a counter and a candidate keep it. */
export interface CountedIncident {
  id: string;
  number: string;
  createdAt: string;
}

/** A key's counter: the incidents that may still make a candidate, and the end of the last candidate's window. */
export interface RecurrenceCounter {
  incidents: CountedIncident[];
  /** Incidents created before this instant belong to a recorded candidate's window. */
  coveredUntil?: string;
}

export interface CountOutcome {
  counter: RecurrenceCounter;
  /** Set when this incident makes the candidate: its incidents (oldest first) and window. */
  candidate?: { incidents: CountedIncident[]; windowStart: string; windowEnd: string };
}

const byCreation = (a: CountedIncident, b: CountedIncident): number => a.createdAt.localeCompare(b.createdAt) || a.number.localeCompare(b.number);

/**
 * Counts one incident on a key's counter under `rule`. The window is measured around the counted
 * incident's own creation instant, not the order records arrive in (the stream keeps order within
 * one incident, not across incidents). The counter keeps only what a later incident could still
 * join: those created less than a window before the newest, outside any recorded candidate's
 * window. An incident arriving more than a window late may so miss the ones it would have joined.
 */
export function countIncident(counter: RecurrenceCounter, incident: CountedIncident, rule: RecurrenceRule): CountOutcome {
  const windowMs = rule.windowDays * DAY_MS;
  const time = (i: CountedIncident): number => Date.parse(i.createdAt);
  const at = time(incident);
  const covered = counter.coveredUntil === undefined ? Number.NEGATIVE_INFINITY : Date.parse(counter.coveredUntil);
  // In a recorded candidate's window: part of that recurrence, never the start of another.
  if (at < covered) return { counter };
  const all = [...counter.incidents.filter((i) => i.id !== incident.id), incident].sort(byCreation);
  const near = all.filter((i) => time(i) >= covered && Math.abs(time(i) - at) < windowMs);
  // The earliest run of `threshold` incidents, the counted one among them, spanning less than the window.
  for (let start = 0; start + rule.threshold <= near.length; start++) {
    const run = near.slice(start, start + rule.threshold);
    const first = run[0] as CountedIncident;
    const last = run[run.length - 1] as CountedIncident;
    if (!run.some((i) => i.id === incident.id) || time(last) - time(first) >= windowMs) continue;
    const windowEnd = new Date(time(first) + windowMs).toISOString();
    return {
      counter: { incidents: all.filter((i) => time(i) >= Date.parse(windowEnd)), coveredUntil: windowEnd },
      candidate: { incidents: run, windowStart: first.createdAt, windowEnd },
    };
  }
  const newest = Math.max(...all.map(time));
  return { counter: { ...counter, incidents: all.filter((i) => time(i) > newest - windowMs && time(i) >= covered) } };
}
