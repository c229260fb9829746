import type { PriorityMatrix } from './domain/priority.ts';
import { getIncidentSettings } from './store/incident-store.ts';

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
