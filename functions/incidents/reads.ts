import { isIncidentNumber } from './access.ts';
import type { Incident } from './domain/incident.ts';
import type { PriorityMatrix } from './domain/priority.ts';
import { getIncidentItemByNumber, getIncidentItems, getIncidentRecord, getIncidentSettings } from './store/incident-store.ts';

/*
 * What other areas may read of the incidents area's settings. Problems rank on the same impact x
 * urgency matrix (issue 13), which admins keep with the incident settings (PUT
 * /config/priority-matrix); they read it here rather than from the settings item itself.
 */

export type { Level, PriorityMatrix } from './domain/priority.ts';
export { priorityFor } from './domain/priority.ts';

/** The impact x urgency matrix in force: one strongly consistent GetItem. */
export async function priorityMatrixInForce(): Promise<PriorityMatrix> {
  return (await getIncidentSettings()).matrix;
}

/**
 * An incident about to be written through an incidents operation (a problem's link), by id
 * (strongly consistent) or number (through the index, eventually consistent: the write's version
 * condition catches a stale read): one round trip, without the `alert` view.
 */
export async function findIncidentForWrite(idOrNumber: string): Promise<Incident | undefined> {
  if (isIncidentNumber(idOrNumber)) return getIncidentItemByNumber(idOrNumber);
  if (!/^[0-9A-HJKMNP-TV-Z]{26}$/.test(idOrNumber)) return undefined;
  return (await getIncidentRecord(idOrNumber)).incident;
}

/** Incidents by id as they are now (a problem's linked incidents): one BatchGetItem round trip for up to 100; missing ones are left out. */
export const incidentsByIds = (ids: readonly string[]): Promise<Incident[]> => (ids.length === 0 ? Promise.resolve([]) : getIncidentItems(ids));
