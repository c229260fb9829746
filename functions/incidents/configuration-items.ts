import { servicesImpacted } from '../cmdb/impact.ts';
import { findCiByExternalId, getCi, getCis } from '../cmdb/store/ci-store.ts';
import { ciExistsCheck } from '../cmdb/store/relationship-store.ts';
import { type FieldError, fieldError } from '../shared/errors.ts';
import { log } from '../shared/log.ts';
import { type FieldCheck, fieldCheckName } from '../shared/store/field-checks.ts';

/*
 * How incidents and problems name configuration items: by CMDB id (functions/cmdb), each checked
 * to exist when a write names it, and the services they impact read from the CMDB's relationships
 * when they are written, so that reading the record stays one round trip.
 */

/** How far downstream an incident's or a problem's impacted services are looked for. */
export const IMPACT_DEPTH = 3;

/** The ids in `ids` that name no CI (one BatchGet round; none without ids). */
export async function missingConfigurationItems(ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const found = await getCis([...ids]);
  return ids.filter((id) => !found.has(id));
}

const missingMessage = (id: string): string => `There is no configuration item with id '${id}' (GET /cis)`;

/** A 400's field errors for `missing` ids, each at its index in the body's list (`listed`). */
export const missingConfigurationItemErrors = (missing: readonly string[], listed: readonly string[], field = 'configurationItems'): FieldError[] =>
  missing.map((id) => fieldError('body', [field, listed.indexOf(id)], missingMessage(id)));

/**
 * "Each CI the write adds still exists", checked in the write's own transaction: the read before it
 * (missingConfigurationItems) gives the errors and the impact, but a CI deleted between that read
 * and the write would otherwise be left named, dangling. The same checks as a relationship's (the
 * CMDB's ciExistsCheck): an own CI's item exists (retired ones may be named); a service's directory
 * record exists and is not being deleted. Refused, each is the same 400 as the read's, at the CI's
 * index in `listed`. Only the ids the write adds (at most 20, the list's limit), and none whose
 * item another check of the transaction (`others`: the record's own service) already holds, as a
 * transaction may touch an item once.
 */
export function configurationItemChecks(added: readonly string[], listed: readonly string[], others: readonly FieldCheck[] = []): FieldCheck[] {
  const taken = new Set(others.map(fieldCheckName));
  return [...new Set(added)].flatMap((id) => {
    const check: FieldCheck = {
      item: ciExistsCheck(id, { allowRetired: true }).item,
      refusal: () => ({ path: ['configurationItems', listed.indexOf(id)], message: missingMessage(id) }),
    };
    return taken.has(fieldCheckName(check)) ? [] : [check];
  });
}

/**
 * The services downstream of `ids` (depth IMPACT_DEPTH; past the CMDB's budget, those of the
 * levels it read whole: servicesImpacted never refuses), or undefined when the CMDB could not
 * answer (a failed read): the record is then written without impacted services rather than
 * refused for want of them, and the failure is logged.
 */
export async function downstreamServices(ids: readonly string[]): Promise<string[] | undefined> {
  if (ids.length === 0) return [];
  try {
    return await servicesImpacted([...ids], IMPACT_DEPTH);
  } catch (error) {
    log.warn('impacted services not computed; the record is written without them', { error, configurationItems: ids });
    return undefined;
  }
}

/** The ids of `next` that `before` did not name, the ones a write must check. */
export const addedConfigurationItems = (before: readonly string[] | undefined, next: readonly string[] | null | undefined): string[] =>
  (next ?? []).filter((id) => !(before ?? []).includes(id));

/** A CI id of the CMDB's own (a ULID, Crockford base 32). */
const OWN_CI_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/**
 * The CI a monitoring event's free-text configuration item names, when it is a CI's id or the
 * external id (ARN) of one: one GetItem. Anything else (a host name, a tag, a service's name,
 * which monitoring text may hold by chance) names none, and is kept as free text on the incident.
 */
export async function configurationItemNamedBy(text: string): Promise<string | undefined> {
  const value = text.trim();
  if (OWN_CI_ID.test(value)) return (await getCi(value))?.id;
  if (value.startsWith('arn:')) return (await findCiByExternalId(value))?.id;
  return undefined;
}
