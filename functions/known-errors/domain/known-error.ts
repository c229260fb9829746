/**
 * Known errors (ITIL): problems whose workaround is documented and published, so that whoever
 * meets the same error again finds the workaround at once. This module holds the pure rules: when
 * a problem's known error is published, what it shows, under which match keys it is found, and how
 * the matches of an incident are ranked. It knows problems only by the fields it reads
 * (KnownErrorSource), not by importing the problems area, which sits above it.
 */

/** What a problem must tell for its known error to be projected; the problems area's Problem has these fields. */
export interface KnownErrorSource {
  readonly id: string;
  readonly number: string;
  readonly title: string;
  readonly status: string;
  readonly updatedAt: string;
  readonly knownError?: boolean;
  readonly knownErrorPublishedAt?: string;
  readonly workaround?: string;
  readonly service?: string;
  /** The configuration items it concerns, by CMDB id. */
  readonly configurationItems?: readonly string[];
  /** Free text of problems written before configuration items were named by id. */
  readonly configurationItem?: string;
  readonly category?: string;
  readonly resolution?: { readonly code: string };
}

/** A published known error as lists and incident answers show it. */
export interface KnownError {
  readonly problemId: string;
  readonly number: string;
  readonly title: string;
  readonly workaround: string;
  readonly service?: string;
  readonly configurationItems?: readonly string[];
  readonly configurationItem?: string;
  readonly category?: string;
  readonly publishedAt: string;
}

/**
 * The incident field a known error matched on, most specific first: a configuration item it names
 * by id, then the free text of old records (matched on old known errors' text only), the service,
 * the category.
 */
export const MATCH_FIELDS = ['configurationItems', 'configurationItem', 'service', 'category'] as const;
export type MatchField = (typeof MATCH_FIELDS)[number];
/** The fields that hold one value each (configurationItems holds a list of ids). */
type SingleMatchField = Exclude<MatchField, 'configurationItems'>;

/** A known error found for an incident, and what it was found by. */
export interface KnownErrorMatch extends KnownError {
  readonly matchedOn: MatchField;
}

/** The fields of an incident (or of a list's filters) that known errors are matched on. */
export type MatchFields = Partial<Record<SingleMatchField, string | undefined>> & { readonly configurationItems?: readonly string[] | undefined };

/** An incident answer carries at most this many known errors. */
export const MAX_KNOWN_ERROR_MATCHES = 5;

/** Resolutions that withdraw a known error: a duplicate's original carries it; a canceled problem is dropped. */
const WITHDRAWING_RESOLUTIONS: readonly string[] = ['duplicate', 'canceled'];

/**
 * Whether a problem's known error is published, and as what:
 *
 * - the problem says so (`knownError: true`) and has a workaround: a known error without one gives
 *   the agent nothing to do;
 * - it is not canceled, and was not resolved as a duplicate or canceled;
 * - a problem closed after its fix was applied (`fix_applied`) retires it: the fix is in and was
 *   reviewed. While it is only resolved, the fix is being verified and the workaround still helps.
 *   A problem resolved or closed with the risk accepted (`risk_accepted`) keeps it: the error stays,
 *   and the workaround is the lasting answer.
 */
export function publishedKnownError(problem: KnownErrorSource): KnownError | undefined {
  const workaround = problem.workaround?.trim();
  if (problem.knownError !== true || workaround === undefined || workaround === '') return undefined;
  if (problem.status === 'canceled') return undefined;
  const resolution = problem.resolution?.code;
  if (resolution !== undefined && WITHDRAWING_RESOLUTIONS.includes(resolution)) return undefined;
  if (problem.status === 'closed' && resolution === 'fix_applied') return undefined;
  return {
    problemId: problem.id,
    number: problem.number,
    title: problem.title,
    workaround: problem.workaround as string,
    ...(problem.service === undefined ? {} : { service: problem.service }),
    ...(problem.configurationItems === undefined || problem.configurationItems.length === 0 ? {} : { configurationItems: [...problem.configurationItems] }),
    ...(problem.configurationItem === undefined ? {} : { configurationItem: problem.configurationItem }),
    ...(problem.category === undefined ? {} : { category: problem.category }),
    publishedAt: problem.knownErrorPublishedAt ?? problem.updatedAt,
  };
}

/**
 * Configuration items and categories are free text: `DB-01` and `db-01 ` name the same thing, so
 * they match on a trimmed, lower-case key (the values shown stay as written). Services are slugs.
 */
export const matchValue = (value: string): string => value.trim().toLowerCase();

const KEY_PREFIX: Readonly<Record<SingleMatchField, string>> = { configurationItem: 'CI#', service: 'SERVICE#', category: 'CATEGORY#' };

/** The key under which known errors with this field value are found. */
export const matchKey = (field: SingleMatchField, value: string): string => `${KEY_PREFIX[field]}${matchValue(value)}`;

/**
 * The key under which known errors of a configuration item (by id) are found: the id as it is (ids
 * are exact), apart from the free text's `CI#` keys, so old text never matches an id by chance.
 */
export const configurationItemKey = (id: string): string => `CIID#${id}`;

/** Every published known error is also listed under this key: `GET /known-errors` without a filter. */
export const ALL_KNOWN_ERRORS_KEY = 'ALL';

/** The match keys of fields that are set, most specific first. */
export function matchKeysOf(fields: MatchFields): { field: MatchField; key: string }[] {
  const keys: { field: MatchField; key: string }[] = [];
  for (const id of new Set(fields.configurationItems ?? [])) keys.push({ field: 'configurationItems', key: configurationItemKey(id) });
  for (const field of ['configurationItem', 'service', 'category'] as const) {
    const value = fields[field];
    if (value !== undefined && value.trim() !== '') keys.push({ field, key: matchKey(field, value) });
  }
  return keys;
}

/** Every key a published known error is found under: all of them, and one per field it names. */
export const keysOfKnownError = (knownError: KnownError): string[] => [ALL_KNOWN_ERRORS_KEY, ...matchKeysOf(knownError).map(({ key }) => key)];

/** Newest first: by publication, then by problem id (ULIDs sort by creation), as the stored sort keys order them. */
export const publicationOrder = (knownError: KnownError): string => `${knownError.publishedAt}#${knownError.problemId}`;

/** The order DynamoDB sorts string keys in (by UTF-8 bytes, the same as code units for these ASCII keys), not a locale's. */
const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * An incident's known errors: those matched on its configuration item, then on its service, then
 * on its category, each group newest first; a problem matched on several fields is listed once,
 * under the most specific; at most MAX_KNOWN_ERROR_MATCHES.
 */
export function rankMatches(found: readonly { field: MatchField; knownErrors: readonly KnownError[] }[]): KnownErrorMatch[] {
  const matches: KnownErrorMatch[] = [];
  const seen = new Set<string>();
  for (const field of MATCH_FIELDS) {
    const group = found
      .filter((entry) => entry.field === field)
      .flatMap((entry) => entry.knownErrors)
      .sort((a, b) => byCodeUnits(publicationOrder(b), publicationOrder(a)));
    for (const knownError of group) {
      if (seen.has(knownError.problemId)) continue;
      seen.add(knownError.problemId);
      matches.push({ ...knownError, matchedOn: field });
      if (matches.length === MAX_KNOWN_ERROR_MATCHES) return matches;
    }
  }
  return matches;
}
