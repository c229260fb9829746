import { findChange } from '../changes/access.ts';
import { fieldError, validationFailed } from '../shared/errors.ts';
import type { ChangeReference } from './domain/problem.ts';

/**
 * The change request a fix names, by id or number, read through the changes area's own lookup
 * (one round trip, sent alongside the problem's other reads). It must exist: 400 on `fix.change`
 * otherwise. Change requests are never deleted, so a reference found here stays valid.
 */
export async function resolveFixChange(idOrNumber: string): Promise<ChangeReference> {
  const change = await findChange(idOrNumber);
  if (change === undefined) throw validationFailed([fieldError('body', ['fix', 'change'], `There is no change request ${idOrNumber}`)]);
  return { id: change.id, number: change.number };
}
