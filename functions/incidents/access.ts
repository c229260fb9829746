import { ulid } from 'ulid';
import { forbidden, notFound } from '../shared/errors.ts';
import type { Principal } from '../shared/http/principal.ts';
import { INCIDENT_NUMBER_PATTERN, type Incident } from './domain/incident.ts';
import { getIncidentById, getIncidentByNumber } from './store/incident-store.ts';

const ID_PATTERN = new RegExp(`^[0-9A-HJKMNP-TV-Z]{${ulid().length}}$`);

export const isIncidentNumber = (idOrNumber: string): boolean => INCIDENT_NUMBER_PATTERN.test(idOrNumber);

/** Requesters see only incidents they raised; to them every other incident does not exist. */
export function canSeeIncident(principal: Principal, incident: Incident): boolean {
  return principal.isAgent || incident.caller === principal.userId;
}

export function assertVisible(principal: Principal, incident: Incident | undefined, idOrNumber: string): Incident {
  if (incident === undefined || !canSeeIncident(principal, incident)) throw notFound(`Incident ${idOrNumber}`);
  return incident;
}

/** Reads by id (strongly consistent) or by number (through the index); one round trip either way. */
export async function findIncident(idOrNumber: string): Promise<Incident | undefined> {
  if (isIncidentNumber(idOrNumber)) return getIncidentByNumber(idOrNumber);
  if (ID_PATTERN.test(idOrNumber)) return getIncidentById(idOrNumber);
  return undefined;
}

export async function loadVisibleIncident(principal: Principal, idOrNumber: string): Promise<Incident> {
  return assertVisible(principal, await findIncident(idOrNumber), idOrNumber);
}

/** Only agents change incidents; a requester learns that only about incidents they can see. */
export function assertIncidentAgent(principal: Principal, incident: Incident, idOrNumber: string): void {
  assertVisible(principal, incident, idOrNumber);
  if (!principal.isAgent) throw forbidden('Only agents can change incidents; add a note instead');
}

/**
 * Reads something of a visible incident (its notes, its history). Addressed by id, the visibility
 * check and the read go out together: one round trip, and the read is thrown away unseen if the
 * caller may not see the incident. A number has to be resolved to the id first.
 */
export async function readVisibleIncident<T>(principal: Principal, idOrNumber: string, read: (incidentId: string) => Promise<T>): Promise<T> {
  if (!ID_PATTERN.test(idOrNumber)) {
    const incident = await loadVisibleIncident(principal, idOrNumber);
    return read(incident.id);
  }
  const [incident, result] = await Promise.allSettled([getIncidentById(idOrNumber), read(idOrNumber)]);
  if (incident.status === 'rejected') throw incident.reason;
  assertVisible(principal, incident.value, idOrNumber);
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}
