import { log } from '../shared/log.ts';
import type { KnownErrorMatch, MatchFields } from './domain/known-error.ts';
import { matchKnownErrors } from './store/known-error-store.ts';

/**
 * What incidents' create and update call, beside their own reads: the known errors the incident
 * matches (functions/known-errors/store/known-error-store.ts, matchKnownErrors), answered with it
 * and never stored on it.
 *
 * They are a hint beside the write, not part of it: if the lookup fails, the incident is still
 * written and answered, without `knownErrors`, and the failure is logged. Failing the request
 * instead would refuse an incident for want of a hint, or, on an update whose transaction already
 * committed, answer 500 for a change that was made. So this never rejects.
 */
export async function knownErrorsFor(fields: MatchFields): Promise<KnownErrorMatch[] | undefined> {
  try {
    return await matchKnownErrors(fields);
  } catch (error) {
    log.warn('known-error lookup failed; answering the incident without knownErrors', { error });
    return undefined;
  }
}
