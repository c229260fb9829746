import { ulid } from 'ulid';
import { forbidden, notFound } from '../shared/errors.ts';
import type { Principal } from '../shared/http/principal.ts';
import { CHANGE_NUMBER_PATTERN, type Change } from './domain/change.ts';
import { getChangeById, getChangeByNumber } from './store/change-store.ts';

const ID_PATTERN = new RegExp(`^[0-9A-HJKMNP-TV-Z]{${ulid().length}}$`);

export const isChangeNumber = (idOrNumber: string): boolean => CHANGE_NUMBER_PATTERN.test(idOrNumber);
export const isChangeId = (idOrNumber: string): boolean => ID_PATTERN.test(idOrNumber);

/**
 * Changes are agents' work: requesters raise incidents, not change requests, and have no business
 * reading the plans of production changes. Admins are agents too.
 */
export function assertChangeAgent(principal: Principal): void {
  if (!principal.isAgent) throw forbidden('Only agents and admins work with change requests');
}

/** Reads by id (strongly consistent) or by number (through the index); one round trip either way. */
export async function findChange(idOrNumber: string): Promise<Change | undefined> {
  if (isChangeNumber(idOrNumber)) return getChangeByNumber(idOrNumber);
  if (isChangeId(idOrNumber)) return getChangeById(idOrNumber);
  return undefined;
}

/** The change, or 404 naming what was asked for. */
export async function loadChange(idOrNumber: string): Promise<Change> {
  const change = await findChange(idOrNumber);
  if (change === undefined) throw notFound(`Change ${idOrNumber}`);
  return change;
}

/**
 * Reads something of a change (its notes, its history). Addressed by id, the existence check and
 * the read go out together: one round trip. A number has to be resolved to the id first.
 */
export async function readOfChange<T>(idOrNumber: string, read: (changeId: string) => Promise<T>): Promise<T> {
  if (!isChangeId(idOrNumber)) return read((await loadChange(idOrNumber)).id);
  const [change, result] = await Promise.allSettled([getChangeById(idOrNumber), read(idOrNumber)]);
  if (change.status === 'rejected') throw change.reason;
  if (change.value === undefined) throw notFound(`Change ${idOrNumber}`);
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}
